import type { Backend, BackendName, RandomInfo } from '../backends/backend.js';
import { backendByName, currentBackend } from '../backends/registry.js';
import { DTypeError, ShapeError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import { wrap } from '../ops/dispatch.js';
import { type DType, type TypedArray, dtypeOfArray, isDType, toDTypeArray } from '../core/dtype.js';
import { addCounter, blocksUsed, seedToKey } from '../core/philox.js';
import { assertValidShape, sizeOf } from '../core/shape.js';
import type { Tensor } from './tensor.js';

export interface CreateOptions {
  /** float32 by default (int32 for Int32Array data). float64 exists on the CPU backend only. */
  dtype?: DType;
  requiresGrad?: boolean;
  /** The backend to create on; the current one (see `setBackend`) by default. */
  backend?: BackendName;
}

/** Nested arrays of numbers, to any depth. */
export type NestedArray = number | readonly NestedArray[];

function resolve(op: string, options: CreateOptions, fallback: DType = 'float32'): { backend: Backend; dtype: DType } {
  const dtype = options.dtype ?? fallback;
  if (!isDType(dtype)) throw new DTypeError(`${op}: dtype must be float32, int32 or float64; got ${fmtValue(dtype)}`);
  const backend = options.backend ? backendByName(options.backend) : currentBackend();
  if (!backend.dtypes.includes(dtype)) {
    throw new DTypeError(
      `${op}: the ${backend.name} backend does not support dtype ${dtype} (it supports ${backend.dtypes.join(', ')})`,
    );
  }
  return { backend, dtype };
}

function finish(t: Tensor, options: CreateOptions): Tensor {
  if (options.requiresGrad) {
    if (t.dtype === 'int32')
      throw new DTypeError('requiresGrad: only float tensors can require grad; this one is int32');
    t.requiresGrad = true;
  }
  return t;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedArray;
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], out: number[], depth: number, path: string): void {
  if (depth === shape.length) {
    if (typeof data !== 'number') {
      throw new ShapeError(
        `tensor: data${path} is ${Array.isArray(data) ? 'an array' : typeof data}; expected a number (ragged nesting?)`,
      );
    }
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new ShapeError(
      `tensor: data${path} has ${Array.isArray(data) ? `length ${data.length}` : 'a number'}; expected an array of length ${shape[depth]} (ragged nesting)`,
    );
  }
  data.forEach((d: NestedArray, i: number) => flatten(d, shape, out, depth + 1, `${path}[${i}]`));
}

/**
 * Creates a tensor from a number, nested arrays, or a typed array (with `shape`).
 * `tensor([[1, 2], [3, 4]])`, `tensor(new Float32Array(6), { shape: [2, 3] })`.
 */
export function tensor(
  data: NestedArray | TypedArray,
  options: CreateOptions & { shape?: readonly number[] } = {},
): Tensor {
  let values: ArrayLike<number>;
  let shape: number[];
  let fallback: DType = 'float32';
  if (ArrayBuffer.isView(data)) {
    values = data;
    fallback = dtypeOfArray(data as TypedArray);
    shape = options.shape ? [...options.shape] : [data.length];
  } else {
    if (typeof data !== 'number' && !Array.isArray(data)) {
      throw new ShapeError(
        `tensor: data must be a number, nested arrays of numbers or a typed array; got ${typeof data}`,
      );
    }
    const inferred = inferShape(data);
    const flat: number[] = [];
    flatten(data, inferred, flat, 0, '');
    values = flat;
    shape = options.shape ? [...options.shape] : inferred;
  }
  assertValidShape('tensor', 'shape', shape);
  if (sizeOf(shape) !== values.length) {
    throw new ShapeError(`tensor: shape ${fmtShape(shape)} holds ${sizeOf(shape)} values; data has ${values.length}`);
  }
  const { backend, dtype } = resolve('tensor', options, fallback);
  const arr =
    ArrayBuffer.isView(values) && dtypeOfArray(values as TypedArray) === dtype
      ? (values as TypedArray).slice()
      : toDTypeArray(values, dtype);
  return finish(wrap(backend, backend.upload(arr, dtype), shape, dtype), options);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  assertValidShape('full', 'shape', shape);
  const { backend, dtype } = resolve('full', options);
  return finish(wrap(backend, backend.fill(sizeOf(shape), value, dtype), shape, dtype), options);
}

