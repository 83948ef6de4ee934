import type { BinaryOp, UnaryOp } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import { binaryDef } from '../binary-ops.js';
import { UNARY } from '../unary-ops.js';

export { GELU_C } from '../unary-ops.js';

/** out[i] = op(x[i]), by the op's whole-array loop in src/backends/unary-ops.ts. */
export function unaryKernel(op: UnaryOp, x: TypedArray, out: TypedArray): void {
  UNARY[op].cpu(x, out);
}

/**
 * One row of a broadcast binary op, by the op's row loop in src/backends/binary-ops.ts (which
 * also states the int32 semantics).
 */
export function binaryRow(
  op: BinaryOp,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  out: TypedArray,
  io: number,
  len: number,
): void {
  binaryDef(op).cpu(a, ia, sa, b, ib, sb, out, io, len);
}

/** One row of where: out = cond ? a : b, each operand with its own stride. */
export function whereRow(
  c: TypedArray,
  ic: number,
  sc: number,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  out: TypedArray,
  io: number,
  len: number,
): void {
  const end = io + len;
  for (; io < end; io++, ic += sc, ia += sa, ib += sb) out[io] = c[ic]! !== 0 ? a[ia]! : b[ib]!;
}

/** Clamp; NaN passes through because both comparisons are false for it. */
export function clampKernel(x: TypedArray, lo: number, hi: number, out: TypedArray): void {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    out[i] = v < lo ? lo : Math.min(v, hi);
  }
}
