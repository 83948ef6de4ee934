import type { MfBatch, MfBprInfo, MfSgdInfo, MfTables } from '../../backend.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { grid } from '../layout.js';

/**
 * Dispatches kernels/mf_sgd.wgsl: one workgroup per row (see the kernel for the Hogwild
 * semantics). The workgroup width follows k (32 lanes up to k = 32, else 64), so the pipeline
 * key has two variants per entry point and shapes never recompile anything.
 */
function lanes(k: number): number {
  return k <= 32 ? 32 : 64;
}

function groups(rows: number): [number, number, number] {
  const [x, y] = grid(rows);
  return [x, y, 1];
}

function lossBuffer(ctx: GpuContext, batch: MfBatch): { buffer: GPUBuffer; temp?: GpuHandle } {
  if (batch.loss) return { buffer: gpu(batch.loss).buffer };
  const temp = ctx.alloc(1, 'float32');
  return { buffer: temp.buffer, temp };
}

export function mfSgd(ctx: GpuContext, t: MfTables, batch: MfBatch, info: MfSgdInfo): void {
  if (info.count === 0) return;
  const loss = lossBuffer(ctx, batch);
  const target = ctx.pipeline('mf', 'mf_sgd', { WG: lanes(info.k) });
  ctx.batcher.dispatch(
    target,
    [
      gpu(t.userFactors).buffer,
      gpu(t.itemFactors).buffer,
      gpu(t.userBias).buffer,
      gpu(t.itemBias).buffer,
      gpu(batch.users).buffer,
      gpu(batch.items).buffer,
      gpu(batch.ratings!).buffer,
      loss.buffer,
    ],
    (u, _i, f, at) => {
      u[at] = info.start;
      u[at + 1] = info.count;
      u[at + 2] = info.k;
      u[at + 3] = info.biases ? 1 : 0;
      f[at + 4] = info.lr;
      f[at + 5] = info.reg;
      f[at + 6] = info.lrBias;
      f[at + 7] = info.regBias;
      f[at + 8] = info.mean;
      u[at + 9] = t.userBias.size;
      u[at + 10] = t.itemBias.size;
      u[at + 11] = batch.loss ? 1 : 0;
    },
    groups(info.count),
  );
  if (loss.temp) ctx.release(loss.temp);
}

export function mfBpr(ctx: GpuContext, t: MfTables, batch: MfBatch, info: MfBprInfo): void {
  if (info.count === 0) return;
  const loss = lossBuffer(ctx, batch);
  const target = ctx.pipeline('mf', 'mf_bpr', { WG: lanes(info.k) });
  ctx.batcher.dispatch(
    target,
    [
      gpu(t.userFactors).buffer,
      gpu(t.itemFactors).buffer,
      gpu(t.itemBias).buffer,
      gpu(batch.users).buffer,
      gpu(batch.items).buffer,
      gpu(batch.negatives!).buffer,
      loss.buffer,
    ],
    (u, _i, f, at) => {
      u[at] = info.start;
      u[at + 1] = info.count;
      u[at + 2] = info.k;
      u[at + 3] = 0;
      f[at + 4] = info.lr;
      f[at + 5] = info.reg;
      f[at + 6] = 0;
      f[at + 7] = info.regBias;
      f[at + 8] = 0;
      u[at + 9] = t.userBias.size;
      u[at + 10] = t.itemBias.size;
      u[at + 11] = batch.loss ? 1 : 0;
    },
    groups(info.count),
  );
  if (loss.temp) ctx.release(loss.temp);
}
