import type { AdamInfo } from '../../backends/backend.js';
import { DTypeError, ShapeError, fmtShape } from '../../core/errors.js';
import * as o from '../index.js';
import { backendOf, wrap } from '../dispatch.js';
import { isFloat } from '../../core/dtype.js';
import { shapesEqual } from '../../core/shape.js';
import type { Tensor } from '../../tensor/tensor.js';

export type { AdamInfo };

export interface AdamState {
  param: Tensor;
  m: Tensor;
  v: Tensor;
}

/**
 * One Adam/AdamW step on whole tensors (or on gathered rows), on the backend's fused
 * `adamUpdate` kernel when it has one, else composed from ops. Returns new tensors; the inputs
 * are left as they are. Call it under noGrad.
 */
export function adamUpdate(
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  info: AdamInfo,
  options: { fused?: boolean } = {},
): AdamState {
  const backend = backendOf('adamUpdate', { param, grad, m, v });
  for (const [name, t] of [
    ['grad', grad],
    ['m', m],
    ['v', v],
  ] as const) {
    if (!shapesEqual(t.shape, param.shape))
      throw new ShapeError(
        `adamUpdate: ${name} has shape ${fmtShape(t.shape)}; expected param's ${fmtShape(param.shape)}`,
      );
    if (t.dtype !== param.dtype)
      throw new DTypeError(`adamUpdate: ${name} has dtype ${t.dtype}; expected param's ${param.dtype}`);
  }
  if (!isFloat(param.dtype)) throw new DTypeError(`adamUpdate: param has dtype ${param.dtype}; expected float`);
  if ((options.fused ?? true) && backend.adamUpdate && backend.dtypes.includes(param.dtype)) {
    const r = backend.adamUpdate(
      param.storage().handle,
      grad.storage().handle,
      m.storage().handle,
      v.storage().handle,
      info,
    );
    return {
      param: wrap(backend, r.param, param.shape, param.dtype),
      m: wrap(backend, r.m, param.shape, param.dtype),
      v: wrap(backend, r.v, param.shape, param.dtype),
    };
  }
  return adamComposed(param, grad, m, v, info);
}

/** The same update built from elementwise ops: the reference the fused kernels are tested against. */
export function adamComposed(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, info: AdamInfo): AdamState {
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = info;
  const temps: Tensor[] = [];
  const tmp = <T extends Tensor>(t: T): T => {
    temps.push(t);
    return t;
  };
  const g = !decoupled && weightDecay !== 0 ? tmp(o.add(grad, tmp(o.mul(param, weightDecay)))) : grad;
  const m2 = o.add(tmp(o.mul(m, beta1)), tmp(o.mul(g, 1 - beta1)));
  const v2 = o.add(tmp(o.mul(v, beta2)), tmp(o.mul(tmp(o.square(g)), 1 - beta2)));
  const stepSize = lr / (1 - beta1 ** step);
  const denom = tmp(o.add(tmp(o.div(tmp(o.sqrt(v2)), Math.sqrt(1 - beta2 ** step))), eps));
  const decayed = decoupled && weightDecay !== 0 ? tmp(o.mul(param, 1 - lr * weightDecay)) : param;
  const p2 = o.sub(decayed, tmp(o.mul(tmp(o.div(m2, denom)), stepSize)));
  for (const t of temps) t.dispose();
  return { param: p2, m: m2, v: v2 };
}
