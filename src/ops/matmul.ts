import type { Activation } from '../backends/backend.js';
import { needsGrad, record } from '../autograd/tape.js';
import { DTypeError, ShapeError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import { broadcastShapes, shapesEqual, sizeOf } from '../core/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { backendOf, wrap } from './dispatch.js';
import { gelu } from './elementwise.js';
import { expand, reshape } from './movement.js';

export interface MatmulOptions {
  /** Use a's last two axes transposed. */
  transA?: boolean;
  /** Use b's last two axes transposed. */
  transB?: boolean;
  /** Added to every output row before the activation; shape [N]. */
  bias?: Tensor | undefined;
  activation?: Activation;
}

const ACTIVATIONS: readonly Activation[] = ['none', 'relu', 'gelu', 'tanh', 'sigmoid'];

/**
 * @internal Batched matmul of two rank>=2 tensors with transpose flags and a fused
 * bias + activation epilogue. Batch dims broadcast; a side whose batch is all ones is shared
 * (stride 0) without a copy.
 */
export function matmulFused(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const activation = options.activation ?? 'none';
  const bias = options.bias;
  if (!ACTIVATIONS.includes(activation)) {
    throw new ValueError(`matmul: activation must be one of ${ACTIVATIONS.join(', ')}; got ${fmtValue(activation)}`);
  }
  // gelu's derivative needs the pre-activation, which the fused kernel does not keep.
  if (activation === 'gelu' && needsGrad(a, b, bias)) {
    const z = matmulFused(a, b, { transA, transB, bias, activation: 'none' });
    return gelu(z);
  }
  const backend = backendOf('matmul', bias ? { a, b, bias } : { a, b });
  if (a.rank < 2 || b.rank < 2)
    throw new ShapeError(`matmul: a and b need rank >= 2 here; got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.dtype !== b.dtype)
    throw new DTypeError(`matmul: a has dtype ${a.dtype} and b has ${b.dtype}; cast one so they match`);
  if (a.dtype === 'int32') throw new DTypeError('matmul: int32 operands are not supported; cast to float32');
  const m = a.shape[a.rank - (transA ? 1 : 2)]!;
  const k = a.shape[a.rank - (transA ? 2 : 1)]!;
  const kb = b.shape[b.rank - (transB ? 1 : 2)]!;
  const n = b.shape[b.rank - (transB ? 2 : 1)]!;
  if (k !== kb) {
    throw new ShapeError(
      `matmul: a has shape ${fmtShape(a.shape)} and b has shape ${fmtShape(b.shape)}; inner dimensions ${k} and ${kb} must match`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== n || bias.dtype !== a.dtype)) {
    throw new ShapeError(
      `matmul: bias has shape ${fmtShape(bias.shape)} (${bias.dtype}); expected [${n}] (${a.dtype})`,
    );
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const outBatch = broadcastShapes('matmul', batchA, batchB);
  const batch = sizeOf(outBatch);
  const temps: Tensor[] = [];
  const side = (t: Tensor, tb: readonly number[]): { t: Tensor; stride: number } => {
    const mat = t.shape[t.rank - 2]! * t.shape[t.rank - 1]!;
    if (sizeOf(tb) === 1) return { t, stride: 0 };
    if (shapesEqual(tb, outBatch)) return { t, stride: mat };
    const e = expand(t, [...outBatch, t.shape[t.rank - 2]!, t.shape[t.rank - 1]!]);
    temps.push(e);
    return { t: e, stride: mat };
  };
  const sa = side(a, batchA);
  const sb = side(b, batchB);
  const handle = backend.matmul(sa.t.storage().handle, sb.t.storage().handle, {
    batch,
    m,
    n,
    k,
    transA,
    transB,
    aBatchStride: sa.stride,
    bBatchStride: sb.stride,
    bias: bias?.storage('matmul', 'bias').handle,
    activation,
  });
  for (const t of temps) t.dispose();
  const out = wrap(backend, handle, [...outBatch, m, n], a.dtype);
  if (needsGrad(a, b, bias)) record('matmul', bias ? [a, b, bias] : [a, b], out, { transA, transB, activation });
  return out;
}

/**
 * Matrix product with numpy semantics: 1-D operands are treated as a row (a) or column (b)
 * vector and that axis is dropped from the result; batch dims broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(
      `matmul: a has shape ${fmtShape(a.shape)} and b has shape ${fmtShape(b.shape)}; both need rank >= 1`,
    );
  }
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  if (a2.shape[a2.rank - 1] !== b2.shape[b2.rank - 2]) {
    throw new ShapeError(
      `matmul: a has shape ${fmtShape(a.shape)} and b has shape ${fmtShape(b.shape)}; inner dimensions ${a2.shape[a2.rank - 1]} and ${b2.shape[b2.rank - 2]} must match`,
    );
  }
  let out = matmulFused(a2, b2);
  if (a.rank === 1 || b.rank === 1) {
    const shape = [...out.shape];
    if (b.rank === 1) shape.splice(shape.length - 1, 1);
    if (a.rank === 1) shape.splice(shape.length - (b.rank === 1 ? 1 : 2), 1);
    const squeezed = reshape(out, shape);
    if (!squeezed.requiresGrad) out.dispose();
    out = squeezed;
  }
  if (a2 !== a && !a2.requiresGrad) a2.dispose();
  if (b2 !== b && !b2.requiresGrad) b2.dispose();
  return out;
}

/**
 * PyTorch's linear: x @ weightᵀ + bias, then the activation, in one fused kernel.
 * Shapes: x [..., in], weight [out, in], bias [out] → [..., out].
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor, activation: Activation = 'none'): Tensor {
  if (weight.rank !== 2) throw new ShapeError(`linear: weight has shape ${fmtShape(weight.shape)}; expected [out, in]`);
  if (x.rank < 1 || x.shape[x.rank - 1] !== weight.shape[1]) {
    throw new ShapeError(
      `linear: x has shape ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)}; x's last dim must equal weight's in-features ${weight.shape[1]}`,
    );
  }
  const rows = x.size / weight.shape[1]!;
  const x2 = x.rank === 2 ? x : reshape(x, [rows, weight.shape[1]!]);
  const y2 = matmulFused(x2, weight, { transB: true, bias, activation });
  if (x.rank === 2) return y2;
  const y = reshape(y2, [...x.shape.slice(0, -1), weight.shape[0]!]);
  if (!y.requiresGrad) {
    y2.dispose();
    if (x2 !== x) x2.dispose();
  }
  return y;
}