export const zeros = (shape: readonly number[], options: CreateOptions = {}): Tensor => full(shape, 0, options);
export const ones = (shape: readonly number[], options: CreateOptions = {}): Tensor => full(shape, 1, options);
export const zerosLike = (x: Tensor, options: CreateOptions = {}): Tensor =>
  full(x.shape, 0, { dtype: x.dtype, backend: x.backend, ...options });
export const onesLike = (x: Tensor, options: CreateOptions = {}): Tensor =>
  full(x.shape, 1, { dtype: x.dtype, backend: x.backend, ...options });

/** Values start, start+step, ... below end (as numpy's arange). */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (![start, end, step].every(Number.isFinite) || step === 0) {
    throw new ValueError(
      `arange: start, end and step must be finite and step nonzero; got ${fmtValue(start)}, ${end}, ${step}`,
    );
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = [start, end, step].every(Number.isInteger);
  const { backend, dtype } = resolve('arange', options, allInt ? 'int32' : 'float32');
  const values = new Array<number>(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return finish(wrap(backend, backend.upload(toDTypeArray(values, dtype), dtype), [n], dtype), options);
}

/** The n×m identity (m = n by default). */
export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  assertValidShape('eye', 'n, m', [n, m]);
  const { backend, dtype } = resolve('eye', options);
  const values = toDTypeArray(new Float64Array(n * m), dtype);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return finish(wrap(backend, backend.upload(values, dtype), [n, m], dtype), options);
}

// ---- seeded random numbers ----

/**
 * The global stream used when no seed is given: Philox key from `manualSeed` (0 by default, so
 * runs are reproducible), and a counter that advances past every draw.
 */
let globalKey: [number, number] = [0, 0];
let globalCounter: [number, number] = [0, 0];

/** Resets the global random stream. Same seed, same numbers, on every backend. */
export function manualSeed(seed: number): void {
  globalKey = seedToKey('manualSeed', seed);
  globalCounter = [0, 0];
}

export interface RandomOptions extends CreateOptions {
  /** A fixed seed gives the same numbers on every backend; without one the global stream is used. */
  seed?: number;
}

function draw(
  op: string,
  shape: readonly number[],
  kind: RandomInfo['kind'],
  options: RandomOptions,
  extra: Partial<RandomInfo> = {},
  fallback: DType = 'float32',
): Tensor {
  assertValidShape(op, 'shape', shape);
  const { backend, dtype } = resolve(op, options, fallback);
  const size = sizeOf(shape);
  let key: [number, number];
  let counter: [number, number];
  if (options.seed !== undefined) {
    key = seedToKey(op, options.seed);
    counter = [0, 0];
  } else {
    key = globalKey;
    counter = globalCounter;
    globalCounter = addCounter(globalCounter, blocksUsed(kind, size));
  }
  const handle = backend.random(size, dtype, { kind, key, counter, ...extra });
  return finish(wrap(backend, handle, shape, dtype), options);
}

/** Uniform samples in [0, 1). */
export const rand = (shape: readonly number[], options: RandomOptions = {}): Tensor =>
  draw('rand', shape, 'uniform', options);

/** Standard normal samples (Box-Muller on Philox bits). */
export const randn = (shape: readonly number[], options: RandomOptions = {}): Tensor =>
  draw('randn', shape, 'normal', options);

/** Uniform integers in [low, high), int32 by default. */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low || high - low > 0x7fffffff) {
    throw new ValueError(
      `randint: low and high must be integers with low < high and a range below 2^31; got ${fmtValue(low)}, ${high}`,
    );
  }
  return draw('randint', shape, 'int', options, { low, high }, 'int32');
}
