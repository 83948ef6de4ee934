import type { AdamInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';

/**
 * CPU twin of the fused Adam/AdamW update (kernels/adam.wgsl): one pass over the elements,
 * writing the new parameter and moments into fresh arrays. Arithmetic follows PyTorch's
 * `_single_tensor_adam`: step size lr / (1 − β1ᵗ), denominator √v / √(1 − β2ᵗ) + eps.
 */
export function adamKernel(
  p: TypedArray,
  g: TypedArray,
  m: TypedArray,
  v: TypedArray,
  outP: TypedArray,
  outM: TypedArray,
  outV: TypedArray,
  info: AdamInfo,
): void {
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = info;
  const stepSize = lr / (1 - beta1 ** step);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    const gi = g[i]! + l2 * pi;
    const mi = beta1 * m[i]! + (1 - beta1) * gi;
    const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
    outM[i] = mi;
    outV[i] = vi;
    outP[i] = pi * decay - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
}
