import type { Activation } from '../backends/backend.js';
import { DTypeError, ShapeError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import * as o from '../ops/index.js';
import { backendOf, wrap } from '../ops/dispatch.js';
import { layerNormFused } from '../ops/fused/layernorm.js';
import { crossEntropyFused } from '../ops/fused/cross-entropy.js';
import { addCounter, blocksUsed, seedToKey } from '../core/philox.js';
import { rand } from '../tensor/creation.js';
import { isFloat } from '../core/dtype.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Stateless building blocks behind the layers: `at.nn.functional`. Every function records its
 * gradient through the ops it is made of, so it runs on any backend and passes gradcheck.
 * Intermediates are freed at once when no gradient is recorded; otherwise the tape keeps them
 * until the enclosing `at.scope` closes, as for every op.
 */

// ============================================================================================
// Layers and losses (linear, dropout, layerNorm, mse, huber, BCE, cross-entropy, ranking)
// ============================================================================================

/** Runs `fn` with a collector for temporaries, freed when the result records no gradient. */
function composite(fn: (tmp: <U extends Tensor>(x: U) => U) => Tensor): Tensor {
  const temps: Tensor[] = [];
  const out = fn((x) => {
    temps.push(x);
    return x;
  });
  if (!out.requiresGrad) for (const t of temps) if (t !== out) t.dispose();
  return out;
}

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(
  op: string,
  loss: Tensor,
  reduction: Reduction | undefined,
  tmp: <U extends Tensor>(x: U) => U,
): Tensor {
  switch (reduction ?? 'mean') {
    case 'mean':
      return o.mean(tmp(loss));
    case 'sum':
      return o.sum(tmp(loss));
    case 'none':
      return loss;
    default:
      throw new ValueError(`${op}: reduction must be 'mean', 'sum' or 'none'; got ${fmtValue(reduction)}`);
  }
}

function sameShape(op: string, a: [string, Tensor], b: [string, Tensor]): void {
  if (!shapesEqual(a[1].shape, b[1].shape)) {
    throw new ShapeError(
      `${op}: ${a[0]} has shape ${fmtShape(a[1].shape)} and ${b[0]} has ${fmtShape(b[1].shape)}; they must match`,
    );
  }
}

/**
 * x @ weightᵀ + bias, then `activation`, in the fused matmul kernel.
 * Shapes: x [..., in], weight [out, in], bias [out] → [..., out].
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null, activation: Activation = 'none'): Tensor {
  return o.linear(x, weight, bias ?? undefined, activation);
}

export interface DropoutOptions {
  /** Identity when false (inference). Default true. */
  training?: boolean;
  /**
   * A fixed Philox key for the mask. Masks for the same seed differ per call through `offset`
   * (the Dropout layer advances it); without a seed the global stream is used.
   */
  seed?: number;
  /** Philox block offset for a seeded mask. */
  offset?: number;
}

/**
 * Zeroes each element with probability p and scales the rest by 1/(1−p), so the expected value
 * is unchanged. Shapes: any → same. The mask comes from the seeded Philox stream, so it is the
 * same on every backend.
 */
export function dropout(x: Tensor, p: number, options: DropoutOptions = {}): Tensor {
  if (!(p >= 0 && p < 1)) throw new ValueError(`dropout: p must be in [0, 1); got ${fmtValue(p)}`);
  if (options.training === false || p === 0) return o.reshape(x, x.shape);
  const u =
    options.seed === undefined
      ? rand(x.shape, { backend: x.backend, dtype: x.dtype })
      : seededUniform(x, options.seed, options.offset ?? 0);
  return composite((tmp) => {
    const keepMask = tmp(o.cast(tmp(o.ge(tmp(u), p)), x.dtype));
    return o.mul(x, tmp(o.mul(keepMask, 1 / (1 - p))));
  });
}

/** Uniform [0,1) values shaped like x from Philox key `seed` starting at block `offset`. */
function seededUniform(x: Tensor, seed: number, offset: number): Tensor {
  const backend = backendOf('dropout', { x });
  const handle = backend.random(x.size, x.dtype, {
    kind: 'uniform',
    key: seedToKey('dropout', seed),
    counter: addCounter([0, 0], offset),
  });
  return wrap(backend, handle, x.shape, x.dtype);
}

/** Philox blocks one uniform draw of `size` elements uses (to advance a seeded stream). */
export function uniformBlocks(size: number): number {
  return blocksUsed('uniform', size);
}

