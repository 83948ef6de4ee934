import type { BinaryOp, UnaryOp } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';

/** sqrt(2/pi) for the tanh approximation of gelu, shared with the matmul epilogue. */
export const GELU_C = Math.sqrt(2 / Math.PI);

/** gelu, tanh approximation: 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
}

/** Logistic function without overflow: exp is only taken of non-positive numbers. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * out[i] = op(x[i]). One loop per op so the JIT sees a monomorphic body. On int32 the result
 * is computed in double and stored with the usual truncation (exp, log and the like are meant
 * for floats; the front-end casts first).
 */
export function unaryKernel(op: UnaryOp, x: TypedArray, out: TypedArray): void {
  const n = x.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i]!;
      return;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]!);
      return;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!);
      return;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!);
      return;
    case 'log1p':
      for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]!);
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!);
      return;
    case 'rsqrt':
      for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]!);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (v >= 0) {
          out[i] = 1 / (1 + Math.exp(-v));
        } else {
          const e = Math.exp(v);
          out[i] = e / (1 + e);
        }
      }
      return;
    case 'relu':
      // `v < 0 ? 0 : v` keeps NaN as NaN, like torch.relu.
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = Math.max(v, 0);
      }
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)));
      }
      return;
    case 'softplus':
      // log(1 + e^x) = log1p(e^-|x|) + max(x, 0): never overflows, exact for large |x|.
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);
      }
      return;
    case 'sin':
      for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]!);
      return;
    case 'cos':
      for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]!);
      return;
    case 'sign':
      for (let i = 0; i < n; i++) out[i] = Math.sign(x[i]!);
      return;
    case 'floor':
      for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]!);
      return;
    case 'ceil':
      for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]!);
      return;
    case 'round':
      // Half to even, like WGSL round() and numpy (Math.round rounds half up).
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        const r = Math.round(v);
        out[i] = r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
      }
      return;
    case 'square':
      if (x instanceof Int32Array) {
        for (let i = 0; i < n; i++) out[i] = Math.imul(x[i]!, x[i]!);
      } else {
        for (let i = 0; i < n; i++) out[i] = x[i]! * x[i]!;
      }
      return;
    case 'reciprocal':
      for (let i = 0; i < n; i++) out[i] = 1 / x[i]!;
      return;
    case 'expm1':
      for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]!);
      return;
  }
}

/**
 * One row of a broadcast binary op: out[io + t] = a[ia + t*sa] op b[ib + t*sb], t < len.
 * Same-shape inputs are one row with unit strides; a scalar operand is stride 0.
 *
 * int32 semantics: add/sub/mul wrap like int32 (mul uses Math.imul so products stay exact);
 * div truncates toward zero (the Int32Array store truncates the double quotient), and
 * division or mod by zero gives 0; mod follows Python/numpy (the result takes the divisor's
 * sign) for ints and floats alike; pow is computed in double and stored truncated.
 * Comparisons write 1 or 0 (NaN compares unequal to everything).
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
  const end = io + len;
  switch (op) {
    case 'add':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! + b[ib]!;
      return;
    case 'sub':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! - b[ib]!;
      return;
    case 'mul':
      if (out instanceof Int32Array) {
        for (; io < end; io++, ia += sa, ib += sb) out[io] = Math.imul(a[ia]!, b[ib]!);
      } else {
        for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! * b[ib]!;
      }
      return;
    case 'div':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! / b[ib]!;
      return;
    case 'pow':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! ** b[ib]!;
      return;
    case 'maximum':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = Math.max(a[ia]!, b[ib]!);
      return;
    case 'minimum':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = Math.min(a[ia]!, b[ib]!);
      return;
    case 'mod':
      for (; io < end; io++, ia += sa, ib += sb) {
        const d = b[ib]!;
        let r = a[ia]! % d;
        if (r !== 0 && r < 0 !== d < 0) r += d;
        out[io] = r;
      }
      return;
    case 'eq':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! === b[ib]! ? 1 : 0;
      return;
    case 'ne':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! !== b[ib]! ? 1 : 0;
      return;
    case 'lt':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! < b[ib]! ? 1 : 0;
      return;
    case 'le':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! <= b[ib]! ? 1 : 0;
      return;
    case 'gt':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! > b[ib]! ? 1 : 0;
      return;
    case 'ge':
      for (; io < end; io++, ia += sa, ib += sb) out[io] = a[ia]! >= b[ib]! ? 1 : 0;
      return;
  }
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
