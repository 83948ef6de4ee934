import type { Handle, LayerNormInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import { type CpuHandle, arr } from './handle.js';

/** The backend's allocator (counted in memory()), for arrays of the inputs' dtype. */
type Make = (size: number) => CpuHandle;

/** CpuBackend.layerNormForward: allocates y, mean and rstd and runs the kernel. */
export function layerNormForwardCpu(
  make: Make,
  x: Handle,
  weight: Handle | null,
  bias: Handle | null,
  info: LayerNormInfo,
): { y: CpuHandle; mean: CpuHandle; rstd: CpuHandle } {
  const [y, mean, rstd] = [make(info.rows * info.cols), make(info.rows), make(info.rows)];
  layerNormForwardKernel(arr(x), weight && arr(weight), bias && arr(bias), info, y.data, mean.data, rstd.data);
  return { y, mean, rstd };
}

/** CpuBackend.layerNormBackward: allocates dx, dWeight and dBias and runs the kernel. */
export function layerNormBackwardCpu(
  make: Make,
  dy: Handle,
  x: Handle,
  weight: Handle | null,
  mean: Handle,
  rstd: Handle,
  info: LayerNormInfo,
): { dx: CpuHandle; dWeight: CpuHandle; dBias: CpuHandle } {
  const [dx, dWeight, dBias] = [make(info.rows * info.cols), make(info.cols), make(info.cols)];
  const w = weight && arr(weight);
  layerNormBackwardKernel(arr(dy), arr(x), w, arr(mean), arr(rstd), info, dx.data, dWeight.data, dBias.data);
  return { dx, dWeight, dBias };
}

/**
 * Layer norm of each row in two passes (mean, then the variance of x − mean, which keeps
 * precision for rows far from zero), sums in float64; kernels/layernorm.wgsl computes the same.
 */
export function layerNormForwardKernel(
  x: TypedArray,
  weight: TypedArray | null,
  bias: TypedArray | null,
  info: LayerNormInfo,
  y: TypedArray,
  mean: TypedArray,
  rstd: TypedArray,
): void {
  const { rows, cols, eps } = info;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[o + j]!;
    const m = s / cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[o + j]! - m;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / cols + eps);
    mean[r] = m;
    rstd[r] = rs;
    for (let j = 0; j < cols; j++) {
      let t = (x[o + j]! - m) * rs;
      if (weight) t *= weight[j]!;
      if (bias) t += bias[j]!;
      y[o + j] = t;
    }
  }
}

/**
 * With x̂ = (x − mean)·rstd and g = dy·weight: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) per row;
 * dWeight = Σ_rows dy·x̂ and dBias = Σ_rows dy (accumulated in float64).
 */
export function layerNormBackwardKernel(
  dy: TypedArray,
  x: TypedArray,
  weight: TypedArray | null,
  mean: TypedArray,
  rstd: TypedArray,
  info: LayerNormInfo,
  dx: TypedArray,
  dWeight: TypedArray,
  dBias: TypedArray,
): void {
  const { rows, cols } = info;
  const dw = new Float64Array(cols);
  const db = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const m = mean[r]!;
    const rs = rstd[r]!;
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < cols; j++) {
      const d = dy[o + j]!;
      const xh = (x[o + j]! - m) * rs;
      const g = weight ? d * weight[j]! : d;
      sg += g;
      sgx += g * xh;
      dw[j]! += d * xh;
      db[j]! += d;
    }
    const a = sg / cols;
    const b = sgx / cols;
    for (let j = 0; j < cols; j++) {
      const xh = (x[o + j]! - m) * rs;
      const g = weight ? dy[o + j]! * weight[j]! : dy[o + j]!;
      dx[o + j] = rs * (g - a - xh * b);
    }
  }
  for (let j = 0; j < cols; j++) {
    dWeight[j] = dw[j]!;
    dBias[j] = db[j]!;
  }
}