/**
 * Layer normalization over the trailing `normalizedShape` axes:
 * (x − mean) / √(var + eps) · weight + bias, with the biased variance.
 * Shapes: x [..., *normalizedShape], weight and bias [*normalizedShape] → x's shape.
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const k = normalizedShape.length;
  if (k === 0 || k > x.rank || !shapesEqual(x.shape.slice(x.rank - k), normalizedShape)) {
    throw new ShapeError(
      `layerNorm: x has shape ${fmtShape(x.shape)}; its trailing axes must be normalizedShape ${fmtShape(normalizedShape)}`,
    );
  }
  for (const [name, t] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (t && !shapesEqual(t.shape, normalizedShape)) {
      throw new ShapeError(
        `layerNorm: ${name} has shape ${fmtShape(t.shape)}; expected normalizedShape ${fmtShape(normalizedShape)}`,
      );
    }
  }
  // One fused op over the flattened trailing axes (ops/fused/layernorm.ts): a pass per row
  // instead of nine elementwise ops and their gradients, a large share of a small transformer's step.
  const cols = normalizedShape.reduce((a, b) => a * b, 1);
  return layerNormFused(x, cols, weight ?? null, bias ?? null, eps);
}

export interface LossOptions {
  /** 'mean' (default), 'sum', or 'none' for per-element losses. */
  reduction?: Reduction;
}

/** Mean squared error. Shapes: pred and target alike → scalar (or pred's shape with 'none'). */
export function mse(pred: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  sameShape('mse', ['pred', pred], ['target', target]);
  return composite((tmp) => reduce('mse', o.square(tmp(o.sub(pred, target))), options.reduction, tmp));
}

/**
 * Huber loss: ½d² where |d| ≤ delta, else delta·(|d| − ½delta), with d = pred − target.
 * Shapes: pred and target alike → scalar (or pred's shape with 'none').
 */
export function huber(pred: Tensor, target: Tensor, options: LossOptions & { delta?: number } = {}): Tensor {
  sameShape('huber', ['pred', pred], ['target', target]);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new ValueError(`huber: delta must be > 0; got ${fmtValue(delta)}`);
  return composite((tmp) => {
    const a = tmp(o.abs(tmp(o.sub(pred, target))));
    // q = min(|d|, δ): ½q² + δ(|d| − q) is the Huber loss on both branches, with no branch.
    const q = tmp(o.minimum(a, delta));
    const loss = o.add(tmp(o.mul(tmp(o.square(q)), 0.5)), tmp(o.mul(tmp(o.sub(a, q)), delta)));
    return reduce('huber', loss, options.reduction, tmp);
  });
}

export interface BCEOptions extends LossOptions {
  /** Weight of positive examples (a number, or a tensor broadcasting over the last axis). */
  posWeight?: number | Tensor;
  /** Per-element weight, broadcasting against logits. */
  weight?: Tensor;
}

/**
 * Binary cross-entropy on logits, stable for any logit size:
 * (1 − y)·x + (1 + (posWeight − 1)·y)·softplus(−x).
 * Shapes: logits and targets (floats in [0, 1]) alike → scalar (or logits' shape with 'none').
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, options: BCEOptions = {}): Tensor {
  sameShape('binaryCrossEntropyWithLogits', ['logits', logits], ['targets', targets]);
  if (!isFloat(targets.dtype))
    throw new DTypeError(
      `binaryCrossEntropyWithLogits: targets have dtype ${targets.dtype}; expected float (cast with .cast('float32'))`,
    );
  const pw = options.posWeight;
  return composite((tmp) => {
    const spNeg = tmp(o.softplus(tmp(o.neg(logits))));
    const neg = tmp(o.mul(tmp(o.sub(1, targets)), logits));
    const weighted =
      pw === undefined || pw === 1
        ? spNeg
        : tmp(o.mul(tmp(o.add(tmp(o.mul(targets, typeof pw === 'number' ? pw - 1 : tmp(o.sub(pw, 1)))), 1)), spNeg));
    let loss = o.add(neg, weighted);
    if (options.weight) loss = o.mul(tmp(loss), options.weight);
    return reduce('binaryCrossEntropyWithLogits', loss, options.reduction, tmp);
  });
}

export interface CrossEntropyOptions extends LossOptions {
  /** Mixes the one-hot target with the uniform distribution: (1 − ε)·nll + ε·mean(−log p). */
  labelSmoothing?: number;
  /** Targets equal to this contribute nothing, and 'mean' averages over the rest. */
  ignoreIndex?: number;
}

