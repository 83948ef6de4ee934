import type { Activation, MatmulInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import { GELU_C } from './elementwise.js';

/**
 * Blocked matmul in the GotoBLAS style: B is packed into 4-column panels for a K block of KC,
 * A into 4-row panels for an M block of MC, and a 4x4 register micro-kernel runs over them.
 * Packing absorbs transA/transB (the kernel only ever sees contiguous panels) and converts to
 * Float64Array, so the inner loop does no float32->double conversions. A B panel (KC*4
 * doubles = 8 KiB) stays in L1 while the kernel sweeps the A block (MC*KC doubles, in L2).
 * Accumulation is in double for every dtype; the output is rounded once, in the epilogue.
 */
const KC = 256;
const MC = 64;
/** Below this many multiply-adds packing costs more than it saves. */
const SMALL = 32 * 32 * 32;

let packA: Float64Array = new Float64Array(0);
let packB: Float64Array = new Float64Array(0);
let accBuf: Float64Array = new Float64Array(0);

function scratch(buf: Float64Array, size: number): Float64Array {
  return buf.length >= size ? buf : new Float64Array(size);
}

/** A shared B with a contiguous, untransposed A stack is a single [batch*m, k] @ [k, n]. */
export function foldSharedB(info: MatmulInfo): { batch: number; m: number } {
  const { batch, m, k, transA, aBatchStride, bBatchStride } = info;
  if (batch > 1 && bBatchStride === 0 && !transA && aBatchStride === m * k) return { batch: 1, m: m * batch };
  return { batch, m };
}

/**
 * out[batch, m, n] = act(op(a) @ op(b) + bias). `bias` holds n values (one per output
 * column) and may be undefined. See {@link MatmulInfo} for the layouts.
 */
export function matmulKernel(
  a: TypedArray,
  b: TypedArray,
  bias: TypedArray | undefined,
  info: MatmulInfo,
  out: TypedArray,
): void {
  const { batch, m } = foldSharedB(info);
  const { n, k, transA, transB, aBatchStride, bBatchStride, activation } = info;
  const mn = m * n;
  if (mn === 0) return;
  const useOut = out instanceof Float64Array;
  if (!useOut) accBuf = scratch(accBuf, mn);
  for (let bi = 0; bi < batch; bi++) {
    const aOff = bi * aBatchStride;
    const bOff = bi * bBatchStride;
    const cOff = bi * mn;
    const c = useOut ? (out as Float64Array).subarray(cOff, cOff + mn) : accBuf.subarray(0, mn);
    if (m < 4 || n < 4 || m * n * k <= SMALL) {
      naive(a, aOff, transA, b, bOff, transB, m, n, k, c);
    } else {
      c.fill(0);
      blocked(a, aOff, transA, b, bOff, transB, m, n, k, c);
    }
    epilogue(c, bias, activation, m, n, out, cOff, useOut);
  }
}

/** Strided dot products; for small or skinny shapes (matrix-vector, k-means distances). */
function naive(
  a: TypedArray,
  aOff: number,
  transA: boolean,
  b: TypedArray,
  bOff: number,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  c: Float64Array,
): void {
  const aRow = transA ? 1 : k; // step between rows i of op(a)
  const aK = transA ? m : 1; // step along k
  const bCol = transB ? k : 1;
  const bK = transB ? 1 : n;
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * aRow;
    for (let j = 0; j < n; j++) {
      let s = 0;
      let ia = ai;
      let ib = bOff + j * bCol;
      for (let p = 0; p < k; p++, ia += aK, ib += bK) s += a[ia]! * b[ib]!;
      c[i * n + j] = s;
    }
  }
}

function blocked(
  a: TypedArray,
  aOff: number,
  transA: boolean,
  b: TypedArray,
  bOff: number,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  c: Float64Array,
): void {
  const nPanels = (n + 3) >> 2;
  packB = scratch(packB, KC * nPanels * 4);
  packA = scratch(packA, KC * MC);
  const Bp = packB;
  const Ap = packA;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = Math.min(KC, k - pc);
    packBPanels(b, bOff, transB, k, n, pc, kc, Bp);
    for (let ic = 0; ic < m; ic += MC) {
      const mc = Math.min(MC, m - ic);
      packAPanels(a, aOff, transA, m, k, ic, mc, pc, kc, Ap);
      const mPanels = (mc + 3) >> 2;
      for (let jp = 0; jp < nPanels; jp++) {
        const j0 = jp * 4;
        const cols = Math.min(4, n - j0);
        for (let ip = 0; ip < mPanels; ip++) {
          const i0 = ic + ip * 4;
          micro(Ap, ip * kc * 4, Bp, jp * kc * 4, kc, c, n, i0 * n + j0, Math.min(4, m - i0), cols);
        }
      }
    }
  }
}

