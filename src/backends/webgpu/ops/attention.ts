import type { AttentionInfo, Handle } from '../../backend.js';
import { BackendError, DTypeError } from '../../../core/errors.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { ATTENTION_PARAMS } from '../params.js';

/** Rows per workgroup (one thread per query or key row); kernels/attention.wgsl MAX_D. */
const WG = 64;
const MAX_D = 128;

function check(info: AttentionInfo, ...hs: Handle[]): void {
  if (hs.some((h) => h.dtype !== 'float32')) throw new DTypeError('webgpu attention: q, k, v must be float32');
  if (info.d > MAX_D)
    throw new BackendError(`webgpu attention: head dim ${info.d} exceeds the kernel limit of ${MAX_D}`);
  if (info.bh > 65535)
    throw new BackendError(`webgpu attention: batch·heads ${info.bh} exceeds 65535 workgroups along y`);
}

function params(info: AttentionInfo) {
  const { bh, heads, tq, tk, d, scale } = info;
  return ATTENTION_PARAMS.pack({ bh, heads, tq, tk, d, scale });
}

/**
 * Below this many rows on the streamed side, software adapters skip the shared-memory tiles:
 * measured on SwiftShader (2 cores), barrier-free is 2-7x faster up to 32 rows, even at 64, and
 * tiles win by 1.2-1.5x from 128 rows up.
 */
const SOFTWARE_TILE_MIN_ROWS = 64;

/** Tiles in workgroup memory on GPUs and for long sequences; direct reads for short ones on software adapters. */
const flags = (ctx: GpuContext, info: AttentionInfo) => ({
  CAUSAL: info.causal,
  HAS_MASK: info.mask !== undefined,
  WG,
  TILED: !ctx.software || Math.max(info.tq, info.tk) >= SOFTWARE_TILE_MIN_ROWS,
});

export function attentionForward(
  ctx: GpuContext,
  q: Handle,
  k: Handle,
  v: Handle,
  info: AttentionInfo,
): { out: GpuHandle; lse: GpuHandle } {
  check(info, q, k, v);
  const out = ctx.alloc(info.bh * info.tq * info.d, 'float32');
  const lse = ctx.alloc(info.bh * info.tq, 'float32');
  if (info.bh * info.tq === 0) return { out, lse };
  // Without keys every row is fully masked; tk = 0 is handled by the same code path.
  const mask = gpu(info.mask ?? q).buffer;
  const target = ctx.pipeline('attention', 'attn_fwd', flags(ctx, info));
  ctx.batcher.dispatch(
    target,
    [out.buffer, lse.buffer, gpu(q).buffer, gpu(k).buffer, gpu(v).buffer, mask],
    params(info),
    [Math.ceil(info.tq / WG), info.bh, 1],
  );
  return { out, lse };
}

export function attentionBackward(
  ctx: GpuContext,
  dOut: Handle,
  out: Handle,
  lse: Handle,
  q: Handle,
  k: Handle,
  v: Handle,
  info: AttentionInfo,
): { dq: GpuHandle; dk: GpuHandle; dv: GpuHandle } {
  check(info, dOut, q, k, v);
  const dq = ctx.alloc(q.size, 'float32');
  const dk = ctx.alloc(k.size, 'float32');
  const dv = ctx.alloc(v.size, 'float32');
  const mask = gpu(info.mask ?? q).buffer;
  const p = params(info);
  const f = flags(ctx, info);
  // lse and rowsum(dO ∘ O) interleaved in one buffer keeps the dk/dv kernel within 8 storage bindings.
  const ld = ctx.alloc(2 * info.bh * info.tq, 'float32');
  if (info.bh * info.tq > 0) {
    ctx.batcher.dispatch(
      ctx.pipeline('attention', 'attn_bwd_prep', { WG }),
      [ld.buffer, gpu(dOut).buffer, gpu(out).buffer, gpu(lse).buffer],
      p,
      [Math.ceil(info.tq / WG), info.bh, 1],
    );
    ctx.batcher.dispatch(
      ctx.pipeline('attention', 'attn_bwd_dq', f),
      [dq.buffer, gpu(dOut).buffer, ld.buffer, gpu(q).buffer, gpu(k).buffer, gpu(v).buffer, mask],
      p,
      [Math.ceil(info.tq / WG), info.bh, 1],
    );
  }
  if (info.bh * info.tk > 0) {
    if (info.tq === 0) {
      ctx.release(ld);
      return { dq, dk: zero(ctx, dk), dv: zero(ctx, dv) };
    }
    ctx.batcher.dispatch(
      ctx.pipeline('attention', 'attn_bwd_dkv', f),
      [dk.buffer, dv.buffer, gpu(dOut).buffer, ld.buffer, gpu(q).buffer, gpu(k).buffer, gpu(v).buffer, mask],
      p,
      [Math.ceil(info.tk / WG), info.bh, 1],
    );
  }
  ctx.release(ld);
  return { dq, dk, dv };
}

function zero(ctx: GpuContext, h: GpuHandle): GpuHandle {
  ctx.batcher.commands().clearBuffer(h.buffer, 0, h.size * 4);
  return h;
}
