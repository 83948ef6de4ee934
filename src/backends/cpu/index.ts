import {
  type AdamInfo,
  type AttentionInfo,
  type Backend,
  type BackendName,
  type BackendMemory,
  type BinaryOp,
  type BroadcastInfo,
  type CopyInfo,
  type Handle,
  type IndexInfo,
  type KmeansInfo,
  type LayerNormInfo,
  type CrossEntropyInfo,
  type LstmInfo,
  type LstmSaved,
  type MatmulInfo,
  type MfBatch,
  type MfBprInfo,
  type MfSgdInfo,
  type MfTables,
  type RandomInfo,
  type ReduceOp,
  type TopKInfo,
  type UnaryOp,
  COMPARE_OPS,
} from '../backend.js';
import { type DType, type TypedArray, allocArray, bytesPerElement } from '../../core/dtype.js';
import { ArrayPool } from './pool.js';
import { philoxFill } from '../../core/philox.js';
import { attentionBackwardKernel, attentionForwardKernel } from './attention.js';
import { CpuHandle, arr } from './handle.js';
import { kmeansAssignKernel } from './kmeans.js';
import { layerNormBackwardCpu, layerNormForwardCpu } from './layernorm.js';
import { crossEntropyBackwardCpu, crossEntropyForwardCpu } from './cross-entropy.js';
import { lstmBackwardCpu, lstmForwardCpu } from './lstm-handles.js';
import { binaryKernel, clampKernel, unaryKernel, whereKernel } from './elementwise.js';
import { matmulKernel } from './matmul.js';
import { mfBprKernel, mfSgdKernel, type MfArrays } from './mf.js';
import { copyKernel, indexAddKernel, indexSelectKernel } from './movement.js';
import { adamKernel } from './optim.js';
import { reduceKernel, softmaxKernel } from './reduce.js';
import { topKKernel } from './topk.js';
import { ialsCgHandles } from './ials.js';
import type { CpuKernels, CpuThreads, WasmKernels } from '../wasm/index.js';
import { cpuKernelsFromEnv, cpuThreadsFromEnv, describeWasmKernels, selectCpuKernels } from '../wasm/index.js';

export { CpuHandle } from './handle.js';

const COMPARE = new Set<BinaryOp>(COMPARE_OPS);

/**
 * The TypeScript CPU backend: every primitive as plain loops over TypedArrays. It is the
 * fallback when no GPU answers and the oracle the conformance tests compare other backends to.
 * Handles are {@link CpuHandle}s holding their array, so reads can be synchronous.
 */
export class CpuBackend implements Backend {
  readonly name: BackendName = 'cpu';
  readonly dtypes: readonly DType[] = ['float32', 'int32', 'float64'];
  description = 'CPU';
  /** The WebAssembly SIMD kernels in use, or undefined when every op runs the TypeScript loops. */
  wasm: WasmKernels | undefined;
  /** The kernels and thread count asked for; `wasm.runtime.threads` is how many threads run. */
  kernels: CpuKernels = 'auto';
  threads: CpuThreads = 'auto';

  private liveHandles = 0;
  private liveBytes = 0;
  /** Disposed tensors' arrays, reused for new outputs of the same dtype and size (pool.ts). */
  readonly pool = new ArrayPool();

  /**
   * `kernels` defaults to ATTUNE_CPU_KERNELS, else `auto` (WebAssembly SIMD where available);
   * `threads` (for the WebAssembly kernels) to ATTUNE_THREADS, else `auto`.
   */
  constructor(options: { kernels?: CpuKernels; threads?: CpuThreads } = {}) {
    this.setKernels(options.kernels ?? cpuKernelsFromEnv(), options.threads ?? cpuThreadsFromEnv());
  }

  /**
   * Switches between the WebAssembly and TypeScript kernels and sets the WebAssembly kernels'
   * thread count (unchanged when omitted); tensors are unaffected, old worker threads stop.
   */
  setKernels(mode: CpuKernels, threads: CpuThreads = this.threads): void {
    const { wasm, description } = selectCpuKernels(mode, threads);
    this.wasm?.dispose();
    [this.kernels, this.threads] = [mode, threads];
    this.wasm = wasm;
    this.description = description;
  }

