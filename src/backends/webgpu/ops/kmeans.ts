import type { Handle, KmeansInfo } from '../../backend.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { KMEANS_PARAMS } from '../params.js';
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
    KMEANS_PARAMS.pack({ n: info.n, d: info.d, k: info.k }),
    [gx, gy, 1],
  );
  return { labels, distances };
}
