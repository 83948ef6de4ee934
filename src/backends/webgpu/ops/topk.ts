import type { Handle, TopKInfo } from '../../backend.js';
import { DTypeError, fmtValue } from '../../../core/errors.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { TOPK_PARAMS } from '../params.js';
import { grid } from '../layout.js';

/** The most entries one dispatch selects per row (KMAX in kernels/topk.wgsl); larger k runs more passes. */
export const TOPK_PASS = 64;
/** Invocations per workgroup of both layouts. */
const WG = 64;

/**
 * Top-K along rows (kernels/topk.wgsl), ceil(k / TOPK_PASS) dispatches, each continuing from
 * the last entry the previous one wrote. Software adapters (SwiftShader) get one invocation
 * per row, which needs no barriers; hardware adapters get one workgroup per row, unless rows
 * are so many that one invocation each already fills the device.
 */
export function topK(ctx: GpuContext, x: Handle, info: TopKInfo): { values: GpuHandle; indices: GpuHandle } {
  if (x.dtype !== 'float32') throw new DTypeError(`webgpu topK: x must be float32; got ${fmtValue(x.dtype)}`);
  const { rows, n, k } = info;
  const values = ctx.alloc(rows * k, 'float32');
  const indices = ctx.alloc(rows * k, 'int32');
  const perRow = ctx.software || rows >= 16384;
  const target = ctx.pipeline('topk', perRow ? 'topk_rows' : 'topk_wg', { WG });
  const [gx, gy] = grid(perRow ? Math.ceil(rows / WG) : rows);
  for (let start = 0; start < k; start += TOPK_PASS) {
    ctx.batcher.dispatch(
      target,
      [gpu(x).buffer, values.buffer, indices.buffer],
      TOPK_PARAMS.pack({ rows, n, k, start, count: Math.min(TOPK_PASS, k - start) }),
      [gx, gy, 1],
    );
  }
  return { values, indices };
}
