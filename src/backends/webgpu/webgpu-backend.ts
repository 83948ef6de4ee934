import type {
  AdamInfo,
  MfBatch,
  MfBprInfo,
  MfSgdInfo,
  MfTables,
  KmeansInfo,
  LayerNormInfo,
  CrossEntropyInfo,
  AttentionInfo,
  LstmInfo,
  LstmSaved,
  Backend,
  BackendMemory,
  BinaryOp,
  BroadcastInfo,
  CopyInfo,
  Handle,
  IndexInfo,
  MatmulInfo,
  RandomInfo,
  ReduceOp,
  TopKInfo,
  UnaryOp,
  IalsCgInfo,
  IalsRows,
} from '../backend.js';
import { BackendError, DTypeError } from '../../core/errors.js';
import { allocArray, type DType, type TypedArray } from '../../core/dtype.js';
import { Batcher } from './batch.js';
import { GpuHandle, gpu, isSoftwareAdapter, pipelineFrom, type GpuContext, type KernelLayout } from './context.js';
import * as attn from './ops/attention.js';
import * as ew from './ops/elementwise.js';
import * as km from './ops/kmeans.js';
import * as ln from './ops/layernorm.js';
import * as ce from './ops/cross-entropy.js';
import * as lstm from './ops/lstm.js';
import { matmul } from './ops/matmul.js';
import * as mf from './ops/mf.js';
import * as mv from './ops/movement.js';
import * as optim from './ops/optim.js';
import { reduce, softmax } from './ops/reduce.js';
import { topK } from './ops/topk.js';
import { ialsCg } from './ops/ials.js';
import { PipelineCache, type Constants } from './pipelines.js';
import { BufferPool, USAGE } from './pool.js';
import type { Family } from './sources.js';