  /** Starts the Web Workers of a crossOriginIsolated page (see wasm/web-workers.ts; no-op elsewhere). */
  async startThreads(): Promise<void> {
    const wasm = this.wasm;
    await wasm?.startWorkers();
    if (wasm && this.wasm === wasm) this.description = describeWasmKernels(wasm);
  }

  private make(size: number, dtype: DType, data?: TypedArray): CpuHandle {
    this.liveHandles++;
    this.liveBytes += size * bytesPerElement(dtype);
    return new CpuHandle(size, dtype, data ?? this.pool.acquire(dtype, size));
  }

  // ---- storage ----

  /**
   * Wraps `values` as a handle without copying (zero-copy interop with ndarray and gpu.js
   * results). The caller hands the array over and must not mutate it afterwards; it stays the
   * caller's too, so it is never recycled into another tensor.
   */
  adopt(values: TypedArray, dtype: DType): Handle {
    const h = this.make(values.length, dtype, values);
    h.shared = true;
    return h;
  }

  upload(values: TypedArray, dtype: DType): Handle {
    const h = this.make(values.length, dtype);
    // TypedArray.set converts element types; to int32 that truncates toward zero.
    h.data.set(values);
    return h;
  }

  alloc(size: number, dtype: DType): Handle {
    return this.make(size, dtype);
  }

  fill(size: number, value: number, dtype: DType): Handle {
    const h = this.make(size, dtype);
    h.data.fill(value);
    return h;
  }

  read(h: Handle): Promise<TypedArray> {
    return Promise.resolve(arr(h).slice());
  }

  /** A copy, so callers may mutate it freely. */
  readSync(h: Handle): TypedArray {
    return arr(h).slice();
  }

  dispose(h: Handle): void {
    const c = h as CpuHandle;
    if (c.disposed) return;
    c.disposed = true;
    if (!c.shared) this.pool.release(c.dtype, c.data);
    c.data = allocArray(c.dtype, 0);
    this.liveHandles--;
    this.liveBytes -= c.size * bytesPerElement(c.dtype);
  }

