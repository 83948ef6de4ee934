import { SparseRows, coalesceRows } from '../autograd/sparse.js';
import { noGrad } from '../autograd/tape.js';
import { ValueError, fmtValue } from '../core/errors.js';
import { keep, scope } from '../memory.js';
import * as o from '../ops/index.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Scales all gradients (dense and sparse) in place so that their joint norm is at most
 * `maxNorm`, as PyTorch's clip_grad_norm_: coefficient min(1, maxNorm / (norm + 1e-6)).
 * Returns the total norm before clipping as a scalar tensor, computed without a readback
 * (`await norm.item()` to read it). Sparse gradients are coalesced first so repeated rows
 * count once. `normType` is 2 (default) or Infinity.
 */
export function clipGradNorm(
  params: Iterable<Tensor>,
  maxNorm: number,
  options: { normType?: 2 | typeof Infinity } = {},
): Tensor {
  if (!(maxNorm >= 0)) throw new ValueError(`clipGradNorm: maxNorm must be >= 0; got ${fmtValue(maxNorm)}`);
  const normType = options.normType ?? 2;
  if (normType !== 2 && normType !== Infinity)
    throw new ValueError(`clipGradNorm: normType must be 2 or Infinity; got ${fmtValue(normType)}`);
  const ps = [...params];
  return noGrad(() => {
    const grads: Tensor[] = [];
    for (const p of ps) {
      if (p.sparseGrad) {
        const { rows, values } = coalesceRows(p.sparseGrad);
        p.sparseGrad.dispose();
        p.sparseGrad = new SparseRows(rows, keep(values), p.shape);
        grads.push(values);
      }
      if (p.grad && !p.grad.isDisposed) grads.push(p.grad);
    }
    if (grads.length === 0) return tensor(0);
    const total = scope(() => {
      const parts = grads.map((g) => (normType === 2 ? o.sum(o.square(g)) : o.max(o.abs(g))));
      const joined = o.stack(parts);
      return normType === 2 ? o.sqrt(o.sum(joined)) : o.max(joined);
    });
    scope(() => {
      const coef = o.minimum(o.div(maxNorm, o.add(total, 1e-6)), 1);
      for (const g of grads) g.assign(keep(o.mul(g, coef)));
    });
    return total;
  });
}
