import { type MemoryImport, ModuleBuilder } from './emitter.js';
import { NodeThreadPool, type ThreadJob, type ThreadPool, workerThreads } from './threads.js';
import { type PreloadedKernel, WebWorkerPool, webWorkersMissing } from './web-workers.js';

/**
 * The WebAssembly side of the CPU backend: one linear memory used as a scratch arena, and the
 * compiled kernels, cached by key.
 *
 * Memory design. CPU tensors stay plain TypedArrays in the JavaScript heap; a kernel copies (and
 * packs) its operands into this arena, runs, and copies the result out. That is the right trade
 * for the ops routed here: a matmul or an attention tile reads O(n²) data for O(n³) work, so the
 * copy is a few percent of the time (measured: copying A in is 1% of a 256² matmul's kernel time
 * and 0.3% at 1024²), and packing into register-tile panels is a copy the kernel would make
 * anyway. The sequential kernels stage once per call, not per step: the LSTM copies its inputs in
 * and its outputs out around all T steps (the per-step state lives in the arena), and MF SGD/BPR
 * copy the tables around a whole epoch of rows. Keeping every tensor in WebAssembly memory instead would make each of them
 * a view that a memory.grow detaches, cap all CPU tensors together at 4 GiB, and need an
 * allocator with fragmentation to solve; elementwise ops (O(n) work on O(n) data), where a copy
 * would cost as much as the op, stay on the TypeScript loops and never enter the arena. So no
 * tensor view into wasm memory ever lives past one kernel call, growing the memory cannot
 * invalidate one, and memory() (which counts tensor handles) stays exact. The arena itself is
 * reported by {@link WasmRuntime.arenaBytes}.
 *
 * Threads. With more than one thread the arena is a shared memory (declared with a 4 GiB
 * maximum, which reserves address space, not pages) and every kernel module is compiled with a
 * shared import; worker threads (threads.ts) instantiate the same modules over it, and a
 * threaded kernel's slices write disjoint rows of the arena. A shared memory is never detached
 * by a grow, so a view taken before one stays valid (only shorter); `reserve` still hands out
 * fresh views after every grow. With one thread the memory is the plain unshared one. In Node
 * the workers start on the first threaded call; in a crossOriginIsolated page they start in
 * {@link WasmRuntime.startWorkers} (from `at.ready()`), and until then one thread runs.
 */

/** Bytes in one WebAssembly page. */
const PAGE = 65536;
/** The 32-bit address space: 65536 pages, 4 GiB. */
export const MAX_WASM_BYTES = 65536 * PAGE;

/**
 * Thrown (and caught by the router, which runs the TypeScript kernel instead) when a kernel
 * cannot run here: its operands do not fit the arena, or the engine refuses to compile it
 * synchronously. Engines may refuse large synchronous compiles on a page's main thread: Chromium
 * 156 refuses modules over 8 MB there (the kernels are kilobytes: MF at k = 100 is about 8 KB),
 * and older Chrome releases refused anything over 4 KB. The runtime then compiles the module
 * asynchronously for later calls.
 */
export class WasmCapacityError extends Error {}

let simdSupport: boolean | undefined;

/** Whether this engine validates 128-bit SIMD (Node >= 16.4, current browsers). Probed once. */
export function simdAvailable(): boolean {
  if (simdSupport !== undefined) return simdSupport;
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return (simdSupport = false);
  const mod = new ModuleBuilder();
  const f = mod.function('probe', ['f32'], ['f32']);
  f.get(f.param(0)).simd('f32x4.splat').get(f.param(0)).simd('f32x4.splat').simd('f32x4.add');
  f.simd('f32x4.extract_lane', 0);
  try {
    simdSupport = WebAssembly.validate(mod.encode());
  } catch {
    simdSupport = false;
  }
  return simdSupport;
}

type Exports = Record<string, (...args: number[]) => number | undefined>;

/**
 * How many threads the runtime may use (1: the calling thread only) and, when fewer than asked
 * could be had, why.
 */
export interface ThreadSetting {
  readonly threads: number;
  readonly reason?: string;
}

