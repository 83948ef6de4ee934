import type { Handle, KmeansInfo } from '../../backend.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { grid } from '../layout.js';

const WG = 64;

/** The k-means assignment step (kernels/kmeans.wgsl): one invocation per point, one dispatch. */
export function kmeansAssign(
  ctx: GpuContext,
  x: Handle,
  centroids: Handle,
  info: KmeansInfo,
): { labels: GpuHandle; distances: GpuHandle } {
  const labels = ctx.alloc(info.n, 'int32');
  const distances = ctx.alloc(info.n, x.dtype);
  const target = ctx.pipeline('kmeans', 'kmeans_assign', { WG });
  const [gx, gy] = grid(Math.ceil(info.n / WG));
  ctx.batcher.dispatch(
    target,
    [gpu(x).buffer, gpu(centroids).buffer, labels.buffer, distances.buffer],
    (u, _i, _f, at) => {
      u[at] = info.n;
      u[at + 1] = info.d;
      u[at + 2] = info.k;
      u[at + 3] = 0;
    },
    [gx, gy, 1],
  );
  return { labels, distances };
}
