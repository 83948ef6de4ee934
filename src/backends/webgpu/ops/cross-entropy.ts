import type { CrossEntropyInfo, Handle } from '../../backend.js';
import { DTypeError } from '../../../core/errors.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { grid } from '../layout.js';
import { CROSS_ENTROPY_PARAMS } from '../params.js';

/** Invocations per workgroup: a row's reduction tree (forward), or 64 logits (backward). */
const WG = 64;

function check(logits: Handle, ...floats: Handle[]): void {
  if ([logits, ...floats].some((h) => h.dtype !== 'float32'))
    throw new DTypeError('webgpu crossEntropy: logits and gradients must be float32');
}

/** kernels/cross-entropy.wgsl ce_fwd: each row's loss and lse, one workgroup per row. */
export function crossEntropyForward(
  ctx: GpuContext,
  logits: Handle,
  targets: Handle,
  info: CrossEntropyInfo,
): { loss: GpuHandle; lse: GpuHandle } {
  check(logits);
  const loss = ctx.alloc(info.rows, 'float32');
  const lse = ctx.alloc(info.rows, 'float32');
  if (info.rows === 0) return { loss, lse };
  const target = ctx.pipeline('crossentropy', 'ce_fwd', { WG });
  ctx.batcher.dispatch(
    target,
    [loss.buffer, lse.buffer, gpu(logits).buffer, gpu(targets).buffer],
    CROSS_ENTROPY_PARAMS.pack(info),
    [...grid(info.rows), 1],
  );
  return { loss, lse };
}

/** ce_bwd: dlogits, one invocation per logit. */
export function crossEntropyBackward(
  ctx: GpuContext,
  g: Handle,
  logits: Handle,
  targets: Handle,
  lse: Handle,
  info: CrossEntropyInfo,
): GpuHandle {
  check(logits, g, lse);
  const n = info.rows * info.cols;
  const dx = ctx.alloc(n, 'float32');
  if (n === 0) return dx;
  const target = ctx.pipeline('crossentropy', 'ce_bwd', { WG });
  ctx.batcher.dispatch(
    target,
    [dx.buffer, gpu(g).buffer, gpu(logits).buffer, gpu(targets).buffer, gpu(lse).buffer],
    CROSS_ENTROPY_PARAMS.pack(info),
    [...grid(Math.ceil(n / WG)), 1],
  );
  return dx;
}
