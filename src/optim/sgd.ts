import { zerosLike } from '../tensor/creation.js';
import * as o from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ParamGroup, type Params, Optimizer, type SparseUpdate } from './optimizer.js';
import { checkRange } from '../core/checks.js';

export interface SGDOptions {
  lr: number;
  /** Heavy-ball momentum μ (default 0). */
  momentum?: number;
  /** Dampening of the gradient added to the momentum buffer (default 0). */
  dampening?: number;
  /** Nesterov momentum: step along g + μ·buf (needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent with optional momentum, Nesterov and L2 weight decay, as PyTorch:
 * g ← g + wd·p; buf ← μ·buf + (1 − dampening)·g (buf = g on the first step); g ← g + μ·buf
 * (Nesterov) or buf; p ← p − lr·g. Sparse gradients update only their rows, momentum rows included.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: SGDOptions) {
    super(params, { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...options });
  }

  protected validate(g: ParamGroup<SGDOptions>): void {
    checkRange('SGD', 'lr', g.lr, 0, Infinity);
    checkRange('SGD', 'momentum', g.momentum ?? 0, 0, Infinity);
    checkRange('SGD', 'weightDecay', g.weightDecay ?? 0, 0, Infinity);
    if (g.nesterov && (!(g.momentum! > 0) || g.dampening !== 0)) {
      checkRange('SGD', 'momentum (nesterov needs momentum > 0 and dampening 0)', NaN, 0, Infinity);
    }
  }

  protected stateNames(group: ParamGroup<SGDOptions>): readonly string[] {
    return (group.momentum ?? 0) !== 0 ? ['momentum'] : [];
  }

  private direction(
    _p: Tensor,
    g: Tensor,
    pv: Tensor,
    buf: Tensor | null,
    group: ParamGroup<SGDOptions>,
    first: boolean,
  ): { d: Tensor; buf: Tensor | null } {
    const wd = group.weightDecay ?? 0;
    const grad = wd ? o.add(g, o.mul(pv, wd)) : g;
    const mu = group.momentum ?? 0;
    if (mu === 0) return { d: grad, buf: null };
    const nb = first || !buf ? o.mul(grad, 1) : o.add(o.mul(buf, mu), o.mul(grad, 1 - (group.dampening ?? 0)));
    const d = group.nesterov ? o.add(grad, o.mul(nb, mu)) : nb;
    return { d, buf: nb };
  }

  protected updateDense(p: Tensor, g: Tensor, group: ParamGroup<SGDOptions>, step: number): Tensor {
    const buf = this.state.get(p)?.momentum ?? null;
    const r = this.direction(p, g, p, buf, group, step === 1);
    if (r.buf) this.setState(p, 'momentum', r.buf);
    return o.sub(p, o.mul(r.d, group.lr));
  }

  protected updateRows(p: Tensor, u: SparseUpdate, group: ParamGroup<SGDOptions>): Tensor {
    const pr = o.indexSelect(p, 0, u.index);
    const mu = group.momentum ?? 0;
    let bufRows: Tensor | null = null;
    if (mu !== 0)
      bufRows = o.indexSelect(
        this.getState(p, 'momentum', () => zerosLike(p)),
        0,
        u.index,
      );
    // Lazy momentum: a row's buffer starts from zero the first time the row is touched.
    const r = this.direction(p, u.values, pr, bufRows, group, false);
    if (r.buf) this.setStateRows(p, 'momentum', u, bufRows!, r.buf);
    return o.sub(pr, o.mul(r.d, group.lr));
  }
}