/** Bp[jp*kc*4 + p*4 + col] = op(b)[pc + p, jp*4 + col], zero-padded past n. */
function packBPanels(
  b: TypedArray,
  bOff: number,
  transB: boolean,
  k: number,
  n: number,
  pc: number,
  kc: number,
  Bp: Float64Array,
): void {
  const nPanels = (n + 3) >> 2;
  for (let jp = 0; jp < nPanels; jp++) {
    const base = jp * kc * 4;
    for (let col = 0; col < 4; col++) {
      const j = jp * 4 + col;
      if (j >= n) {
        for (let p = 0; p < kc; p++) Bp[base + p * 4 + col] = 0;
      } else if (transB) {
        // b is [n, k]: row j is contiguous along k.
        const src = bOff + j * k + pc;
        for (let p = 0; p < kc; p++) Bp[base + p * 4 + col] = b[src + p]!;
      } else {
        const src = bOff + pc * n + j;
        for (let p = 0; p < kc; p++) Bp[base + p * 4 + col] = b[src + p * n]!;
      }
    }
  }
}

/** Ap[ip*kc*4 + p*4 + r] = op(a)[ic + ip*4 + r, pc + p], zero-padded past m. */
function packAPanels(
  a: TypedArray,
  aOff: number,
  transA: boolean,
  m: number,
  k: number,
  ic: number,
  mc: number,
  pc: number,
  kc: number,
  Ap: Float64Array,
): void {
  const mPanels = (mc + 3) >> 2;
  for (let ip = 0; ip < mPanels; ip++) {
    const base = ip * kc * 4;
    for (let r = 0; r < 4; r++) {
      const i = ic + ip * 4 + r;
      if (i >= ic + mc) {
        for (let p = 0; p < kc; p++) Ap[base + p * 4 + r] = 0;
      } else if (transA) {
        // a is [k, m]: column i is strided by m.
        const src = aOff + pc * m + i;
        for (let p = 0; p < kc; p++) Ap[base + p * 4 + r] = a[src + p * m]!;
      } else {
        const src = aOff + i * k + pc;
        for (let p = 0; p < kc; p++) Ap[base + p * 4 + r] = a[src + p]!;
      }
    }
  }
}

/** 4x4 block of C += Ap-panel @ Bp-panel, sixteen accumulators held in registers. */
function micro(
  Ap: Float64Array,
  ap: number,
  Bp: Float64Array,
  bp: number,
  kc: number,
  c: Float64Array,
  ldc: number,
  co: number,
  rows: number,
  cols: number,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  const end = ap + kc * 4;
  for (; ap < end; ap += 4, bp += 4) {
    const a0 = Ap[ap]!,
      a1 = Ap[ap + 1]!,
      a2 = Ap[ap + 2]!,
      a3 = Ap[ap + 3]!;
    const b0 = Bp[bp]!,
      b1 = Bp[bp + 1]!,
      b2 = Bp[bp + 2]!,
      b3 = Bp[bp + 3]!;
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  if (rows === 4 && cols === 4) {
    let o = co;
    c[o]! += c00;
    c[o + 1]! += c01;
    c[o + 2]! += c02;
    c[o + 3]! += c03;
    o += ldc;
    c[o]! += c10;
    c[o + 1]! += c11;
    c[o + 2]! += c12;
    c[o + 3]! += c13;
    o += ldc;
    c[o]! += c20;
    c[o + 1]! += c21;
    c[o + 2]! += c22;
    c[o + 3]! += c23;
    o += ldc;
    c[o]! += c30;
    c[o + 1]! += c31;
    c[o + 2]! += c32;
    c[o + 3]! += c33;
    return;
  }
  // Edge tile: padded lanes computed zeros; store only the valid ones.
  const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) c[co + r * ldc + q]! += acc[r * 4 + q]!;
  }
}

/**
 * out[cOff + i*n + j] = act(c[i*n + j] + bias[j]), one loop per activation. With `inPlace`, c
 * is out's own slice. Shared with the WebAssembly matmul (src/backends/wasm/matmul.ts).
 */
export function epilogue(
  c: TypedArray,
  bias: TypedArray | undefined,
  act: Activation,
  m: number,
  n: number,
  out: TypedArray,
  cOff: number,
  inPlace: boolean,
): void {
  if (bias) {
    for (let i = 0, o = 0; i < m; i++) for (let j = 0; j < n; j++, o++) c[o] = c[o]! + bias[j]!;
  }
  const mn = m * n;
  switch (act) {
    case 'none':
      // In place when c already is out's slice (float64); otherwise one rounding store.
      if (!inPlace) out.set(c, cOff);
      return;
    case 'relu':
      for (let o = 0; o < mn; o++) {
        const v = c[o]!;
        out[cOff + o] = Math.max(v, 0);
      }
      return;
    case 'gelu':
      for (let o = 0; o < mn; o++) {
        const v = c[o]!;
        out[cOff + o] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)));
      }
      return;
    case 'tanh':
      for (let o = 0; o < mn; o++) out[cOff + o] = Math.tanh(c[o]!);
      return;
    case 'sigmoid':
      for (let o = 0; o < mn; o++) {
        const v = c[o]!;
        if (v >= 0) {
          out[cOff + o] = 1 / (1 + Math.exp(-v));
        } else {
          const e = Math.exp(v);
          out[cOff + o] = e / (1 + e);
        }
      }
      return;
  }
}