export class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  private threadCount: number;
  /** Threads asked for where they start later (Web Workers in `startWorkers`); else threadCount. */
  private readonly plannedThreads: number;
  private readonly web: boolean;
  /** Why fewer threads run than were asked for (undefined when as asked). */
  threadReason: string | undefined;
  private readonly imported: MemoryImport;
  private readonly kernels = new Map<string, { module: WebAssembly.Module; exports: Exports }>();
  /** Asynchronous compiles started after the engine refused a synchronous one, by key. */
  private readonly compiling = new Map<string, Promise<unknown>>();
  /** Why such a compile failed, by key (later calls fall back without retrying). */
  private readonly compileErrors = new Map<string, Error>();
  private pool: ThreadPool | undefined;
  private disposed = false;
  /** Kernel calls split over more than one thread so far (tests check the threaded path ran). */
  threadedCalls = 0;
  private f32View = new Float32Array(0);
  private i32View = new Int32Array(0);

  /**
   * With `threads` > 1 the memory is a shared one (maximum 4 GiB, reserved as address space
   * only) that worker threads run the same kernels over; with 1 it is an ordinary growable
   * memory and no worker ever starts. Node's worker threads start on first use; a page's Web
   * Workers in {@link startWorkers}.
   */
  constructor(setting: ThreadSetting = { threads: 1 }) {
    let threads = setting.threads;
    let reason = setting.reason;
    const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
    this.web = threads > 1 && isNode !== 'string';
    const missing = threads <= 1 ? undefined : this.web ? webWorkersMissing() : workerThreads();
    if (typeof missing === 'string') [threads, reason] = [1, missing];
    let memory: WebAssembly.Memory | undefined;
    if (threads > 1) {
      try {
        memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_WASM_BYTES / PAGE, shared: true });
      } catch (e) {
        [threads, reason] = [1, `no shared WebAssembly memory: ${(e as Error).message}`];
      }
    }
    this.memory = memory ?? new WebAssembly.Memory({ initial: 16 });
    this.imported = memory ? { initial: 16, maximum: MAX_WASM_BYTES / PAGE, shared: true } : { initial: 1 };
    this.plannedThreads = threads;
    this.threadCount = this.web ? 1 : threads;
    this.threadReason = this.web && threads > 1 ? `${threads - 1} Web Workers start in await at.ready()` : reason;
  }

  /**
   * Starts the Web Workers of a crossOriginIsolated page (a no-op in Node, where workers start
   * on first use, and once started): compiles `threaded` (the kernels that split over threads,
   * by key) asynchronously, hands them to every worker, and from then on runs the planned
   * thread count. When a worker cannot start, one thread runs and {@link threadReason} says why.
   */
  async startWorkers(threaded: ReadonlyMap<string, () => ModuleBuilder>): Promise<void> {
    if (!this.web || this.pool || this.plannedThreads <= 1) return;
    const modules = new Map<string, PreloadedKernel>();
    for (const [key, build] of threaded) {
      const { module, exports } = await this.compiledAsync(key, build);
      modules.set(key, { module, names: Object.keys(exports) });
    }
    try {
      const pool = await WebWorkerPool.start(this.memory, this.plannedThreads - 1, modules);
      if (this.pool || this.disposed) return pool.dispose();
      [this.pool, this.threadCount, this.threadReason] = [pool, this.plannedThreads, undefined];
    } catch (e) {
      this.threadReason = (e as Error).message;
    }
  }

  /** Threads a kernel may split its work over (the calling thread included); 1 when single. */
  get threads(): number {
    return this.threadCount;
  }

  /** Bytes of linear memory reserved by the arena now. */
  arenaBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Makes the arena at least `bytes` long and returns float32 and int32 views of all of it.
   * Views taken before a call that grows an unshared memory are detached by the engine (length
   * 0; a shared memory's old views stay valid but short), so callers take views from here after
   * every `reserve`, never across one.
   */
  reserve(bytes: number, what: string): { f32: Float32Array; i32: Int32Array } {
    if (!(bytes <= MAX_WASM_BYTES)) {
      throw new WasmCapacityError(
        `${what} needs ${bytes} bytes of WebAssembly memory, more than the 4 GiB a 32-bit address space holds`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      try {
        this.memory.grow(Math.ceil((bytes - have) / PAGE));
      } catch (e) {
        throw new WasmCapacityError(`${what} needs ${bytes} bytes of WebAssembly memory: ${(e as Error).message}`);
      }
    }
    const buffer = this.memory.buffer;
    if (this.f32View.buffer !== buffer || this.f32View.byteLength !== buffer.byteLength) {
      this.f32View = new Float32Array(buffer);
      this.i32View = new Int32Array(buffer);
    }
    return { f32: this.f32View, i32: this.i32View };
  }

  /** The exports of the kernel module `key`, built by `build` and compiled on first use. */
  kernel(key: string, build: () => ModuleBuilder): Exports {
    return this.compiled(key, build).exports;
  }

  /** Compiles and instantiates `key` asynchronously (any size, on any thread) into the cache. */
  private async compiledAsync(
    key: string,
    build: () => ModuleBuilder,
  ): Promise<{ module: WebAssembly.Module; exports: Exports }> {
    const hit = this.kernels.get(key);
    if (hit) return hit;
    const module = await WebAssembly.compile(build().encode(this.imported));
    const instance = await WebAssembly.instantiate(module, { env: { memory: this.memory } });
    const entry = this.kernels.get(key) ?? { module, exports: instance.exports as unknown as Exports };
    this.kernels.set(key, entry);
    return entry;
  }

  private compiled(key: string, build: () => ModuleBuilder): { module: WebAssembly.Module; exports: Exports } {
    const hit = this.kernels.get(key);
    if (hit) return hit;
    const failed = this.compileErrors.get(key);
    if (failed) {
      if (failed instanceof WebAssembly.CompileError) throw failed; // an emitter bug: never hide it
      throw new WasmCapacityError(`WebAssembly kernel ${key} failed to compile asynchronously: ${failed.message}`);
    }
    if (this.compiling.has(key))
      throw new WasmCapacityError(`WebAssembly kernel ${key} is still compiling asynchronously`);
    const bytes = build().encode(this.imported);
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch (e) {
      if (e instanceof WebAssembly.CompileError) throw e; // an emitter bug: never hide it
      // The engine compiles this module only asynchronously here (see WasmCapacityError). This call
      // falls back to TypeScript; the compile runs meanwhile, and the calls after it use the module.
      const started = this.compiledAsync(key, build).then(
        () => this.compiling.delete(key),
        (err: Error) => {
          this.compileErrors.set(key, err);
          this.compiling.delete(key);
        },
      );
      this.compiling.set(key, started);
      throw new WasmCapacityError(
        `the engine refused to compile WebAssembly kernel ${key} (${bytes.length} bytes) synchronously: ${(e as Error).message}; it is being compiled asynchronously for later calls`,
      );
    }
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    const entry = { module, exports: instance.exports as unknown as Exports };
    this.kernels.set(key, entry);
    return entry;
  }

  /**
   * Runs the slices of one kernel call: `jobs[0]` on the calling thread, the others on worker
   * threads at the same time, and returns when all are done. The slices must write disjoint
   * memory. With one job (or one thread) this is a plain call.
   */
  parallel(key: string, build: () => ModuleBuilder, jobs: readonly ThreadJob[]): void {
    const { module, exports } = this.compiled(key, build);
    if (jobs.length === 1) {
      exports[jobs[0]!.fn]!(...jobs[0]!.args);
      return;
    }
    if (jobs.length > this.threads) throw new Error(`${jobs.length} slices for ${this.threads} threads`);
    if (!this.pool) {
      const wt = workerThreads();
      if (typeof wt === 'string') throw new Error(wt);
      this.pool = new NodeThreadPool(wt, this.memory, this.threads - 1);
    }
    if (this.pool.run(key, module, exports, jobs)) {
      this.threadedCalls++;
      return;
    }
    // A kernel the Web Workers were not handed: its slices, one after another, here.
    for (const job of jobs) exports[job.fn]!(...job.args);
  }

  /** Settles when the asynchronous compiles started by refused synchronous ones have finished. */
  async compilesSettled(): Promise<void> {
    await Promise.all([...this.compiling.values()]);
  }

  /** Whether worker threads have been started (they start on the first threaded call). */
  get workersStarted(): boolean {
    return this.pool !== undefined;
  }

  /** Stops the worker threads, if any ran; kernels keep working on the calling thread. */
  dispose(): void {
    this.pool?.dispose();
    this.pool = undefined;
    this.threadCount = 1;
    this.disposed = true;
  }

  /** Keys of the kernels compiled so far (for tests and `attune info`). */
  compiledKernels(): string[] {
    return [...this.kernels.keys()];
  }
}