  memory(): BackendMemory {
    const { pooledBuffers, pooledBytes } = this.pool;
    return { handles: this.liveHandles, bytes: this.liveBytes, pooledBuffers, pooledBytes };
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  // ---- elementwise ----

  unary(op: UnaryOp, x: Handle): Handle {
    const out = this.make(x.size, x.dtype);
    unaryKernel(op, arr(x), out.data);
    return out;
  }

  binary(op: BinaryOp, a: Handle, b: Handle, info: BroadcastInfo): Handle {
    const out = this.make(info.outSize, COMPARE.has(op) ? 'int32' : a.dtype);
    if (!this.wasm?.binary(op, arr(a), arr(b), info, out.data)) binaryKernel(op, arr(a), arr(b), info, out.data);
    return out;
  }

  where(cond: Handle, a: Handle, b: Handle, info: BroadcastInfo): Handle {
    const out = this.make(info.outSize, a.dtype);
    whereKernel(arr(cond), arr(a), arr(b), info, out.data);
    return out;
  }

  /**
   * Converts dtype. To int32 truncates toward zero; NaN becomes 0 and values outside the int32
   * range wrap (the Int32Array store), as casting does in C on common hardware.
   */
  cast(x: Handle, to: DType): Handle {
    const out = this.make(x.size, to);
    out.data.set(arr(x));
    return out;
  }

  clamp(x: Handle, lo: number, hi: number): Handle {
    const out = this.make(x.size, x.dtype);
    clampKernel(arr(x), lo, hi, out.data);
    return out;
  }

  // ---- reductions and rows ----

  reduce(op: ReduceOp, x: Handle, outer: number, inner: number): Handle {
    const out = this.make(outer, op === 'argmax' || op === 'argmin' ? 'int32' : x.dtype);
    reduceKernel(op, arr(x), outer, inner, out.data);
    return out;
  }

  softmax(x: Handle, rows: number, cols: number, log: boolean): Handle {
    const out = this.make(x.size, x.dtype);
    softmaxKernel(arr(x), rows, cols, log, out.data);
    return out;
  }

  // ---- matmul ----

  /** See {@link MatmulInfo}; `info.bias`, when given, holds n values added to every row. */
  matmul(a: Handle, b: Handle, info: MatmulInfo): Handle {
    const out = this.make(info.batch * info.m * info.n, a.dtype);
    const bias = info.bias ? arr(info.bias) : undefined;
    if (!this.wasm?.matmul(arr(a), arr(b), bias, info, out.data)) matmulKernel(arr(a), arr(b), bias, info, out.data);
    return out;
  }

  // ---- movement ----

  copy(src: Handle, dst: Handle, info: CopyInfo): void {
    copyKernel(arr(src), arr(dst), info);
  }

  // ---- indexing ----

  indexSelect(x: Handle, idx: Handle, info: IndexInfo): Handle {
    const out = this.make(info.outer * info.count * info.inner, x.dtype);
    indexSelectKernel(arr(x), arr(idx), info, out.data);
    return out;
  }

  indexAdd(base: Handle, idx: Handle, src: Handle, info: IndexInfo): Handle {
    const out = this.make(base.size, base.dtype);
    indexAddKernel(arr(base), arr(idx), arr(src), info, out.data);
    return out;
  }

  // ---- random ----

  random(size: number, dtype: DType, info: RandomInfo): Handle {
    const out = this.make(size, dtype);
    philoxFill(out.data, info);
    return out;
  }

  // ---- fused: optimizer updates ----

  adamUpdate(
    param: Handle,
    grad: Handle,
    m: Handle,
    v: Handle,
    info: AdamInfo,
  ): { param: Handle; m: Handle; v: Handle } {
    const p = this.make(param.size, param.dtype);
    const mo = this.make(param.size, param.dtype);
    const vo = this.make(param.size, param.dtype);
    adamKernel(arr(param), arr(grad), arr(m), arr(v), p.data, mo.data, vo.data, info);
    return { param: p, m: mo, v: vo };
  }

  // ---- fused: matrix factorization ----

  mfSgd(tables: MfTables, batch: MfBatch, info: MfSgdInfo): void {
    const t = mfArrays(tables);
    const [users, items] = [arr(batch.users) as Int32Array, arr(batch.items) as Int32Array];
    const ratings = arr(batch.ratings!) as Float32Array;
    const loss = batch.loss ? (arr(batch.loss) as Float32Array) : undefined;
    if (!this.wasm?.mfSgd(t, users, items, ratings, loss, info)) mfSgdKernel(t, users, items, ratings, loss, info);
  }

  mfBpr(tables: MfTables, batch: MfBatch, info: MfBprInfo): void {
    const t = mfArrays(tables);
    const [users, pos, neg] = [batch.users, batch.items, batch.negatives!].map((h) => arr(h) as Int32Array);
    const loss = batch.loss ? (arr(batch.loss) as Float32Array) : undefined;
    if (!this.wasm?.mfBpr(t, users!, pos!, neg!, loss, info)) mfBprKernel(t, users!, pos!, neg!, loss, info);
  }

  // ---- fused: k-means ----

  kmeansAssign(x: Handle, centroids: Handle, info: KmeansInfo): { labels: Handle; distances: Handle } {
    const labels = this.make(info.n, 'int32');
    const distances = this.make(info.n, x.dtype);
    const [xs, cs, ls] = [arr(x), arr(centroids), labels.data as Int32Array];
    if (!this.wasm?.kmeansAssign(xs, cs, info, ls, distances.data))
      kmeansAssignKernel(xs, cs, info, ls, distances.data);
    return { labels, distances };
  }

  // ---- top-K selection and implicit ALS (CPU twins of kernels/topk.wgsl and kernels/ials.wgsl) ----

  topK(x: Handle, info: TopKInfo): { values: Handle; indices: Handle } {
    const values = this.make(info.rows * info.k, x.dtype);
    const indices = this.make(info.rows * info.k, 'int32');
    topKKernel(arr(x), info, values.data, indices.data as Int32Array);
    return { values, indices };
  }

  ialsCg: NonNullable<Backend['ialsCg']> = ialsCgHandles;

  // ---- fused: attention ----

  attentionForward(q: Handle, k: Handle, v: Handle, info: AttentionInfo): { out: Handle; lse: Handle } {
    const out = this.make(info.bh * info.tq * info.d, q.dtype);
    const lse = this.make(info.bh * info.tq, q.dtype);
    const mask = info.mask ? arr(info.mask) : undefined;
    if (!this.wasm?.attentionForward(arr(q), arr(k), arr(v), mask, info, out.data, lse.data)) {
      attentionForwardKernel(arr(q), arr(k), arr(v), mask, info, out.data, lse.data);
    }
    return { out, lse };
  }

  attentionBackward(
    dOut: Handle,
    out: Handle,
    lse: Handle,
    q: Handle,
    k: Handle,
    v: Handle,
    info: AttentionInfo,
  ): { dq: Handle; dk: Handle; dv: Handle } {
    const dq = this.make(q.size, q.dtype);
    const dk = this.make(k.size, k.dtype);
    const dv = this.make(v.size, v.dtype);
    const a = { dOut: arr(dOut), out: arr(out), lse: arr(lse), q: arr(q), k: arr(k), v: arr(v) };
    const g = { dq: dq.data, dk: dk.data, dv: dv.data };
    const mask = info.mask ? arr(info.mask) : undefined;
    if (!this.wasm?.attentionBackward(a, mask, info, g)) {
      attentionBackwardKernel(a.dOut, a.out, a.lse, a.q, a.k, a.v, mask, info, g.dq, g.dk, g.dv);
    }
    return { dq, dk, dv };
  }

  // ---- fused: layer norm (./layernorm.ts) ----

  layerNormForward(x: Handle, weight: Handle | null, bias: Handle | null, info: LayerNormInfo) {
    return layerNormForwardCpu((n) => this.make(n, x.dtype), x, weight, bias, info);
  }

  layerNormBackward(dy: Handle, x: Handle, w: Handle | null, mean: Handle, rstd: Handle, info: LayerNormInfo) {
    return layerNormBackwardCpu((n) => this.make(n, x.dtype), dy, x, w, mean, rstd, info);
  }

  // ---- fused: softmax cross-entropy (./cross-entropy.ts) ----

  crossEntropyForward(logits: Handle, targets: Handle, info: CrossEntropyInfo) {
    return crossEntropyForwardCpu((n) => this.make(n, logits.dtype), this.wasm, logits, targets, info);
  }

  crossEntropyBackward(g: Handle, logits: Handle, targets: Handle, lse: Handle, info: CrossEntropyInfo) {
    return crossEntropyBackwardCpu((n) => this.make(n, logits.dtype), this.wasm, g, logits, targets, lse, info);
  }

  // ---- fused: lstm (./lstm-handles.ts) ----

  lstmForward(xProj: Handle, whh: Handle, h0: Handle, c0: Handle, info: LstmInfo): { y: Handle; saved: LstmSaved } {
    return lstmForwardCpu((n) => this.make(n, xProj.dtype), this.wasm, xProj, whh, h0, c0, info);
  }

  lstmBackward(dY: Handle, whh: Handle, saved: LstmSaved, info: LstmInfo) {
    return lstmBackwardCpu((n) => this.make(n, dY.dtype), this.wasm, dY, whh, saved, info);
  }
}

function mfArrays(t: MfTables): MfArrays {
  return {
    p: arr(t.userFactors) as Float32Array,
    q: arr(t.itemFactors) as Float32Array,
    bu: arr(t.userBias) as Float32Array,
    bi: arr(t.itemBias) as Float32Array,
  };
}
