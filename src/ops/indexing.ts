import type { Backend } from '../backends/backend.js';
import { needsGrad, record } from '../autograd/tape.js';
import { DTypeError, ShapeError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import { normalizeAxis, shapesEqual, stridesOf } from '../core/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { backendOf, wrap } from './dispatch.js';
import { add, mul } from './elementwise.js';
import { reshape } from './movement.js';

/**
 * Resolves an index argument to an int32 tensor on `backend`. Plain arrays and tensors the CPU
 * can read are range-checked here; an index tensor that lives on a GPU is trusted (reading it
 * back would stall the queue), and its kernels skip out-of-range entries.
 */
function indexTensor(
  op: string,
  backend: Backend,
  index: Tensor | ArrayLike<number>,
  axisLen: number,
): { t: Tensor; temp: boolean } {
  const check = (values: ArrayLike<number>): void => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= axisLen) {
        throw new ValueError(`${op}: index[${i}] = ${v} is out of range for an axis of size ${axisLen}`);
      }
    }
  };
  if (!isTensorLike(index)) {
    check(index);
    const arr = Int32Array.from(index);
    return { t: wrap(backend, backend.upload(arr, 'int32'), [arr.length], 'int32'), temp: true };
  }
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index has dtype ${index.dtype}; expected int32`);
  const ib = index.backendImpl(op, 'index');
  if (ib !== backend) {
    throw new DTypeError(
      `${op}: index is on ${ib.name} and the data on ${backend.name}; move it with await index.to('${backend.name}')`,
    );
  }
  if (ib.readSync) check(ib.readSync(index.storage().handle));
  return { t: index, temp: false };
}

function isTensorLike(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as { __isAttuneTensor?: boolean }).__isAttuneTensor === true;
}

/**
 * Picks entries along `axis`: out has x's shape with that axis replaced by index's shape.
 * Embedding lookups are `indexSelect(table, 0, ids)`. Its gradient is a scatter-add into the
 * rows used.
 */
export function indexSelect(x: Tensor, axis: number, index: Tensor | ArrayLike<number>): Tensor {
  const a = normalizeAxis('indexSelect', axis, x.rank);
  const backend = backendOf('indexSelect', { x });
  const { t: idx, temp } = indexTensor('indexSelect', backend, index, x.shape[a]!);
  const outer = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const info = { outer, axisLen: x.shape[a]!, inner, count: idx.size };
  const shape = [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)];
  const out = wrap(backend, backend.indexSelect(x.storage().handle, idx.storage().handle, info), shape, x.dtype);
  if (needsGrad(x)) record('indexSelect', [x], out, { axis: a, index: idx }, temp ? [idx] : []);
  else if (temp) idx.dispose();
  return out;
}

/**
 * Returns `base` with `src` added into the entries that `index` names along `axis` (repeats
 * accumulate). `src` has base's shape with that axis replaced by index's shape.
 */
export function scatterAdd(base: Tensor, axis: number, index: Tensor | ArrayLike<number>, src: Tensor): Tensor {
  const a = normalizeAxis('scatterAdd', axis, base.rank);
  const backend = backendOf('scatterAdd', { base, src });
  if (src.dtype !== base.dtype)
    throw new DTypeError(`scatterAdd: src has dtype ${src.dtype}; expected ${base.dtype} like base`);
  const { t: idx, temp } = indexTensor('scatterAdd', backend, index, base.shape[a]!);
  const expected = [...base.shape.slice(0, a), ...idx.shape, ...base.shape.slice(a + 1)];
  if (!shapesEqual(src.shape, expected)) {
    throw new ShapeError(
      `scatterAdd: src has shape ${fmtShape(src.shape)}; expected ${fmtShape(expected)} (base with axis ${a} replaced by index's shape)`,
    );
  }
  const outer = base.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = base.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const info = { outer, axisLen: base.shape[a]!, inner, count: idx.size };
  const handle = backend.indexAdd(base.storage().handle, idx.storage().handle, src.storage().handle, info);
  const out = wrap(backend, handle, base.shape, base.dtype);
  if (needsGrad(base, src)) record('scatterAdd', [base, src], out, { axis: a, index: idx }, temp ? [idx] : []);
  else if (temp) idx.dispose();
  return out;
}

