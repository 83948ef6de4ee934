import * as o from '../ops/index.js';
import { full } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ParamGroup, type Params, Optimizer, type SparseUpdate } from './optimizer.js';
import { checkRange } from '../core/checks.js';

export interface AdagradOptions {
  lr: number;
  /** lr / (1 + (t − 1)·lrDecay) at step t (default 0). */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the squared-gradient sum (default 0). */
  initialAccumulatorValue?: number;
  eps?: number;
}

/**
 * Adagrad, as PyTorch's: sum ← sum + g², p ← p − clr · g / (√sum + eps). The classic choice for
 * sparse embedding tables: with a sparse gradient only the rows looked up are touched.
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Params<AdagradOptions>, options: AdagradOptions) {
    super(params, { lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, ...options });
  }

  protected validate(g: ParamGroup<AdagradOptions>): void {
    checkRange('Adagrad', 'lr', g.lr, 0, Infinity);
    checkRange('Adagrad', 'lrDecay', g.lrDecay!, 0, Infinity);
    checkRange('Adagrad', 'weightDecay', g.weightDecay!, 0, Infinity);
    checkRange('Adagrad', 'initialAccumulatorValue', g.initialAccumulatorValue!, 0, Infinity);
    checkRange('Adagrad', 'eps', g.eps!, 0, Infinity);
  }

  protected stateNames(): readonly string[] {
    return ['sum'];
  }

  private sum(p: Tensor, group: ParamGroup<AdagradOptions>): Tensor {
    return this.getState(p, 'sum', () =>
      full(p.shape, group.initialAccumulatorValue!, { dtype: p.dtype, backend: p.backend }),
    );
  }

  private apply(
    pv: Tensor,
    g: Tensor,
    s: Tensor,
    group: ParamGroup<AdagradOptions>,
    step: number,
  ): { p: Tensor; s: Tensor } {
    const wd = group.weightDecay!;
    const grad = wd ? o.add(g, o.mul(pv, wd)) : g;
    const clr = group.lr / (1 + (step - 1) * group.lrDecay!);
    const s2 = o.add(s, o.square(grad));
    const p2 = o.sub(pv, o.mul(o.div(grad, o.add(o.sqrt(s2), group.eps!)), clr));
    return { p: p2, s: s2 };
  }

  protected updateDense(p: Tensor, g: Tensor, group: ParamGroup<AdagradOptions>, step: number): Tensor {
    const r = this.apply(p, g, this.sum(p, group), group, step);
    this.setState(p, 'sum', r.s);
    return r.p;
  }

  protected updateRows(p: Tensor, u: SparseUpdate, group: ParamGroup<AdagradOptions>, step: number): Tensor {
    const sr = o.indexSelect(this.sum(p, group), 0, u.index);
    const r = this.apply(o.indexSelect(p, 0, u.index), u.values, sr, group, step);
    this.setStateRows(p, 'sum', u, sr, r.s);
    return r.p;
  }
}
