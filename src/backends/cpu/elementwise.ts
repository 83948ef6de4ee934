import type { BinaryOp, BroadcastInfo, UnaryOp } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import { collapseDims, stridesOf } from '../../core/shape.js';
import { forEachRow } from './layout.js';
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

/**
 * out = op(a, b) over `info.outShape`, each input read through its broadcast strides. Whole
 * contiguous and scalar operands take one row loop; other layouts collapse to the fewest dims
 * and loop over their rows.
 */
export function binaryKernel(op: BinaryOp, ad: TypedArray, bd: TypedArray, info: BroadcastInfo, od: TypedArray): void {
  const n = info.outSize;
  if (n === 0) return;
  // Whole or scalar operands: one row. Same shape means every stride pattern over outShape
  // is the contiguous one.
  const [wholeA, wholeB] = [ad.length === n, bd.length === n];
  if ((wholeA || ad.length === 1) && (wholeB || bd.length === 1) && (wholeA || wholeB)) {
    binaryRow(op, ad, 0, wholeA ? 1 : 0, bd, 0, wholeB ? 1 : 0, od, 0, n);
    return;
  }
  const { shape, strides } = collapseDims(info.outShape, [
    info.strides[0]!,
    info.strides[1]!,
    stridesOf(info.outShape),
  ]);
  const r = shape.length;
  const len = r === 0 ? 1 : shape[r - 1]!;
  const sa = r === 0 ? 0 : strides[0]![r - 1]!;
  const sb = r === 0 ? 0 : strides[1]![r - 1]!;
  forEachRow(shape, strides, (o) => binaryRow(op, ad, o[0]!, sa, bd, o[1]!, sb, od, o[2]!, len));
}

/** out = cond ? a : b over `info.outShape`, each input read through its broadcast strides. */
export function whereKernel(cd: TypedArray, ad: TypedArray, bd: TypedArray, info: BroadcastInfo, od: TypedArray): void {
  if (info.outSize === 0) return;
  const { shape, strides } = collapseDims(info.outShape, [
    info.strides[0]!,
    info.strides[1]!,
    info.strides[2]!,
    stridesOf(info.outShape),
  ]);
  const r = shape.length;
  const len = r === 0 ? 1 : shape[r - 1]!;
  const s = strides.map((st) => (r === 0 ? 0 : st[r - 1]!));
  forEachRow(shape, strides, (o) => whereRow(cd, o[0]!, s[0]!, ad, o[1]!, s[1]!, bd, o[2]!, s[2]!, od, o[3]!, len));
}
