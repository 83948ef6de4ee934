import type { Handle, LstmInfo, LstmSaved } from '../../backend.js';
import { BackendError, DTypeError } from '../../../core/errors.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { LSTM_PARAMS } from '../params.js';
import { matmul } from './matmul.js';

/** Hidden units per workgroup; one workgroup row per batch entry. */
const WG = 64;

function params(info: LstmInfo, s: number) {
  return LSTM_PARAMS.pack({
    steps: info.steps,
    batch: info.batch,
    hidden: info.hidden,
    s,
    reverse: info.reverse ? 1 : 0,
    has_len: info.lengths ? 1 : 0,
  });
}

function check(info: LstmInfo, ...hs: Handle[]): [number, number, number] {
  if (hs.some((h) => h.dtype !== 'float32')) throw new DTypeError('webgpu lstm: inputs must be float32');
  if (info.batch > 65535) throw new BackendError(`webgpu lstm: batch ${info.batch} exceeds 65535 workgroups along y`);
  return [Math.ceil(info.hidden / WG), info.batch, 1];
}

/** One init dispatch, then one fused dispatch per time step; nothing is read back. */
export function lstmForward(
  ctx: GpuContext,
  xProj: Handle,
  whh: Handle,
  h0: Handle,
  c0: Handle,
  info: LstmInfo,
): { y: GpuHandle; saved: LstmSaved } {
  const groups = check(info, xProj, whh, h0, c0);
  const { steps: T, batch: B, hidden: H } = info;
  const y = ctx.alloc((T + 2) * B * H, 'float32');
  const gates = ctx.alloc(T * B * 4 * H, 'float32');
  const hPrev = ctx.alloc(T * B * H, 'float32');
  const cPrev = ctx.alloc(T * B * H, 'float32');
  if (B * H === 0) return { y, saved: { gates, hPrev, cPrev } };
  const len = gpu(info.lengths ?? whh).buffer;
  ctx.batcher.dispatch(
    ctx.pipeline('lstm', 'lstm_init', { WG }),
    [hPrev.buffer, cPrev.buffer, y.buffer, gpu(h0).buffer, gpu(c0).buffer, len],
    params(info, 0),
    groups,
  );
  const step = ctx.pipeline('lstm', 'lstm_step', { WG });
  const buffers = [y.buffer, gates.buffer, hPrev.buffer, cPrev.buffer, gpu(xProj).buffer, gpu(whh).buffer, len];
  for (let s = 0; s < T; s++) ctx.batcher.dispatch(step, buffers, params(info, s), groups);
  return { y, saved: { gates, hPrev, cPrev } };
}

/** One fused dispatch per step back through time, then dW_hh = dGatesᵀ @ hPrev as one matmul. */
export function lstmBackward(ctx: GpuContext, dY: Handle, whh: Handle, saved: LstmSaved, info: LstmInfo) {
  const groups = check(info, dY, whh);
  const { steps: T, batch: B, hidden: H } = info;
  const dGates = ctx.alloc(T * B * 4 * H, 'float32');
  const dc = ctx.alloc(B * H, 'float32');
  const dh0 = ctx.alloc(B * H, 'float32');
  if (B * H > 0) {
    const len = gpu(info.lengths ?? whh).buffer;
    const step = ctx.pipeline('lstm', 'lstm_bwd_step', { WG });
    const buffers = [
      dGates.buffer,
      dc.buffer,
      gpu(dY).buffer,
      gpu(saved.gates).buffer,
      gpu(saved.cPrev).buffer,
      gpu(whh).buffer,
      len,
    ];
    for (let s = T - 1; s >= 0; s--) ctx.batcher.dispatch(step, buffers, params(info, s), groups);
    ctx.batcher.dispatch(
      ctx.pipeline('lstm', 'lstm_bwd_end', { WG }),
      [dh0.buffer, dc.buffer, gpu(dY).buffer, dGates.buffer, gpu(whh).buffer, len],
      params(info, -1),
      groups,
    );
  }
  const dWhh = matmul(ctx, dGates, saved.hPrev, {
    batch: 1,
    m: 4 * H,
    n: H,
    k: T * B,
    transA: true,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
    activation: 'none',
  });
  if (T * B === 0) ctx.batcher.commands().clearBuffer(dWhh.buffer, 0, dWhh.size * 4);
  return { dGates, dWhh, dh0, dc0: dc };
}
