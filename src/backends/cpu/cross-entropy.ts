import type { CrossEntropyInfo, Handle } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import type { WasmKernels } from '../wasm/index.js';
import { type CpuHandle, arr } from './handle.js';

/** The backend's allocator (counted in memory()), for arrays of the logits' dtype. */
type Make = (size: number) => CpuHandle;

/** CpuBackend.crossEntropyForward: allocates loss and lse [rows] and runs the kernel (WebAssembly where it applies). */
export function crossEntropyForwardCpu(
  make: Make,
  wasm: WasmKernels | undefined,
  logits: Handle,
  targets: Handle,
  info: CrossEntropyInfo,
): { loss: CpuHandle; lse: CpuHandle } {
  const [loss, lse] = [make(info.rows), make(info.rows)];
  const [x, t] = [arr(logits), arr(targets)];
  if (!wasm?.crossEntropyForward(x, t, info, loss.data, lse.data)) {
    crossEntropyForwardKernel(x, t, info, loss.data, lse.data);
  }
  return { loss, lse };
}

/** CpuBackend.crossEntropyBackward: allocates dlogits [rows, cols] and runs the kernel (WebAssembly where it applies). */
export function crossEntropyBackwardCpu(
  make: Make,
  wasm: WasmKernels | undefined,
  g: Handle,
  logits: Handle,
  targets: Handle,
  lse: Handle,
  info: CrossEntropyInfo,
): CpuHandle {
  const d = make(info.rows * info.cols);
  const a = [arr(g), arr(logits), arr(targets), arr(lse)] as const;
  if (!wasm?.crossEntropyBackward(...a, info, d.data)) crossEntropyBackwardKernel(...a, info, d.data);
  return d;
}

/**
 * Per row: lse = max + log Σ exp(x − max), loss = lse − (1 − ε)·x[t] − ε·mean(x), sums in
 * float64. Two sweeps of the row (max, then the sum) rather than kernels/cross-entropy.wgsl's
 * online max: a row (≤ ~100 KB for a 24k-item catalogue) stays in cache between them, and the
 * branch-free sum loop runs faster in JavaScript than the online rescaling.
 */
export function crossEntropyForwardKernel(
  x: TypedArray,
  targets: TypedArray,
  info: CrossEntropyInfo,
  loss: TypedArray,
  lse: TypedArray,
): void {
  const { rows, cols, smoothing: eps } = info;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) if (x[o + j]! > m) m = x[o + j]!;
    let s = 0;
    let total = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[o + j]!;
      s += Math.exp(v - m);
      total += v;
    }
    const l = m + Math.log(s);
    lse[r] = l;
    const t = targets[r]!;
    loss[r] = t >= 0 && t < cols ? l - (1 - eps) * x[o + t]! - (eps > 0 ? (eps * total) / cols : 0) : 0;
  }
}

/** dlogits = g[r]·(exp(x − lse) − ε/cols − (1 − ε)·onehot(t)); rows with t outside [0, cols) stay 0. */
export function crossEntropyBackwardKernel(
  g: TypedArray,
  x: TypedArray,
  targets: TypedArray,
  lse: TypedArray,
  info: CrossEntropyInfo,
  d: TypedArray,
): void {
  const { rows, cols, smoothing: eps } = info;
  const u = eps / cols;
  for (let r = 0; r < rows; r++) {
    const t = targets[r]!;
    if (!(t >= 0 && t < cols)) continue;
    const o = r * cols;
    const gr = g[r]!;
    const l = lse[r]!;
    for (let j = 0; j < cols; j++) d[o + j] = gr * (Math.exp(x[o + j]! - l) - u);
    d[o + t] = d[o + t]! - gr * (1 - eps);
  }
}
