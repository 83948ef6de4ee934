import type { LstmInfo, MatmulInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import { matmulKernel } from './matmul.js';

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Sequence b's length (all steps without `lengths`). */
const lenOf = (lengths: TypedArray | undefined, b: number, steps: number): number => (lengths ? lengths[b]! : steps);

/** The time index step s touches for a sequence of length len (s < len). */
const timeOf = (info: LstmInfo, len: number, s: number): number => (info.reverse ? len - 1 - s : s);

function mm(batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean): MatmulInfo {
  return { batch, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0, activation: 'none' };
}

/**
 * The repeated product of a recurrence, X[m, k] @ op(W)[k, n] with the same W at every step: the
 * kernel writes X into `x` (row-major, k columns), calls `run`, and reads the product from `y`
 * (row stride `ldy`). {@link tsRecurrence} multiplies in double; the WebAssembly one
 * (wasm/lstm.ts) packs W once and keeps x and y in its arena, so a step copies nothing.
 */
export interface Recurrence {
  readonly x: Float32Array | Float64Array;
  readonly y: Float32Array | Float64Array;
  readonly ldy: number;
  run(): void;
}

/** The matmuls an LSTM kernel runs: the per-step recurrence, and one plain product (dW_hh). */
export interface LstmMatmuls {
  recurrence(w: TypedArray, m: number, k: number, n: number, transW: boolean): Recurrence;
  matmul(a: TypedArray, b: TypedArray, info: MatmulInfo, out: TypedArray): void;
}

/** The TypeScript matmuls (double accumulation), the oracle for the WebAssembly ones. */
export const tsLstmMatmuls: LstmMatmuls = {
  recurrence(w, m, k, n, transW) {
    const x = new Float64Array(m * k);
    const y = new Float64Array(m * n);
    const info = mm(1, m, n, k, false, transW);
    return { x, y, ldy: n, run: () => matmulKernel(x, w, undefined, info, y) };
  },
  matmul: (a, b, info, out) => matmulKernel(a, b, undefined, info, out),
};

export interface LstmForwardBuffers {
  y: TypedArray;
  gates: TypedArray;
  hPrev: TypedArray;
  cPrev: TypedArray;
}

/**
 * The CPU twin of the per-step fused LSTM kernel: each step is h @ W_hhᵀ (`mats.recurrence`:
 * the blocked TypeScript kernel, or WebAssembly SIMD from the CPU backend) followed by the gate
 * nonlinearities and the state update, exactly as the WGSL step does it per (batch, unit).
 */
export function lstmForwardKernel(
  xProj: TypedArray,
  whh: TypedArray,
  h0: TypedArray,
  c0: TypedArray,
  lengths: TypedArray | undefined,
  info: LstmInfo,
  o: LstmForwardBuffers,
  mats: LstmMatmuls = tsLstmMatmuls,
): void {
  const { steps: T, batch: B, hidden: H } = info;
  const G = 4 * H;
  const rec = mats.recurrence(whh, B, H, G, true);
  const h = rec.x;
  h.set(h0);
  const c = Float64Array.from(c0);
  const pre = rec.y;
  const ps = rec.ldy;
  for (let s = 0; s < T; s++) {
    rec.run();
    for (let b = 0; b < B; b++) {
      const len = lenOf(lengths, b, T);
      if (s >= len) {
        // Padded step: the state carries over; this time slot holds zeros.
        o.y.fill(0, (s * B + b) * H, (s * B + b + 1) * H);
        o.hPrev.fill(0, (s * B + b) * H, (s * B + b + 1) * H);
        o.cPrev.fill(0, (s * B + b) * H, (s * B + b + 1) * H);
        o.gates.fill(0, (s * B + b) * G, (s * B + b + 1) * G);
        continue;
      }
      const t = timeOf(info, len, s);
      const xo = (t * B + b) * G;
      const ho = (t * B + b) * H;
      for (let j = 0; j < H; j++) {
        const pi = pre[b * ps + j]! + xProj[xo + j]!;
        const pf = pre[b * ps + H + j]! + xProj[xo + H + j]!;
        const pg = pre[b * ps + 2 * H + j]! + xProj[xo + 2 * H + j]!;
        const po = pre[b * ps + 3 * H + j]! + xProj[xo + 3 * H + j]!;
        const ig = sigmoid(pi);
        const fg = sigmoid(pf);
        const gg = Math.tanh(pg);
        const og = sigmoid(po);
        const cp = c[b * H + j]!;
        const cn = fg * cp + ig * gg;
        o.gates[xo + j] = ig;
        o.gates[xo + H + j] = fg;
        o.gates[xo + 2 * H + j] = gg;
        o.gates[xo + 3 * H + j] = og;
        o.hPrev[ho + j] = h[b * H + j]!;
        o.cPrev[ho + j] = cp;
        c[b * H + j] = cn;
        o.y[ho + j] = og * Math.tanh(cn);
      }
      for (let j = 0; j < H; j++) h[b * H + j] = o.y[ho + j]!;
    }
  }
  o.y.set(h.subarray(0, B * H), T * B * H);
  o.y.set(c, (T + 1) * B * H);
}

export interface LstmBackwardBuffers {
  dGates: TypedArray;
  dWhh: TypedArray;
  dh0: TypedArray;
  dc0: TypedArray;
}

/**
 * Backward through time: per step (in reverse processing order) the gate gradients from the
 * carried dh and dc, then the recurrent dh = dGates_t @ W_hh for the next step back; dW_hh is one
 * matmul over the whole sequence at the end.
 */
export function lstmBackwardKernel(
  dY: TypedArray,
  whh: TypedArray,
  gates: TypedArray,
  hPrev: TypedArray,
  cPrev: TypedArray,
  lengths: TypedArray | undefined,
  info: LstmInfo,
  o: LstmBackwardBuffers,
  mats: LstmMatmuls = tsLstmMatmuls,
): void {
  const { steps: T, batch: B, hidden: H } = info;
  const G = 4 * H;
  const dh = Float64Array.from(dY.subarray(T * B * H, (T + 1) * B * H));
  const dc = Float64Array.from(dY.subarray((T + 1) * B * H, (T + 2) * B * H));
  const back = mats.recurrence(whh, B, G, H, false);
  const step = back.x;
  const rec = back.y;
  const rs = back.ldy;
  for (let s = T - 1; s >= 0; s--) {
    step.fill(0, 0, B * G);
    for (let b = 0; b < B; b++) {
      const len = lenOf(lengths, b, T);
      if (s >= len) {
        o.dGates.fill(0, (s * B + b) * G, (s * B + b + 1) * G);
        continue;
      }
      const t = timeOf(info, len, s);
      const go = (t * B + b) * G;
      const ho = (t * B + b) * H;
      for (let j = 0; j < H; j++) {
        const ig = gates[go + j]!;
        const fg = gates[go + H + j]!;
        const gg = gates[go + 2 * H + j]!;
        const og = gates[go + 3 * H + j]!;
        const cp = cPrev[ho + j]!;
        const tc = Math.tanh(fg * cp + ig * gg);
        const dhj = dh[b * H + j]! + dY[ho + j]!;
        const dcj = dc[b * H + j]! + dhj * og * (1 - tc * tc);
        const di = dcj * gg * ig * (1 - ig);
        const df = dcj * cp * fg * (1 - fg);
        const dg = dcj * ig * (1 - gg * gg);
        const dO = dhj * tc * og * (1 - og);
        dc[b * H + j] = dcj * fg;
        o.dGates[go + j] = di;
        o.dGates[go + H + j] = df;
        o.dGates[go + 2 * H + j] = dg;
        o.dGates[go + 3 * H + j] = dO;
        step[b * G + j] = di;
        step[b * G + H + j] = df;
        step[b * G + 2 * H + j] = dg;
        step[b * G + 3 * H + j] = dO;
      }
    }
    back.run();
    for (let b = 0; b < B; b++) {
      if (s >= lenOf(lengths, b, T)) continue;
      for (let j = 0; j < H; j++) dh[b * H + j] = rec[b * rs + j]!;
    }
  }
  mats.matmul(o.dGates, hPrev, mm(1, G, H, T * B, true, false), o.dWhh);
  o.dh0.set(dh);
  o.dc0.set(dc);
}
