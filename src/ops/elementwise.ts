import type { ArithOp, BinaryOp, BroadcastInfo, UnaryOp } from '../backends/backend.js';
import { isCompare } from '../backends/binary-ops.js';
import { type DifferentiableUnaryOp, PIECEWISE_CONSTANT, UNARY } from '../backends/unary-ops.js';
import { needsGrad, record } from '../autograd/tape.js';
import { DTypeError, ValueError, fmtValue } from '../core/errors.js';
import { type DType, isDType, isFloat, promote } from '../core/dtype.js';
import { broadcastShapes, broadcastStrides, shapesEqual, sizeOf, stridesOf } from '../core/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { backendOf, scalarOn, wrap } from './dispatch.js';

/** A tensor, or a number that becomes a scalar of the other operand's dtype. */
export type Operand = Tensor | number;

/** Piecewise-constant ops: their gradient is zero almost everywhere, so they record nothing. */
const NOT_DIFFERENTIABLE: ReadonlySet<UnaryOp> = new Set<UnaryOp>(PIECEWISE_CONSTANT);

function unary(op: UnaryOp, x: Tensor): Tensor {
  const backend = backendOf(op, { x });
  // Ops whose result is a float even for int32 input get int32 input cast to float32 first.
  if (UNARY[op].floatResult && x.dtype === 'int32') {
    const xf = cast(x, 'float32');
    const out = unary(op, xf);
    xf.dispose();
    return out;
  }
  const out = wrap(backend, backend.unary(op, x.storage().handle), x.shape, x.dtype);
  if (!NOT_DIFFERENTIABLE.has(op) && needsGrad(x)) record(op as DifferentiableUnaryOp, [x], out, {});
  return out;
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export const gelu = (x: Tensor): Tensor => unary('gelu', x);
/** log(1 + eˣ), computed stably. */
export const softplus = (x: Tensor): Tensor => unary('softplus', x);
/**
 * The error function, 2/√π ∫₀ˣ e^(−t²) dt (about 1e-7 relative error). Exact GELU is
 * 0.5·x·(1 + erf(x/√2)); {@link gelu} stays the tanh approximation.
 */
export const erf = (x: Tensor): Tensor => unary('erf', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const floor = (x: Tensor): Tensor => unary('floor', x);
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
export const round = (x: Tensor): Tensor => unary('round', x);

/** @internal The broadcast layout for elementwise inputs. */
export function broadcastInfo(op: string, ...shapes: (readonly number[])[]): BroadcastInfo {
  let outShape: readonly number[] = shapes[0]!;
  for (const s of shapes.slice(1)) outShape = broadcastShapes(op, outShape, s);
  return {
    outShape,
    outSize: sizeOf(outShape),
    strides: shapes.map((s) => (shapesEqual(s, outShape) ? stridesOf(s) : broadcastStrides(s, outShape))),
  };
}

/**
 * Turns the operands of a binary op into two tensors of one dtype on one backend. Numbers
 * become scalars of the other side's dtype (a fractional number promotes int32 to float32).
 * Returns the temporaries it made so the caller can free them.
 */
function operands(op: string, a: Operand, b: Operand): { a: Tensor; b: Tensor; temps: Tensor[] } {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new ValueError(`${op}: at least one operand must be a tensor; got two numbers`);
  }
  const temps: Tensor[] = [];
  const like = (typeof a === 'number' ? b : a) as Tensor;
  const backend = backendOf(
    op,
    typeof a === 'number' ? { b: like } : typeof b === 'number' ? { a: like } : { a, b: b as Tensor },
  );
  const scalarDType = (v: number): DType => (like.dtype === 'int32' && !Number.isInteger(v) ? 'float32' : like.dtype);
  let ta: Tensor;
  let tb: Tensor;
  if (typeof a === 'number') {
    ta = scalarOn(backend, a, scalarDType(a));
    temps.push(ta);
  } else ta = a;
  if (typeof b === 'number') {
    tb = scalarOn(backend, b, scalarDType(b));
    temps.push(tb);
  } else tb = b;
  const dtype = promote(ta.dtype, tb.dtype);
  if (ta.dtype !== dtype) {
    ta = cast(ta, dtype);
    temps.push(ta);
  }
  if (tb.dtype !== dtype) {
    tb = cast(tb, dtype);
    temps.push(tb);
  }
  return { a: ta, b: tb, temps };
}

function binary(op: BinaryOp, a: Operand, b: Operand): Tensor {
  const { a: ta, b: tb, temps } = operands(op, a, b);
  const backend = ta.backendImpl(op, 'a');
  const info = broadcastInfo(op, ta.shape, tb.shape);
  const compare = isCompare(op);
  const outDType: DType = compare ? 'int32' : ta.dtype;
  const out = wrap(
    backend,
    backend.binary(op, ta.storage().handle, tb.storage().handle, info),
    info.outShape,
    outDType,
  );
  if (!compare && needsGrad(ta, tb)) {
    record(op as ArithOp, [ta, tb], out, {}, temps);
  } else {
    for (const t of temps) t.dispose();
  }
  return out;
}

/** a + b, broadcasting. */
export const add = (a: Operand, b: Operand): Tensor => binary('add', a, b);
/** a − b, broadcasting. */
export const sub = (a: Operand, b: Operand): Tensor => binary('sub', a, b);
/** a · b, broadcasting. */
export const mul = (a: Operand, b: Operand): Tensor => binary('mul', a, b);
/** a / b, broadcasting; int32 division truncates toward zero. */
export const div = (a: Operand, b: Operand): Tensor => binary('div', a, b);
/** aᵇ, broadcasting. */
export const pow = (a: Operand, b: Operand): Tensor => binary('pow', a, b);
export const maximum = (a: Operand, b: Operand): Tensor => binary('maximum', a, b);
export const minimum = (a: Operand, b: Operand): Tensor => binary('minimum', a, b);
/** Remainder with the divisor's sign, as numpy's `mod`. */
export const mod = (a: Operand, b: Operand): Tensor => binary('mod', a, b);
/** Comparisons give int32 tensors of 0 and 1. */
export const eq = (a: Operand, b: Operand): Tensor => binary('eq', a, b);
export const ne = (a: Operand, b: Operand): Tensor => binary('ne', a, b);
export const lt = (a: Operand, b: Operand): Tensor => binary('lt', a, b);
export const le = (a: Operand, b: Operand): Tensor => binary('le', a, b);
export const gt = (a: Operand, b: Operand): Tensor => binary('gt', a, b);
export const ge = (a: Operand, b: Operand): Tensor => binary('ge', a, b);

/** Picks `a` where `cond` is nonzero, else `b`; all three broadcast together. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const { a: ta, b: tb, temps } = operands('where', a, b);
  const backend = backendOf('where', { cond, a: ta, b: tb });
  let c = cond;
  if (c.dtype !== 'int32') {
    c = ne(cond, 0);
    temps.push(c);
  }
  const info = broadcastInfo('where', c.shape, ta.shape, tb.shape);
  const handle = backend.where(c.storage().handle, ta.storage().handle, tb.storage().handle, info);
  const out = wrap(backend, handle, info.outShape, ta.dtype);
  if (needsGrad(ta, tb)) {
    record('where', [ta, tb], out, { cond: c }, temps);
  } else {
    for (const t of temps) t.dispose();
  }
  return out;
}

/** Limits values to [min, max]. */
export function clamp(x: Tensor, min: number, max: number): Tensor {
  if (Number.isNaN(min) || Number.isNaN(max) || min > max) {
    throw new ValueError(`clamp: min and max must be numbers with min <= max; got min=${min}, max=${max}`);
  }
  const backend = backendOf('clamp', { x });
  const out = wrap(backend, backend.clamp(x.storage().handle, min, max), x.shape, x.dtype);
  if (needsGrad(x)) record('clamp', [x], out, { lo: min, hi: max });
  return out;
}

/** Converts to another dtype; float to int32 truncates toward zero. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!isDType(dtype)) throw new DTypeError(`cast: dtype must be float32, int32 or float64; got ${fmtValue(dtype)}`);
  const backend = backendOf('cast', { x });
  if (!backend.dtypes.includes(dtype)) {
    throw new DTypeError(`cast: the ${backend.name} backend does not support ${dtype}`);
  }
  const out = wrap(backend, backend.cast(x.storage().handle, dtype), x.shape, dtype);
  if (isFloat(dtype) && isFloat(x.dtype) && needsGrad(x)) record('cast', [x], out, {});
  return out;
}
