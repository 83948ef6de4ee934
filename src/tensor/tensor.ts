import type { Backend, BackendName } from '../backends/backend.js';
import { backendByName } from '../backends/registry.js';
import { BackendError, DisposedError, ShapeError, fmtShape } from '../core/errors.js';
import { retrackTensor, trackTensor, untrackTensor } from '../memory.js';
import type { GradNode } from '../autograd/tape.js';
import type { SparseRows } from '../autograd/sparse.js';
import { backward as runBackward } from '../autograd/tape.js';
import * as ops from '../ops/index.js';
import type { Operand } from '../ops/elementwise.js';
import type { DType, TypedArray } from '../core/dtype.js';
import { sizeOf } from '../core/shape.js';
import { Storage } from './storage.js';

let nextId = 0;

/**
 * An n-dimensional array on one backend, with reverse-mode autograd. Tensors are immutable;
 * every op returns a new tensor. Create them with {@link tensor}, {@link zeros}, {@link randn}
 * and friends, not with `new`.
 */
export class Tensor {
  /** @internal Lets `scope()` recognise tensors without importing this class. */
  readonly __isAttuneTensor = true;
  readonly id = nextId++;
  readonly size: number;
  /** Whether gradients flow to this tensor. Set it on leaves you want `.grad` for. */
  requiresGrad = false;
  /** The accumulated gradient of a leaf after `backward()`; `null` until then. */
  grad: Tensor | null = null;
  /**
   * The gradient of an embedding table trained with sparse updates: only the rows that were
   * looked up. Optimizers consume it; `grad` stays null for such leaves.
   */
  sparseGrad: SparseRows | null = null;
  /** @internal The op that produced this tensor, when it was recorded on the tape. */
  node: GradNode | null = null;
  /** @internal */
  private storageRef: Storage | null;

  /** @internal Use the creation functions instead. */
  constructor(
    storage: Storage,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {
    this.storageRef = storage;
    this.size = sizeOf(shape);
    Object.freeze(shape);
    trackTensor(this);
  }

  /** The name of the backend that holds this tensor's data. */
  get backend(): BackendName {
    return this.storageRef?.backend.name ?? this.lastBackend;
  }
  private lastBackend: BackendName = 'cpu';

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.storageRef === null;
  }

  /** @internal The storage, or a DisposedError that names the op and argument. */
  storage(op = 'tensor', arg = 'input'): Storage {
    if (this.storageRef === null) {
      throw new DisposedError(`${op}: ${arg} (tensor #${this.id}, shape ${fmtShape(this.shape)}) was disposed`);
    }
    return this.storageRef;
  }

  /** @internal */
  backendImpl(op?: string, arg?: string): Backend {
    return this.storage(op, arg).backend;
  }

  /** Copies the data out, as a typed array of this tensor's dtype. Works on every backend. */
  async data(): Promise<TypedArray> {
    const s = this.storage('data', 'this');
    return s.backend.read(s.handle);
  }

  /** Synchronous read; CPU backend only. Elsewhere use `await t.data()`. */
  dataSync(): TypedArray {
    const s = this.storage('dataSync', 'this');
    if (!s.backend.readSync) {
      throw new BackendError(
        `dataSync: tensor #${this.id} lives on the ${s.backend.name} backend, which cannot read synchronously; use await t.data()`,
      );
    }
    return s.backend.readSync(s.handle);
  }

  /** The data as nested JS arrays. */
  async array(): Promise<unknown> {
    return nest(await this.data(), this.shape);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new ShapeError(`item: tensor has ${this.size} elements; expected exactly 1`);
    return (await this.data())[0]!;
  }

