import type { Handle, LayerNormInfo } from '../../backend.js';
import { DTypeError } from '../../../core/errors.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { grid } from '../layout.js';
import { LAYERNORM_PARAMS } from '../params.js';

/** Invocations per workgroup; one per row (forward, dx) or column (dw, db). */
const WG = 64;

function check(...hs: (Handle | null)[]): void {
  if (hs.some((h) => h && h.dtype !== 'float32')) throw new DTypeError('webgpu layerNorm: tensors must be float32');
}

const groups = (n: number): [number, number, number] => [...grid(Math.ceil(n / WG)), 1];

/** kernels/layernorm.wgsl ln_fwd: y, and each row's mean and rstd for the backward. */
export function layerNormForward(
  ctx: GpuContext,
  x: Handle,
  weight: Handle | null,
  bias: Handle | null,
  info: LayerNormInfo,
): { y: GpuHandle; mean: GpuHandle; rstd: GpuHandle } {
  check(x, weight, bias);
  const y = ctx.alloc(info.rows * info.cols, 'float32');
  const mean = ctx.alloc(info.rows, 'float32');
  const rstd = ctx.alloc(info.rows, 'float32');
  if (info.rows * info.cols === 0) return { y, mean, rstd };
  const target = ctx.pipeline('layernorm', 'ln_fwd', { WG, HAS_W: weight !== null, HAS_B: bias !== null });
  const xb = gpu(x).buffer;
  ctx.batcher.dispatch(
    target,
    [y.buffer, mean.buffer, rstd.buffer, xb, weight ? gpu(weight).buffer : xb, bias ? gpu(bias).buffer : xb],
    LAYERNORM_PARAMS.pack(info),
    groups(info.rows),
  );
  return { y, mean, rstd };
}

/** ln_bwd_dx (one invocation per row) and ln_bwd_wb (one per column). */
export function layerNormBackward(
  ctx: GpuContext,
  dy: Handle,
  x: Handle,
  weight: Handle | null,
  mean: Handle,
  rstd: Handle,
  info: LayerNormInfo,
): { dx: GpuHandle; dWeight: GpuHandle; dBias: GpuHandle } {
  check(dy, x, weight, mean, rstd);
  const dx = ctx.alloc(info.rows * info.cols, 'float32');
  const dWeight = ctx.alloc(info.cols, 'float32');
  const dBias = ctx.alloc(info.cols, 'float32');
  if (info.cols === 0) return { dx, dWeight, dBias };
  const params = LAYERNORM_PARAMS.pack(info);
  const [dyb, xb, mb, rb] = [gpu(dy).buffer, gpu(x).buffer, gpu(mean).buffer, gpu(rstd).buffer];
  if (info.rows > 0) {
    const target = ctx.pipeline('layernorm', 'ln_bwd_dx', { WG, HAS_W: weight !== null });
    const wb = weight ? gpu(weight).buffer : xb;
    ctx.batcher.dispatch(target, [dx.buffer, dyb, xb, wb, mb, rb], params, groups(info.rows));
  }
  // With no rows the sums are zeros, which the kernel writes too.
  const target = ctx.pipeline('layernorm', 'ln_bwd_wb', { WG });
  ctx.batcher.dispatch(target, [dWeight.buffer, dBias.buffer, dyb, xb, mb, rb], params, groups(info.cols));
  return { dx, dWeight, dBias };
}
