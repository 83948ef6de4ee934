import type { Handle, IalsCgInfo, IalsRows } from '../../backend.js';
import { ShapeError } from '../../../core/errors.js';
import { gpu, type GpuContext } from '../context.js';
import { IALS_PARAMS } from '../params.js';
import { grid } from '../layout.js';

/** The largest k the kernel holds in private memory (KMAX in kernels/ials.wgsl). */
export const IALS_MAX_K = 128;
const WG = 64;

/** CG steps of implicit ALS for a batch of rows (kernels/ials.wgsl): one invocation per row, one dispatch. */
export function ialsCg(
  ctx: GpuContext,
  X: Handle,
  Y: Handle,
  gram: Handle,
  entries: IalsRows,
  rows: Handle,
  info: IalsCgInfo,
): void {
  if (info.k > IALS_MAX_K)
    throw new ShapeError(`webgpu ialsCg: k = ${info.k} exceeds the kernel's ${IALS_MAX_K}; use the cpu backend`);
  if (info.rows === 0) return;
  const target = ctx.pipeline('ials', 'ials_cg', { WG });
  const [gx, gy] = grid(Math.ceil(info.rows / WG));
  ctx.batcher.dispatch(
    target,
    [
      gpu(X).buffer,
      gpu(Y).buffer,
      gpu(gram).buffer,
      gpu(entries.offsets).buffer,
      gpu(entries.cols).buffer,
      gpu(entries.conf).buffer,
      gpu(rows).buffer,
    ],
    IALS_PARAMS.pack({ rows: info.rows, k: info.k, steps: info.steps }),
    [gx, gy, 1],
  );
}