  /**
   * Frees this tensor's storage (once no other view holds it) and everything it owns: its
   * `.grad` and `.sparseGrad` (gradients are kept out of scopes, so nothing else would free
   * them). Safe to call twice.
   */
  dispose(): void {
    if (this.storageRef === null) return;
    this.lastBackend = this.storageRef.backend.name;
    this.storageRef.release();
    this.storageRef = null;
    untrackTensor(this);
    this.grad?.dispose();
    this.grad = null;
    this.sparseGrad?.dispose();
    this.sparseGrad = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * @internal Replaces this tensor's data with `source`'s, which is consumed (disposed without
   * freeing). Optimizers use it to update parameters in place while keeping their identity.
   */
  assign(source: Tensor): this {
    if (source === this) return this;
    this.storage('assign', 'this');
    const s = source.storage('assign', 'source');
    if (source.dtype !== this.dtype || source.size !== this.size) {
      throw new ShapeError(
        `assign: source has dtype ${source.dtype} and shape ${fmtShape(source.shape)}; expected ${this.dtype} ${fmtShape(this.shape)}`,
      );
    }
    s.retain();
    source.dispose();
    const from = this.backend;
    this.storageRef?.release();
    this.storageRef = s;
    retrackTensor(from, s.backend.name);
    return this;
  }

  /** A tensor sharing this one's data, cut off from the autograd graph. */
  detach(): Tensor {
    return new Tensor(this.storage('detach', 'this').retain(), this.shape, this.dtype);
  }

  /** Computes gradients of this tensor (a scalar, unless `grad` is given) into the leaves' `.grad`. */
  backward(grad?: Tensor, options: { retainGraph?: boolean } = {}): void {
    runBackward(this, grad, options.retainGraph ?? false);
  }

  /** Copies this tensor to another backend (which must be initialized with `at.ready`). */
  async to(backend: BackendName): Promise<Tensor> {
    const target = backendByName(backend);
    const src = this.storage('to', 'this');
    if (src.backend === target) return this.detach();
    const values = await src.backend.read(src.handle);
    return new Tensor(new Storage(target, target.upload(values, this.dtype)), this.shape, this.dtype);
  }

  toString(): string {
    return `Tensor(shape=${fmtShape(this.shape)}, dtype=${this.dtype}, backend=${this.backend}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ---- op methods (thin wrappers over src/ops) ----
  add(other: Operand): Tensor {
    return ops.add(this, other);
  }
  sub(other: Operand): Tensor {
    return ops.sub(this, other);
  }
  mul(other: Operand): Tensor {
    return ops.mul(this, other);
  }
  div(other: Operand): Tensor {
    return ops.div(this, other);
  }
  pow(other: Operand): Tensor {
    return ops.pow(this, other);
  }
  maximum(other: Operand): Tensor {
    return ops.maximum(this, other);
  }
  minimum(other: Operand): Tensor {
    return ops.minimum(this, other);
  }
  eq(other: Operand): Tensor {
    return ops.eq(this, other);
  }
  ne(other: Operand): Tensor {
    return ops.ne(this, other);
  }
  lt(other: Operand): Tensor {
    return ops.lt(this, other);
  }
  le(other: Operand): Tensor {
    return ops.le(this, other);
  }
  gt(other: Operand): Tensor {
    return ops.gt(this, other);
  }
  ge(other: Operand): Tensor {
    return ops.ge(this, other);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  log1p(): Tensor {
    return ops.log1p(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  square(): Tensor {
    return ops.square(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  gelu(): Tensor {
    return ops.gelu(this);
  }
  softplus(): Tensor {
    return ops.softplus(this);
  }
  sin(): Tensor {
    return ops.sin(this);
  }
  cos(): Tensor {
    return ops.cos(this);
  }
  clamp(min: number, max: number): Tensor {
    return ops.clamp(this, min, max);
  }
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  sum(axis?: number | number[], keepDims = false): Tensor {
    return ops.sum(this, axis, keepDims);
  }
  mean(axis?: number | number[], keepDims = false): Tensor {
    return ops.mean(this, axis, keepDims);
  }
  max(axis?: number | number[], keepDims = false): Tensor {
    return ops.max(this, axis, keepDims);
  }
  min(axis?: number | number[], keepDims = false): Tensor {
    return ops.min(this, axis, keepDims);
  }
  argmax(axis?: number, keepDims = false): Tensor {
    return ops.argmax(this, axis, keepDims);
  }
  argmin(axis?: number, keepDims = false): Tensor {
    return ops.argmin(this, axis, keepDims);
  }
  logsumexp(axis?: number | number[], keepDims = false): Tensor {
    return ops.logsumexp(this, axis, keepDims);
  }
  var(axis?: number | number[], keepDims = false, correction = 0): Tensor {
    return ops.variance(this, axis, keepDims, correction);
  }
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  flatten(): Tensor {
    return ops.reshape(this, [-1]);
  }
  transpose(a = -2, b = -1): Tensor {
    return ops.transpose(this, a, b);
  }
  permute(...perm: number[]): Tensor {
    return ops.permute(this, perm);
  }
  expand(shape: readonly number[]): Tensor {
    return ops.expand(this, shape);
  }
  squeeze(axis?: number | number[]): Tensor {
    return ops.squeeze(this, axis);
  }
  unsqueeze(axis: number): Tensor {
    return ops.unsqueeze(this, axis);
  }
  slice(begin: readonly number[], end?: readonly number[]): Tensor {
    return ops.slice(this, begin, end);
  }
  indexSelect(axis: number, index: Tensor | ArrayLike<number>): Tensor {
    return ops.indexSelect(this, axis, index);
  }
}

function nest(values: TypedArray, shape: readonly number[]): unknown {
  if (shape.length === 0) return values[0];
  const build = (offset: number, dim: number): unknown => {
    const n = shape[dim]!;
    if (dim === shape.length - 1) return Array.from(values.subarray(offset, offset + n));
    const step = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => build(offset + i * step, dim + 1));
  };
  return build(0, 0);
}
