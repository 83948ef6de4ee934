import type { TypedArray } from '../core/dtype.js';

/**
 * Every binary op, defined once: its CPU row loop and its WGSL expressions. `ARITH_OPS`,
 * `COMPARE_OPS` and their types are derived from these tables, and the WGSL op ids (arithmetic
 * first, then comparisons) are generated from the same order, so no id is written by hand.
 *
 * int32 semantics: add/sub/mul wrap like int32 (mul uses Math.imul so products stay exact);
 * div truncates toward zero (the Int32Array store truncates the double quotient), and
 * division or mod by zero gives 0; mod follows Python/numpy (the result takes the divisor's
 * sign) for ints and floats alike; pow is computed in double and stored truncated.
 * Comparisons write 1 or 0 (NaN compares unequal to everything).
 */

/**
 * One row of a broadcast binary op: out[io + t] = a[ia + t*sa] op b[ib + t*sb], t < len.
 * Same-shape inputs are one row with unit strides; a scalar operand is stride 0. A whole row
 * per call, so the per-element work stays inside one monomorphic loop.
 */
type RowLoop = (
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  out: TypedArray,
  io: number,
  len: number,
) => void;

interface BinaryDef {
  readonly cpu: RowLoop;
  /** WGSL expression of f32 `a` and `b`: an f32 for arithmetic, a bool for comparisons. */
  readonly wgsl: string;
  /** WGSL expression of i32 `a` and `b`: an i32 for arithmetic, a bool for comparisons. */
  readonly wgslInt: string;
}

/** Arithmetic binary ops: the output has the (already promoted) input dtype. */
export const ARITH = {
  add: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! + b[ib]!;
    },
    wgsl: 'a + b',
    wgslInt: 'a + b',
  },
  sub: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! - b[ib]!;
    },
    wgsl: 'a - b',
    wgslInt: 'a - b',
  },
  mul: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      const end = io + len;
      if (out instanceof Int32Array) {
        for (; io < end; io++, ia += sa, ib += sb) out[io] = Math.imul(a[ia]!, b[ib]!);
      } else {
        for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! * b[ib]!;
      }
    },
    wgsl: 'a * b',
    wgslInt: 'a * b',
  },
  div: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! / b[ib]!;
    },
    wgsl: 'a / b',
    wgslInt: 'div_i32(a, b)',
  },
  pow: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! ** b[ib]!;
    },
    wgsl: 'pow_f32(a, b)',
    wgslInt: 'pow_i32(a, b)',
  },
  maximum: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = Math.max(a[ia]!, b[ib]!);
    },
    // Propagates NaN like Math.max (WGSL's max leaves it open).
    wgsl: 'select(max(a, b), a + b, is_nan(a) || is_nan(b))',
    wgslInt: 'max(a, b)',
  },
  minimum: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = Math.min(a[ia]!, b[ib]!);
    },
    wgsl: 'select(min(a, b), a + b, is_nan(a) || is_nan(b))',
    wgslInt: 'min(a, b)',
  },
  mod: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) {
        const d = b[ib]!;
        let r = a[ia]! % d;
        if (r !== 0 && r < 0 !== d < 0) r += d;
        out[io] = r;
      }
    },
    wgsl: 'mod_f32(a, b)',
    wgslInt: 'mod_i32(a, b)',
  },
} satisfies Record<string, BinaryDef>;

/** Comparisons: the output is int32 holding 0 or 1. */
export const COMPARE = {
  eq: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! === b[ib]! ? 1 : 0;
    },
    wgsl: 'a == b',
    wgslInt: 'a == b',
  },
  ne: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! !== b[ib]! ? 1 : 0;
    },
    wgsl: 'a != b',
    wgslInt: 'a != b',
  },
  lt: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! < b[ib]! ? 1 : 0;
    },
    wgsl: 'a < b',
    wgslInt: 'a < b',
  },
  le: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! <= b[ib]! ? 1 : 0;
    },
    wgsl: 'a <= b',
    wgslInt: 'a <= b',
  },
  gt: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! > b[ib]! ? 1 : 0;
    },
    wgsl: 'a > b',
    wgslInt: 'a > b',
  },
  ge: {
    cpu: (a, ia, sa, b, ib, sb, out, io, len) => {
      for (const end = io + len; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! >= b[ib]! ? 1 : 0;
    },
    wgsl: 'a >= b',
    wgslInt: 'a >= b',
  },
} satisfies Record<string, BinaryDef>;

export type ArithOp = keyof typeof ARITH;
export type CompareOp = keyof typeof COMPARE;
export type BinaryOp = ArithOp | CompareOp;
export const ARITH_OPS = Object.keys(ARITH) as readonly ArithOp[];
export const COMPARE_OPS = Object.keys(COMPARE) as readonly CompareOp[];
/** Arithmetic then comparisons: the order of the WGSL op ids. */
export const BINARY_OPS: readonly BinaryOp[] = [...ARITH_OPS, ...COMPARE_OPS];

export function isCompare(op: BinaryOp): op is CompareOp {
  return op in COMPARE;
}

export function binaryDef(op: BinaryOp): BinaryDef {
  return isCompare(op) ? COMPARE[op] : ARITH[op];
}
