import ndarray from 'ndarray';
import type { NdArray } from 'ndarray';
import { backendByName } from '../backends/registry.js';
import type { CpuBackend } from '../backends/cpu/index.js';
import { exportArray } from '../backends/cpu/handle.js';
import { DTypeError } from '../core/errors.js';
import { wrap } from '../ops/dispatch.js';
import { type TypedArray, dtypeOfArray } from '../core/dtype.js';
import { stridesOf } from '../core/shape.js';
import { tensor } from './creation.js';
import type { Tensor } from './tensor.js';

/**
 * Wraps an ndarray as a CPU tensor. A row-major ndarray over a Float32Array, Int32Array or
 * Float64Array is shared without a copy (do not mutate it afterwards); any other layout is
 * copied element by element.
 */
export function fromNdarray(nd: NdArray): Tensor {
  const shape = nd.shape.slice();
  const data = nd.data as unknown;
  const typed = data instanceof Float32Array || data instanceof Int32Array || data instanceof Float64Array;
  const size = shape.reduce((a, b) => a * b, 1);
  const contiguous = stridesOf(shape).every((s, i) => shape[i] === 1 || nd.stride[i] === s);
  if (typed && contiguous) {
    const view = (data as TypedArray).subarray(nd.offset, nd.offset + size);
    const cpu = backendByName('cpu') as CpuBackend;
    const dtype = dtypeOfArray(view);
    return wrap(cpu, cpu.adopt(view, dtype), shape, dtype);
  }
  if (!typed && !Array.isArray(data)) {
    throw new DTypeError(
      `fromNdarray: data must be a Float32Array, Int32Array, Float64Array or array; got ${Object.prototype.toString.call(data)}`,
    );
  }
  const out = new Float64Array(size);
  const strides = stridesOf(shape);
  for (let i = 0; i < size; i++) {
    const idx = strides.map((s, d) => Math.floor(i / s) % shape[d]!);
    out[i] = nd.get(...idx) as number;
  }
  const dtype = typed ? dtypeOfArray(data as TypedArray) : 'float32';
  return tensor(out, { shape, dtype, backend: 'cpu' });
}

/**
 * A row-major ndarray over a CPU tensor's memory, no copy: writes through it change the tensor.
 * The tensor's array is then never recycled into another tensor (see backends/cpu/pool.ts), so
 * the view keeps its values even after the tensor is disposed.
 */
export function toNdarray(t: Tensor): NdArray<TypedArray> {
  if (t.backend !== 'cpu') {
    throw new DTypeError(`toNdarray: tensor is on ${t.backend}; move it first with await t.to('cpu')`);
  }
  return ndarray(exportArray(t.storage('toNdarray', 't').handle), [...t.shape]);
}
