import type { MfBatch, MfBprInfo, MfSgdInfo, MfTables } from '../../backend.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { MF_PARAMS } from '../params.js';
import { grid } from '../layout.js';

/**
 * How kernels/mf_sgd.wgsl maps rows to invocations (see the kernel for the Hogwild semantics):
 * - `'workgroup'`: one workgroup per row, lanes striding over k (coalesced; for real GPUs). The
 *   width follows k (32 lanes up to k = 32, else 64), so there are two pipeline variants;
 * - `'thread'`: one invocation per row, no barriers (for CPU-emulated adapters such as
 *   SwiftShader, where barriers are costly).
 * Shapes never enter the pipeline key.
 */
export type MfLayout = 'workgroup' | 'thread';

/** The layout for an adapter: 'thread' on software adapters, else 'workgroup'. */
export function defaultMfLayout(software: boolean): MfLayout {
  return software ? 'thread' : 'workgroup';
}

const THREAD_WG = 64;

function lanes(k: number): number {
  return k <= 32 ? 32 : 64;
}

function plan(entry: 'mf_sgd' | 'mf_bpr', k: number, rows: number, layout: MfLayout) {
  const wg = layout === 'thread' ? THREAD_WG : lanes(k);
  const [x, y] = grid(layout === 'thread' ? Math.ceil(rows / THREAD_WG) : rows);
  return { entry: layout === 'thread' ? `${entry}_rows` : entry, wg, groups: [x, y, 1] as [number, number, number] };
}

function lossBuffer(ctx: GpuContext, batch: MfBatch): { buffer: GPUBuffer; temp?: GpuHandle } {
  if (batch.loss) return { buffer: gpu(batch.loss).buffer };
  const temp = ctx.alloc(1, 'float32');
  return { buffer: temp.buffer, temp };
}

/**
 * One dispatch of an MF entry. Both entries read the same uniform block; BPR leaves the
 * explicit-only fields (biases flag, lrBias, mean) at 0.
 */
function dispatchMf(
  ctx: GpuContext,
  entry: 'mf_sgd' | 'mf_bpr',
  info: MfBprInfo & Partial<Pick<MfSgdInfo, 'biases' | 'lrBias' | 'mean'>>,
  tables: MfTables,
  batch: MfBatch,
  buffers: GPUBuffer[],
  layout: MfLayout,
): void {
  if (info.count === 0) return;
  const loss = lossBuffer(ctx, batch);
  const pl = plan(entry, info.k, info.count, layout);
  ctx.batcher.dispatch(
    ctx.pipeline('mf', pl.entry, { WG: pl.wg }),
    [...buffers, loss.buffer],
    MF_PARAMS.pack({
      start: info.start,
      count: info.count,
      k: info.k,
      biases: info.biases ? 1 : 0,
      lr: info.lr,
      reg: info.reg,
      lr_bias: info.lrBias ?? 0,
      reg_bias: info.regBias,
      mean: info.mean ?? 0,
      num_users: tables.userBias.size,
      num_items: tables.itemBias.size,
      write_loss: batch.loss ? 1 : 0,
    }),
    pl.groups,
  );
  if (loss.temp) ctx.release(loss.temp);
}

export function mfSgd(ctx: GpuContext, t: MfTables, batch: MfBatch, info: MfSgdInfo, layout: MfLayout): void {
  const buffers = [t.userFactors, t.itemFactors, t.userBias, t.itemBias, batch.users, batch.items, batch.ratings!].map(
    (h) => gpu(h).buffer,
  );
  dispatchMf(ctx, 'mf_sgd', info, t, batch, buffers, layout);
}

export function mfBpr(ctx: GpuContext, t: MfTables, batch: MfBatch, info: MfBprInfo, layout: MfLayout): void {
  const buffers = [t.userFactors, t.itemFactors, t.itemBias, batch.users, batch.items, batch.negatives!].map(
    (h) => gpu(h).buffer,
  );
  dispatchMf(ctx, 'mf_bpr', info, t, batch, buffers, layout);
}