const POOL_LIMIT_BYTES = 512 * 1024 * 1024;
const STAGING_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The WebGPU backend: tensors live in pooled storage buffers, every primitive is a hand-written
 * WGSL kernel (kernels/*.wgsl) recorded into a shared command encoder, and the only way back
 * to the CPU is the async `read()`. There is deliberately no `readSync`; the front-end reports
 * its absence as "use await t.data()".
 */
export class WebGPUBackend implements Backend, GpuContext {
  readonly name = 'webgpu' as const;
  readonly dtypes: readonly DType[] = ['float32', 'int32'];
  readonly description: string;
  /** Whether the adapter is CPU-emulated; see {@link GpuContext.software}. */
  readonly softwareAdapter: boolean;
  /** Pins the kernel layouts (tests); 'auto' follows the adapter. */
  layout: KernelLayout = 'auto';
  readonly batcher: Batcher;
  private readonly pipelines: PipelineCache;
  private readonly pool: BufferPool;
  private readonly staging: BufferPool;
  private liveHandles = 0;
  private liveBytes = 0;
  private lostMessage: string | undefined;
  private readonly errors: string[] = [];

  constructor(
    readonly device: GPUDevice,
    description: string,
    onLost: () => void,
  ) {
    this.description = description;
    this.softwareAdapter = isSoftwareAdapter(description);
    this.mfLayout = mf.defaultMfLayout(this.softwareAdapter);
    this.batcher = new Batcher(device);
    this.pipelines = new PipelineCache(device);
    this.pool = new BufferPool(device, USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST, POOL_LIMIT_BYTES);
    this.staging = new BufferPool(device, USAGE.MAP_READ | USAGE.COPY_DST, STAGING_LIMIT_BYTES);
    device.addEventListener('uncapturederror', (ev) => {
      this.errors.push((ev as GPUUncapturedErrorEvent).error.message);
    });
    void device.lost.then((info) => {
      this.lostMessage = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
      onLost();
    });
  }

  /** Compiled compute pipelines; constant across shapes (a test checks this). */
  get pipelineCount(): number {
    return this.pipelines.count;
  }

  // ---- GpuContext ----

  get software(): boolean {
    return this.layout === 'auto' ? this.softwareAdapter : this.layout === 'software';
  }

  alloc(size: number, dtype: DType): GpuHandle {
    this.check();
    this.checkDtype(dtype);
    const buffer = this.pool.acquire(Math.max(size, 1) * 4);
    this.liveHandles++;
    this.liveBytes += size * 4;
    return new GpuHandle(size, dtype, buffer);
  }

  release(h: GpuHandle): void {
    this.dispose(h);
  }

  pipeline(family: Family, entry: string, constants?: Constants) {
    return pipelineFrom(this.pipelines, family, entry, constants);
  }

  // ---- storage ----

  upload(values: TypedArray, dtype: DType): Handle {
    const h = this.alloc(values.length, dtype);
    if (values.length === 0) return h;
    // queue.writeBuffer runs ahead of recorded but unsubmitted work; if that work may still
    // read this (just recycled) buffer, submit it first.
    if (this.batcher.pending && this.pool.lastReleased(h.buffer) === this.batcher.batchId) this.batcher.flush();
    let data: Float32Array | Int32Array;
    if (dtype === 'float32') data = values instanceof Float32Array ? values : Float32Array.from(values);
    else if (values instanceof Int32Array) data = values;
    else data = Int32Array.from(values, (v) => Math.trunc(v));
    this.device.queue.writeBuffer(h.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return h;
  }

  fill(size: number, value: number, dtype: DType): Handle {
    return mv.fill(this, size, value, dtype);
  }

  async read(h: Handle): Promise<TypedArray> {
    this.check();
    const src = gpu(h);
    const out = allocArray(h.dtype, h.size);
    if (h.size === 0) {
      this.throwErrors();
      return out;
    }
    const bytes = h.size * 4;
    const staging = this.staging.acquire(bytes);
    this.batcher.copy(src.buffer, 0, staging, 0, bytes);
    this.batcher.flush();
    try {
      await staging.mapAsync(1 /* GPUMapMode.READ */, 0, bytes);
    } catch (e) {
      // A destroyed or lost device fails the map before its lost promise settles: wait briefly
      // for it, so the error says what happened and what to do.
      await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, 100))]);
      this.check();
      throw new BackendError(
        `webgpu: reading a tensor back failed (${(e as Error).message}); if the device was lost, call await at.ready() for a fresh one`,
      );
    }
    new Uint8Array(out.buffer).set(new Uint8Array(staging.getMappedRange(0, bytes)));
    staging.unmap();
    this.staging.release(staging, this.batcher.batchId);
    this.throwErrors();
    return out;
  }

  dispose(h: Handle): void {
    const g = gpu(h);
    if (g.disposed) return;
    g.disposed = true;
    this.liveHandles--;
    this.liveBytes -= h.size * 4;
    if (this.lostMessage) return;
    this.pool.release(g.buffer, this.batcher.batchId);
  }

  memory(): BackendMemory {
    return {
      handles: this.liveHandles,
      bytes: this.liveBytes,
      pooledBuffers: this.pool.pooledBuffers,
      pooledBytes: this.pool.pooledBytes,
    };
  }

  async sync(): Promise<void> {
    this.check();
    this.batcher.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.check();
    this.throwErrors();
  }

  /** Releases the device; later calls throw as after a device loss. */
  destroy(): void {
    if (this.lostMessage) return;
    this.pool.destroyAll();
    this.staging.destroyAll();
    this.batcher.destroy();
    this.device.destroy();
  }

  // ---- elementwise ----

  unary(op: UnaryOp, x: Handle): Handle {
    return ew.unary(this, op, x);
  }

  binary(op: BinaryOp, a: Handle, b: Handle, info: BroadcastInfo): Handle {
    return ew.binary(this, op, a, b, info);
  }

  where(cond: Handle, a: Handle, b: Handle, info: BroadcastInfo): Handle {
    return ew.where(this, cond, a, b, info);
  }

  cast(x: Handle, to: DType): Handle {
    return ew.cast(this, x, to);
  }

  clamp(x: Handle, lo: number, hi: number): Handle {
    return ew.clamp(this, x, lo, hi);
  }

  // ---- reductions and rows ----

  reduce(op: ReduceOp, x: Handle, outer: number, inner: number): Handle {
    return reduce(this, op, x, outer, inner);
  }

  softmax(x: Handle, rows: number, cols: number, log: boolean): Handle {
    return softmax(this, x, rows, cols, log);
  }

  matmul(a: Handle, b: Handle, info: MatmulInfo): Handle {
    return matmul(this, a, b, info);
  }

  copy(src: Handle, dst: Handle, info: CopyInfo): void {
    this.check();
    mv.copy(this, src, dst, info);
  }

  indexSelect(x: Handle, idx: Handle, info: IndexInfo): Handle {
    return mv.indexSelect(this, x, idx, info);
  }

  indexAdd(base: Handle, idx: Handle, src: Handle, info: IndexInfo): Handle {
    return mv.indexAdd(this, base, idx, src, info);
  }

  random(size: number, dtype: DType, info: RandomInfo): Handle {
    return mv.random(this, size, dtype, info);
  }

  // ---- fused: optimizer updates ----

  adamUpdate(
    param: Handle,
    grad: Handle,
    m: Handle,
    v: Handle,
    info: AdamInfo,
  ): { param: Handle; m: Handle; v: Handle } {
    this.check();
    return optim.adamUpdate(this, param, grad, m, v, info);
  }

  // ---- fused: attention ----

  attentionForward(q: Handle, k: Handle, v: Handle, info: AttentionInfo): { out: Handle; lse: Handle } {
    this.check();
    return attn.attentionForward(this, q, k, v, info);
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
    this.check();
    return attn.attentionBackward(this, dOut, out, lse, q, k, v, info);
  }

  // ---- fused: lstm ----

  lstmForward(xProj: Handle, whh: Handle, h0: Handle, c0: Handle, info: LstmInfo): { y: Handle; saved: LstmSaved } {
    this.check();
    return lstm.lstmForward(this, xProj, whh, h0, c0, info);
  }

  lstmBackward(
    dY: Handle,
    whh: Handle,
    saved: LstmSaved,
    info: LstmInfo,
  ): { dGates: Handle; dWhh: Handle; dh0: Handle; dc0: Handle } {
    this.check();
    return lstm.lstmBackward(this, dY, whh, saved, info);
  }

  // ---- fused: matrix factorization ----

  /** Row layout of the MF kernels; see {@link mf.MfLayout}. Chosen from the adapter, settable for benchmarks. */
  mfLayout: mf.MfLayout = 'workgroup';

  mfSgd(tables: MfTables, batch: MfBatch, info: MfSgdInfo): void {
    this.check();
    mf.mfSgd(this, tables, batch, info, this.mfLayout);
  }

  mfBpr(tables: MfTables, batch: MfBatch, info: MfBprInfo): void {
    this.check();
    mf.mfBpr(this, tables, batch, info, this.mfLayout);
  }

  // ---- fused: k-means ----

  kmeansAssign(x: Handle, centroids: Handle, info: KmeansInfo): { labels: Handle; distances: Handle } {
    this.check();
    return km.kmeansAssign(this, x, centroids, info);
  }

  // ---- top-K selection ----

  topK(x: Handle, info: TopKInfo): { values: Handle; indices: Handle } {
    this.check();
    return topK(this, x, info);
  }

  // ---- fused: implicit ALS ----

  ialsCg(X: Handle, Y: Handle, gram: Handle, entries: IalsRows, rows: Handle, info: IalsCgInfo): void {
    this.check();
    ialsCg(this, X, Y, gram, entries, rows, info);
  }

  // ---- fused: layer norm, softmax cross-entropy ----

  layerNormForward(x: Handle, weight: Handle | null, bias: Handle | null, info: LayerNormInfo) {
    this.check();
    return ln.layerNormForward(this, x, weight, bias, info);
  }

  layerNormBackward(dy: Handle, x: Handle, w: Handle | null, mean: Handle, rstd: Handle, info: LayerNormInfo) {
    this.check();
    return ln.layerNormBackward(this, dy, x, w, mean, rstd, info);
  }

  crossEntropyForward(logits: Handle, targets: Handle, info: CrossEntropyInfo) {
    this.check();
    return ce.crossEntropyForward(this, logits, targets, info);
  }

  crossEntropyBackward(g: Handle, logits: Handle, targets: Handle, lse: Handle, info: CrossEntropyInfo) {
    this.check();
    return ce.crossEntropyBackward(this, g, logits, targets, lse, info);
  }

  // ---- helpers ----

  private check(): void {
    if (this.lostMessage !== undefined) {
      throw new BackendError(
        `webgpu: the device was lost (${this.lostMessage}); its tensors are gone. Call await at.ready() again to get a fresh WebGPU backend`,
      );
    }
  }

  private checkDtype(dtype: DType): void {
    if (dtype !== 'float32' && dtype !== 'int32') {
      throw new DTypeError(
        `webgpu: dtype ${dtype} is not supported; use float32 or int32 (float64 exists on the CPU backend only)`,
      );
    }
  }

  /** Validation errors surface asynchronously in WebGPU; report them at the next readback. */
  private throwErrors(): void {
    if (this.errors.length === 0) return;
    const first = this.errors[0]!;
    const more = this.errors.length - 1;
    this.errors.length = 0;
    throw new BackendError(
      `webgpu: a kernel failed validation: ${first}${more > 0 ? ` (and ${more} more errors)` : ''}`,
    );
  }
}
