import { zerosLike } from '../tensor/creation.js';
import * as o from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { adamUpdate } from '../ops/fused/adam.js';
import { type ParamGroup, type Params, Optimizer, type SparseUpdate } from './optimizer.js';
import { checkRange } from '../core/checks.js';

export interface AdamOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay of the weights. */
  weightDecay?: number;
  /** Use the backend's fused adamUpdate kernel when it has one (default true). */
  fused?: boolean;
}

/**
 * Adam (Kingma & Ba), as PyTorch's: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps); weightDecay adds wd·p to g (L2).
 * Runs on the backend's fused kernel (one pass over p, g, m, v) when it has one.
 *
 * Sparse gradients (Embedding with sparse: true) use lazy-Adam semantics, like PyTorch's
 * SparseAdam: only the rows looked up have their m, v and weights updated; the bias correction
 * uses the parameter's global step count t (steps in which the table got any gradient).
 */
export class Adam extends Optimizer<AdamOptions> {
  protected readonly decoupled: boolean = false;

  constructor(params: Params<AdamOptions>, options: AdamOptions) {
    super(params, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, fused: true, ...options });
  }

  protected validate(g: ParamGroup<AdamOptions>): void {
    checkRange(this.constructor.name, 'lr', g.lr, 0, Infinity);
    checkRange(this.constructor.name, 'betas[0]', g.betas![0], 0, 1);
    checkRange(this.constructor.name, 'betas[1]', g.betas![1], 0, 1);
    checkRange(this.constructor.name, 'eps', g.eps!, 0, Infinity);
    checkRange(this.constructor.name, 'weightDecay', g.weightDecay!, 0, Infinity);
  }

  protected stateNames(): readonly string[] {
    return ['m', 'v'];
  }

  private info(group: ParamGroup<AdamOptions>, step: number) {
    return {
      lr: group.lr,
      beta1: group.betas![0],
      beta2: group.betas![1],
      eps: group.eps!,
      weightDecay: group.weightDecay!,
      decoupled: this.decoupled,
      step,
    };
  }

  protected updateDense(p: Tensor, g: Tensor, group: ParamGroup<AdamOptions>, step: number): Tensor {
    const m = this.getState(p, 'm', () => zerosLike(p));
    const v = this.getState(p, 'v', () => zerosLike(p));
    const r = adamUpdate(p, g.dtype === p.dtype ? g : o.cast(g, p.dtype), m, v, this.info(group, step), {
      fused: group.fused!,
    });
    this.setState(p, 'm', r.m);
    this.setState(p, 'v', r.v);
    return r.param;
  }

  protected updateRows(p: Tensor, u: SparseUpdate, group: ParamGroup<AdamOptions>, step: number): Tensor {
    const m = this.getState(p, 'm', () => zerosLike(p));
    const v = this.getState(p, 'v', () => zerosLike(p));
    const pr = o.indexSelect(p, 0, u.index);
    const mr = o.indexSelect(m, 0, u.index);
    const vr = o.indexSelect(v, 0, u.index);
    const g = u.values.dtype === p.dtype ? u.values : o.cast(u.values, p.dtype);
    const r = adamUpdate(pr, g, mr, vr, this.info(group, step), { fused: group.fused! });
    this.setStateRows(p, 'm', u, mr, r.m);
    this.setStateRows(p, 'v', u, vr, r.v);
    return r.param;
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, p ← p·(1 − lr·wd) before the
 * Adam step. Default weightDecay 0.01 as PyTorch. Sparse rows: decay applies to touched rows only.
 */
export class AdamW extends Adam {
  protected override readonly decoupled = true;

  constructor(params: Params<AdamOptions>, options: AdamOptions) {
    super(params, { weightDecay: 0.01, ...options });
  }
}
