import { ATTENTION_EMPTY_LSE, type AttentionInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import { buildAttention } from './attention-kernel.js';
import type { WasmRuntime } from './runtime.js';
import { PARALLEL_MIN_FLOPS, splitRanges } from './threads.js';

/**
 * Drivers for the WebAssembly attention (attention-kernel.ts): copy q, k, v (and dO, O, lse)
 * into the arena, run, copy the results out. The copies are O(bh·t·d) against O(bh·t²·d)
 * work, so they cost little next to the kernel (see runtime.ts for the memory design). Regions
 * are laid out one after another in float units; `regions` returns their offsets.
 */
function regions(sizes: readonly number[]): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let total = 0;
  for (const s of sizes) {
    offsets.push(total);
    // Keep every region 16-byte aligned, the f32x4 alignment hint.
    total += Math.ceil(s / 4) * 4;
  }
  return { offsets, total };
}

/**
 * Problem ranges [p0, p1) for the threads: whole (batch, head) problems, since each one writes
 * only its own rows (forward: out and ml; backward: dq, dk, dv). One range when the call is
 * under PARALLEL_MIN_FLOPS (about 4·t_q·t_k·d FLOPs a problem forward, twice that backward).
 */
function problemSlices(rt: WasmRuntime, info: AttentionInfo, flopsPerPair: number): [number, number][] {
  const { bh, tq, tk, d } = info;
  return splitRanges(bh, flopsPerPair * bh * tq * tk * d >= PARALLEL_MIN_FLOPS ? rt.threads : 1);
}

/** The cache key of the attention module (forward and backward). */
export const ATTENTION_KEY = 'attention';

/** Whether the kernels apply: rows of whole f32x4 vectors (d a multiple of 4), float32. */
export function attentionFits(info: AttentionInfo): boolean {
  return info.d % 4 === 0;
}

export function attentionForwardWasm(
  rt: WasmRuntime,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  mask: TypedArray | undefined,
  info: AttentionInfo,
  out: Float32Array,
  lse: Float32Array,
): void {
  const { bh, heads, tq, tk, d, scale, causal } = info;
  const rows = bh * tq;
  const maskLen = mask ? mask.length : 0;
  const slices = problemSlices(rt, info, 4);
  // One d-float accumulator row per thread.
  const { offsets, total } = regions([q.length, k.length, v.length, maskLen, rows * d, 2 * rows, slices.length * d]);
  const [oq, ok, ov, om, oo, oml, oacc] = offsets as [number, number, number, number, number, number, number];
  const { f32, i32 } = rt.reserve(total * 4, `attention forward (bh ${bh}, tq ${tq}, tk ${tk}, d ${d})`);
  f32.set(q, oq);
  f32.set(k, ok);
  f32.set(v, ov);
  if (mask) i32.set(mask, om);
  const B = 4;
  const jobs = slices.map(([p0, p1], t) => ({
    fn: 'attnFwd',
    args: [oq, ok, ov, om, oo, oml, oacc + t * d]
      .map((o) => o * B)
      .concat([p0, p1, heads, tq, tk, d, causal ? 1 : 0, mask ? 1 : 0, scale]),
  }));
  rt.parallel(ATTENTION_KEY, buildAttention, jobs);
  out.set(f32.subarray(oo, oo + rows * d));
  for (let r = 0; r < rows; r++) {
    const l = f32[oml + 2 * r + 1]!;
    lse[r] = l > 0 ? f32[oml + 2 * r]! + Math.log(l) : ATTENTION_EMPTY_LSE;
  }
}

export function attentionBackwardWasm(
  rt: WasmRuntime,
  dOut: Float32Array,
  out: Float32Array,
  lse: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  mask: TypedArray | undefined,
  info: AttentionInfo,
  dq: Float32Array,
  dk: Float32Array,
  dv: Float32Array,
): void {
  const { bh, heads, tq, tk, d, scale, causal } = info;
  const maskLen = mask ? mask.length : 0;
  const sizes = [
    dOut.length,
    out.length,
    lse.length,
    q.length,
    k.length,
    v.length,
    maskLen,
    q.length,
    k.length,
    v.length,
  ];
  const { offsets, total } = regions(sizes);
  const [odo, oo, ol, oq, ok, ov, om, odq, odk, odv] = offsets as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const { f32, i32 } = rt.reserve(total * 4, `attention backward (bh ${bh}, tq ${tq}, tk ${tk}, d ${d})`);
  f32.set(dOut, odo);
  f32.set(out, oo);
  f32.set(lse, ol);
  f32.set(q, oq);
  f32.set(k, ok);
  f32.set(v, ov);
  if (mask) i32.set(mask, om);
  f32.fill(0, odq, total);
  const B = 4;
  const addrs = [odo, oo, ol, oq, ok, ov, om, odq, odk, odv].map((o) => o * B);
  const jobs = problemSlices(rt, info, 8).map(([p0, p1]) => ({
    fn: 'attnBwd',
    args: addrs.concat([p0, p1, heads, tq, tk, d, causal ? 1 : 0, mask ? 1 : 0, scale]),
  }));
  rt.parallel(ATTENTION_KEY, buildAttention, jobs);
  dq.set(f32.subarray(odq, odq + q.length));
  dk.set(f32.subarray(odk, odk + k.length));
  dv.set(f32.subarray(odv, odv + v.length));
}
