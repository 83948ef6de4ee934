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

/**
 * The kernel reads rows of whole f32x4 vectors, so a head size d that is not a multiple of 4
 * (SASRec's 50) runs at dp = d rounded up, its rows zero-padded: the zero lanes add nothing to
 * q·k (the scale is passed, not derived from d) and give zero output and gradient lanes, which
 * are dropped on the way out.
 */
function paddedD(d: number): number {
  return Math.ceil(d / 4) * 4;
}

/** Copies `rows` rows of d floats from `src` into `f32` at `at`, each row dp floats with zero lanes. */
function putRows(f32: Float32Array, at: number, src: Float32Array, d: number, dp: number): void {
  if (d === dp) return void f32.set(src, at);
  const rows = src.length / d;
  for (let r = 0; r < rows; r++) {
    f32.set(src.subarray(r * d, (r + 1) * d), at + r * dp);
    f32.fill(0, at + r * dp + d, at + (r + 1) * dp);
  }
}

/** The inverse of putRows: rows of dp floats at `at` back into `dst` as rows of d. */
function takeRows(dst: Float32Array, f32: Float32Array, at: number, d: number, dp: number): void {
  const rows = dst.length / d;
  if (d === dp) return void dst.set(f32.subarray(at, at + rows * d));
  for (let r = 0; r < rows; r++) dst.set(f32.subarray(at + r * dp, at + r * dp + d), r * d);
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
  const dp = paddedD(d);
  const rows = bh * tq;
  const keys = bh * tk;
  const maskLen = mask ? mask.length : 0;
  const slices = problemSlices(rt, info, 4);
  // One dp-float accumulator row per thread.
  const sizes = [rows * dp, keys * dp, keys * dp, maskLen, rows * dp, 2 * rows, slices.length * dp];
  const { offsets, total } = regions(sizes);
  const [oq, ok, ov, om, oo, oml, oacc] = offsets as [number, number, number, number, number, number, number];
  const { f32, i32 } = rt.reserve(total * 4, `attention forward (bh ${bh}, tq ${tq}, tk ${tk}, d ${d})`);
  putRows(f32, oq, q, d, dp);
  putRows(f32, ok, k, d, dp);
  putRows(f32, ov, v, d, dp);
  if (mask) i32.set(mask, om);
  const B = 4;
  const jobs = slices.map(([p0, p1], t) => ({
    fn: 'attnFwd',
    args: [oq, ok, ov, om, oo, oml, oacc + t * dp]
      .map((o) => o * B)
      .concat([p0, p1, heads, tq, tk, dp, causal ? 1 : 0, mask ? 1 : 0, scale]),
  }));
  rt.parallel(ATTENTION_KEY, buildAttention, jobs);
  takeRows(out, f32, oo, d, dp);
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
  const dp = paddedD(d);
  const [qn, kn] = [bh * tq * dp, bh * tk * dp];
  const maskLen = mask ? mask.length : 0;
  const sizes = [qn, qn, lse.length, qn, kn, kn, maskLen, qn, kn, kn];
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
  putRows(f32, odo, dOut, d, dp);
  putRows(f32, oo, out, d, dp);
  f32.set(lse, ol);
  putRows(f32, oq, q, d, dp);
  putRows(f32, ok, k, d, dp);
  putRows(f32, ov, v, d, dp);
  if (mask) i32.set(mask, om);
  f32.fill(0, odq, total);
  const B = 4;
  const addrs = [odo, oo, ol, oq, ok, ov, om, odq, odk, odv].map((o) => o * B);
  const jobs = problemSlices(rt, info, 8).map(([p0, p1]) => ({
    fn: 'attnBwd',
    args: addrs.concat([p0, p1, heads, tq, tk, dp, causal ? 1 : 0, mask ? 1 : 0, scale]),
  }));
  rt.parallel(ATTENTION_KEY, buildAttention, jobs);
  takeRows(dq, f32, odq, d, dp);
  takeRows(dk, f32, odk, d, dp);
  takeRows(dv, f32, odv, d, dp);
}
