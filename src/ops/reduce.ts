import type { ReduceOp } from '../backends/backend.js';
import { needsGrad, noGrad, record } from '../autograd/tape.js';
import { isFloat } from '../core/dtype.js';
import { ShapeError, ValueError } from '../core/errors.js';
import { normalizeAxes, normalizeAxis } from '../core/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { backendOf, wrap } from './dispatch.js';
import { cast, mul, sub, square } from './elementwise.js';
import { matmul } from './matmul.js';
import { permute, reshape } from './movement.js';
import { full } from '../tensor/creation.js';

/** One axis, several, or undefined for all; negative axes count from the end. */
export type Axes = number | readonly number[] | undefined;

/** @internal The output shape of a reduction over `axes`. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/**
 * Moves the reduced axes to the end (a strided copy, unless they already are trailing) so the
 * backend only ever reduces the inner axis of an [outer, inner] view.
 */
function reduceRaw(op: ReduceOp, x: Tensor, axes: number[], keepDims: boolean): Tensor {
  const backend = backendOf(op, { x });
  const rank = x.rank;
  const inner = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const outer = x.shape.reduce((p, d, i) => (axes.includes(i) ? p : p * d), 1);
  if (inner === 0 && (op === 'max' || op === 'min' || op === 'argmax' || op === 'argmin')) {
    throw new ShapeError(`${op}: cannot reduce over an empty axis of shape [${x.shape.join(',')}]`);
  }
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (op === 'sum' && !trailing && isFloat(x.dtype) && inner > 0 && outer > 0 && axes.every((a, i) => a === i)) {
    return sumLeading(x, inner, outer, reducedShape(x.shape, axes, keepDims));
  }
  let src = x;
  if (!trailing) {
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    src = permute(x, [...kept, ...axes]);
  }
  const handle = backend.reduce(op, src.storage().handle, outer, inner);
  if (src !== x) src.dispose();
  const dtype = op === 'argmax' || op === 'argmin' ? 'int32' : x.dtype;
  return wrap(backend, handle, reducedShape(x.shape, axes, keepDims), dtype);
}

/**
 * A sum over leading axes, such as a bias's gradient ([rows, k] → [k]), as a row of ones times
 * the [rows, k] view. The matmul kernels stream the rows in order, where moving the axes to the
 * end would first copy the whole tensor strided: for the [positions, 23,715] logits of a
 * full-softmax fit that copy took a quarter of the training time.
 */
function sumLeading(x: Tensor, rows: number, k: number, shape: number[]): Tensor {
  return noGrad(() => {
    const ones = full([rows], 1, { dtype: x.dtype, backend: x.backend });
    const view = reshape(x, [rows, k]);
    const s = matmul(ones, view);
    const out = reshape(s, shape);
    for (const t of [ones, view, s]) t.dispose();
    return out;
  });
}

function differentiable(
  op: 'sum' | 'prod' | 'max' | 'min' | 'logsumexp',
  x: Tensor,
  axis: Axes,
  keepDims: boolean,
): Tensor {
  const axes = normalizeAxes(op, axis, x.rank);
  let input = x;
  if (op === 'logsumexp' && x.dtype === 'int32') input = cast(x, 'float32');
  const out = reduceRaw(op, input, axes, keepDims);
  if (needsGrad(input)) record(op, [input], out, { axes, keepDims }, input === x ? [] : [input]);
  else if (input !== x) input.dispose();
  return out;
}

/** Sum over `axis` (all axes when omitted). */
export const sum = (x: Tensor, axis?: Axes, keepDims = false): Tensor => differentiable('sum', x, axis, keepDims);
/** Product over `axis`. Its gradient divides by x, so it is undefined where x is 0. */
export const prod = (x: Tensor, axis?: Axes, keepDims = false): Tensor => differentiable('prod', x, axis, keepDims);
/** Maximum over `axis`; the gradient is shared equally among tied maxima. */
export const max = (x: Tensor, axis?: Axes, keepDims = false): Tensor => differentiable('max', x, axis, keepDims);
/** Minimum over `axis`; the gradient is shared equally among tied minima. */
export const min = (x: Tensor, axis?: Axes, keepDims = false): Tensor => differentiable('min', x, axis, keepDims);
/** log(Σ exp(x)) over `axis`, computed stably. */
export const logsumexp = (x: Tensor, axis?: Axes, keepDims = false): Tensor =>
  differentiable('logsumexp', x, axis, keepDims);

/** Mean over `axis`; int32 input gives a float32 mean. */
export function mean(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const axes = normalizeAxes('mean', axis, x.rank);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  if (n === 0) throw new ShapeError(`mean: cannot average over an empty axis of shape [${x.shape.join(',')}]`);
  const xf = x.dtype === 'int32' ? cast(x, 'float32') : x;
  const s = sum(xf, axes, keepDims);
  const out = mul(s, 1 / n);
  if (!s.requiresGrad) s.dispose();
  if (xf !== x && !xf.requiresGrad) xf.dispose();
  return out;
}

/** Variance over `axis`; `correction` 1 gives the unbiased estimate. */
export function variance(x: Tensor, axis?: Axes, keepDims = false, correction = 0): Tensor {
  const axes = normalizeAxes('var', axis, x.rank);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  if (n - correction <= 0) {
    throw new ValueError(
      `var: ${n} values over the reduced axes and correction ${correction} leave no degrees of freedom`,
    );
  }
  const m = mean(x, axes, true);
  const d = sub(x, m);
  const sq = square(d);
  const s = sum(sq, axes, keepDims);
  const out = mul(s, 1 / (n - correction));
  if (!out.requiresGrad) for (const t of [m, d, sq, s]) t.dispose();
  return out;
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  if (axis === undefined) {
    const flat = reshape(x, [x.size]);
    const out = reduceRaw(op, flat, [0], false);
    flat.dispose();
    if (!keepDims) return out;
    // The reshape is a view; the flat result it was made from must go, or it stays live.
    const kept = reshape(
      out,
      x.shape.map(() => 1),
    );
    out.dispose();
    return kept;
  }
  return reduceRaw(op, x, [normalizeAxis(op, axis, x.rank)], keepDims);
}

/** Index of the first maximum along `axis` (of the flattened tensor when omitted), as int32. */
export const argmax = (x: Tensor, axis?: number, keepDims = false): Tensor => argReduce('argmax', x, axis, keepDims);
/** Index of the first minimum along `axis` (of the flattened tensor when omitted), as int32. */
export const argmin = (x: Tensor, axis?: number, keepDims = false): Tensor => argReduce('argmin', x, axis, keepDims);