/**
 * PyTorch's `gather`: out[i][j] = x[i][index[i][j]] along `axis` (for rank 2 and axis 1).
 * index has x's shape except along `axis`. Built from indexSelect on the flattened data.
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normalizeAxis('gather', axis, x.rank);
  if (index.rank !== x.rank || index.shape.some((d, i) => i !== a && d !== x.shape[i])) {
    throw new ShapeError(
      `gather: index has shape ${fmtShape(index.shape)}; expected x's shape ${fmtShape(x.shape)} except on axis ${a}`,
    );
  }
  if (index.dtype !== 'int32') throw new DTypeError(`gather: index has dtype ${index.dtype}; expected int32`);
  const backend = backendOf('gather', { x, index });
  if (backend.readSync) {
    const values = backend.readSync(index.storage().handle);
    for (let i = 0; i < values.length; i++) {
      if (values[i]! < 0 || values[i]! >= x.shape[a]!) {
        throw new ValueError(
          `gather: index value ${values[i]} at flat position ${i} is out of range for axis ${a} of size ${x.shape[a]}`,
        );
      }
    }
  }
  // Flat offset of every output element with its axis coordinate set to 0.
  const xStrides = stridesOf(x.shape);
  const iStrides = stridesOf(index.shape);
  const base = new Int32Array(index.size);
  for (let i = 0; i < index.size; i++) {
    let rem = i;
    let off = 0;
    for (let d = 0; d < index.rank; d++) {
      const c = Math.floor(rem / iStrides[d]!);
      rem -= c * iStrides[d]!;
      if (d !== a) off += c * xStrides[d]!;
    }
    base[i] = off;
  }
  const baseT = wrap(backend, backend.upload(base, 'int32'), index.shape, 'int32');
  const scaled = mul(index, xStrides[a]!);
  const flatIdx = add(scaled, baseT);
  const flat = reshape(x, [x.size]);
  const picked = indexSelect(flat, 0, flatIdx);
  const out = reshape(picked, index.shape);
  for (const t of [baseT, scaled]) t.dispose();
  if (!out.requiresGrad) for (const t of [flatIdx, flat, picked]) t.dispose();
  return out;
}

/** One-hot float32 encoding of int32 class ids: shape [...index.shape, numClasses]. */
export function oneHot(index: Tensor | ArrayLike<number>, numClasses: number): Tensor {
  if (!Number.isInteger(numClasses) || numClasses <= 0)
    throw new ValueError(`oneHot: numClasses must be a positive integer; got ${fmtValue(numClasses)}`);
  const backend = isTensorLike(index) ? backendOf('oneHot', { index }) : backendOf('oneHot', {});
  const eye = new Float32Array(numClasses * numClasses);
  for (let i = 0; i < numClasses; i++) eye[i * numClasses + i] = 1;
  const table = wrap(backend, backend.upload(eye, 'float32'), [numClasses, numClasses], 'float32');
  const out = indexSelect(table, 0, index);
  table.dispose();
  return out;
}

/**
 * Looks up rows of an embedding table: weight [N, D], ids of any shape → [...ids.shape, D].
 * With `sparse: true` (and ids given as an array or a CPU tensor) the gradient is a
 * `SparseRows` on `weight.sparseGrad` holding only the rows used, never a table-sized tensor.
 */
export function embedding(weight: Tensor, ids: Tensor | ArrayLike<number>, options: { sparse?: boolean } = {}): Tensor {
  if (weight.rank < 2)
    throw new ShapeError(`embedding: weight has shape ${fmtShape(weight.shape)}; expected [numEmbeddings, dim]`);
  const backend = backendOf('embedding', { weight });
  const { t: idx, temp } = indexTensor('embedding', backend, ids, weight.shape[0]!);
  const info = { outer: 1, axisLen: weight.shape[0]!, inner: weight.size / weight.shape[0]!, count: idx.size };
  const shape = [...idx.shape, ...weight.shape.slice(1)];
  const out = wrap(
    backend,
    backend.indexSelect(weight.storage().handle, idx.storage().handle, info),
    shape,
    weight.dtype,
  );
  if (needsGrad(weight)) {
    let hostIds: Int32Array | null = null;
    if (options.sparse) {
      if (!isTensorLike(ids)) hostIds = Int32Array.from(ids);
      else if (ids.backendImpl().readSync) hostIds = ids.backendImpl().readSync!(ids.storage().handle) as Int32Array;
    }
    record('embedding', [weight], out, { index: idx, hostIds }, temp ? [idx] : []);
  } else if (temp) idx.dispose();
  return out;
}