/**
 * Softmax cross-entropy with integer class targets (classes on the last axis).
 * Shapes: logits [..., C], targets int32 [...] → scalar (or [...] with 'none').
 * Ignored targets give loss 0; 'mean' divides by the number not ignored (at least 1).
 * A target that is neither a class id in [0, C) nor ignoreIndex is an error: a ValueError
 * naming it where the targets can be read without a stall (cpu), and otherwise (webgpu) a NaN
 * loss for its row, which the models' fit loops report as a NumericalError.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  if (targets.dtype !== 'int32')
    throw new DTypeError(`crossEntropy: targets have dtype ${targets.dtype}; expected int32 class ids`);
  if (logits.rank < 1 || !shapesEqual(targets.shape, logits.shape.slice(0, -1))) {
    throw new ShapeError(
      `crossEntropy: logits have shape ${fmtShape(logits.shape)} and targets ${fmtShape(targets.shape)}; targets must be logits' shape without the last (class) axis`,
    );
  }
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1))
    throw new ValueError(`crossEntropy: labelSmoothing must be in [0, 1]; got ${fmtValue(eps)}`);
  const c = logits.shape[logits.rank - 1]!;
  const ignore = options.ignoreIndex;
  // Range-check what can be read without a GPU stall; an ignored id may be out of range.
  const tb = targets.backendImpl('crossEntropy', 'targets');
  const checked = tb.readSync !== undefined;
  if (tb.readSync) {
    const ids = tb.readSync(targets.storage().handle);
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] !== ignore && (ids[i]! < 0 || ids[i]! >= c)) {
        throw new ValueError(
          `crossEntropy: targets[${i}] = ${ids[i]} is not a class id in [0, ${c})${ignore === undefined ? '' : ` or ignoreIndex ${ignore}`}`,
        );
      }
    }
  }
  // One fused op (ops/fused/cross-entropy.ts): a pass per row forward and one backward, where
  // the composed form made ~10 passes over the [rows, C] logits. It skips rows whose target is
  // outside [0, C), so an ignoreIndex that is a class id is moved to -1 first.
  return composite((tmp) => {
    const mask = ignore === undefined ? null : tmp(o.ne(targets, ignore));
    const ids = mask && ignore! >= 0 && ignore! < c ? tmp(o.where(mask, targets, -1)) : targets;
    let loss = crossEntropyFused(logits, ids, eps);
    // The kernel skips any out-of-range row (loss 0); where the ids were not read, a bad one
    // turns its row's loss into NaN instead of a silently smaller loss.
    if (!checked) loss = o.where(tmp(badTargets(targets, c, mask, tmp)), Number.NaN, tmp(loss));
    if (mask && (options.reduction ?? 'mean') === 'mean') {
      const count = tmp(o.sum(tmp(o.cast(mask, logits.dtype))));
      return o.div(tmp(o.sum(tmp(loss))), tmp(o.maximum(count, 1)));
    }
    return reduce('crossEntropy', loss, options.reduction, tmp);
  });
}

/** 1 where a target is outside [0, c) and not ignored (`kept` is 1 where not ignored), as int32. */
function badTargets(targets: Tensor, c: number, kept: Tensor | null, tmp: <U extends Tensor>(x: U) => U): Tensor {
  const valid = tmp(o.mul(tmp(o.ge(targets, 0)), tmp(o.lt(targets, c))));
  return kept ? o.gt(tmp(o.sub(kept, valid)), 0) : o.eq(valid, 0);
}

/**
 * Bayesian personalized ranking: mean(softplus(neg − pos)) = −mean(log σ(pos − neg)).
 * Shapes: pos and neg scores alike → scalar (or their shape with 'none').
 */
export function bprLoss(pos: Tensor, neg: Tensor, options: LossOptions = {}): Tensor {
  sameShape('bprLoss', ['pos', pos], ['neg', neg]);
  return composite((tmp) => reduce('bprLoss', o.softplus(tmp(o.sub(neg, pos))), options.reduction, tmp));
}

/**
 * max(0, −y·(x1 − x2) + margin), with y = 1 when x1 should rank higher and −1 otherwise.
 * Shapes: x1, x2 alike; y a number or a tensor broadcasting against them → scalar (or x1's shape).
 */
export function marginRanking(
  x1: Tensor,
  x2: Tensor,
  y: Tensor | number,
  options: LossOptions & { margin?: number } = {},
): Tensor {
  sameShape('marginRanking', ['x1', x1], ['x2', x2]);
  const margin = options.margin ?? 0;
  return composite((tmp) => {
    const d = tmp(o.sub(x1, x2));
    const s = tmp(o.add(tmp(o.neg(tmp(o.mul(d, y)))), margin));
    return reduce('marginRanking', o.relu(s), options.reduction, tmp);
  });
}

// ============================================================================================
// Sequence kernels (scaledDotProductAttention, lstm) are added below by the sequence layers.
// ============================================================================================

// Sequence ops on the fused kernels (src/nn/fused): flash attention and the LSTM recurrence.
export { scaledDotProductAttention, attentionComposed } from '../ops/fused/attention.js';
export type { AttentionOptions } from '../ops/fused/attention.js';
export { lstmLayer as lstm } from '../ops/fused/lstm.js';
export type { LstmWeights, LstmLayerOptions } from '../ops/fused/lstm.js';
