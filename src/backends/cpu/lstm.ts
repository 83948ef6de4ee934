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

export interface LstmForwardBuffers {
  y: TypedArray;
  gates: TypedArray;
  hPrev: TypedArray;
  cPrev: TypedArray;
}

/**
 * The CPU twin of the per-step fused LSTM kernel: each step is h @ W_hhᵀ (the blocked matmul
 * kernel) followed by the gate nonlinearities and the state update, exactly as the WGSL step
 * does it per (batch, unit).
 */
export function lstmForwardKernel(
  xProj: TypedArray,
  whh: TypedArray,
  h0: TypedArray,
  c0: TypedArray,
  lengths: TypedArray | undefined,
  info: LstmInfo,
  o: LstmForwardBuffers,
): void {
  const { steps: T, batch: B, hidden: H } = info;
  const G = 4 * H;
  const h = Float64Array.from(h0);
  const c = Float64Array.from(c0);
  const pre = new Float64Array(B * G);
  const rec = mm(1, B, G, H, false, true);
  for (let s = 0; s < T; s++) {
    matmulKernel(h, whh, undefined, rec, pre);
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
        const pi = pre[b * G + j]! + xProj[xo + j]!;
        const pf = pre[b * G + H + j]! + xProj[xo + H + j]!;
        const pg = pre[b * G + 2 * H + j]! + xProj[xo + 2 * H + j]!;
        const po = pre[b * G + 3 * H + j]! + xProj[xo + 3 * H + j]!;
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
  o.y.set(h, T * B * H);
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
): void {
  const { steps: T, batch: B, hidden: H } = info;
  const G = 4 * H;
  const dh = Float64Array.from(dY.subarray(T * B * H, (T + 1) * B * H));
  const dc = Float64Array.from(dY.subarray((T + 1) * B * H, (T + 2) * B * H));
  const step = new Float64Array(B * G);
  const rec = new Float64Array(B * H);
  const back = mm(1, B, H, G, false, false);
  for (let s = T - 1; s >= 0; s--) {
    step.fill(0);
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
    matmulKernel(step, whh, undefined, back, rec);
    for (let b = 0; b < B; b++) {
      if (s >= lenOf(lengths, b, T)) continue;
      for (let j = 0; j < H; j++) dh[b * H + j] = rec[b * H + j]!;
    }
  }
  matmulKernel(o.dGates, hPrev, undefined, mm(1, G, H, T * B, true, false), o.dWhh);
  o.dh0.set(dh);
  o.dc0.set(dc);
}
