import { BackendError } from '../../core/errors.js';
import { BOOT_MS, ThreadPool, WORKER_CORE } from './threads.js';

/**
 * Web Workers for the WebAssembly kernels in a browser page that is `crossOriginIsolated` (the
 * only pages given SharedArrayBuffer and shared WebAssembly memory). A page's ops are as
 * synchronous as Node's, with two differences the design follows:
 *
 * - A page's main thread may not block: `Atomics.wait` throws there. So the caller spins on
 *   `Atomics.load` for the workers' done counters (ThreadPool with canBlock false); it runs its
 *   own slice first, so it spins only for the imbalance between slices.
 * - A worker blocked in `Atomics.wait` hears no message, and browsers have no synchronous
 *   `receiveMessageOnPort`; nor does a worker start, or receive its first message, while the
 *   page's main thread is busy in a synchronous op. So the workers are started, and handed every
 *   kernel module they will run, in the async `at.ready()`, before any of them blocks. The
 *   modules are compiled there with the async `WebAssembly.compile` (an engine may refuse large
 *   synchronous compiles on a page's main thread) and posted as `WebAssembly.Module`s. A kernel
 *   that was not handed over runs all its slices on the calling thread (same results: slices
 *   write disjoint rows, computed the same way).
 *
 * Worker script delivery: a Blob URL of the plain-JavaScript loop below. It is a string in the
 * library, so it survives any bundler with no configuration. The alternative,
 * `new Worker(new URL('./worker.js', import.meta.url))`, works in Vite and webpack 5 but not in
 * esbuild (which leaves the URL pointing at a file it never copied next to the bundle), nor in
 * the CommonJS build (no import.meta). The one cost: a page whose Content-Security-Policy
 * restricts `worker-src` must allow `blob:`; if the worker is refused, the kernels run on one
 * thread and the backend description gives the browser's reason.
 */
const WEB_WORKER = `${WORKER_CORE}
onmessage = (e) => {
  const { memory, control, slot, modules } = e.data;
  const kernels = [];
  try {
    slotViews(control, slot);
    for (const { module, names } of modules) {
      const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
      kernels.push(names.map((n) => exports[n]));
    }
  } catch (err) {
    postMessage({ error: String((err && err.stack) || err) });
    return;
  }
  Atomics.store(ctl, READY, 1);
  postMessage({ ready: true });
  for (let seen = 0; ; ) {
    Atomics.wait(ctl, REQUEST, seen);
    seen = Atomics.load(ctl, REQUEST);
    if (Atomics.load(ctl, QUIT) === 1) break;
    runJob(kernels, seen);
  }
  close();
};
`;

/** Why Web Workers cannot run the kernels here, or undefined when they can. */
export function webWorkersMissing(): string | undefined {
  const g = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean };
  if (typeof g.Worker !== 'function') return 'no Web Workers in this engine';
  if (g.crossOriginIsolated !== true) {
    return 'the page is not crossOriginIsolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp to get SharedArrayBuffer)';
  }
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer in this engine';
  return undefined;
}

/** A kernel module handed to the workers at start: its exports' names in the order jobs index them. */
export interface PreloadedKernel {
  readonly module: WebAssembly.Module;
  readonly names: string[];
}

export class WebWorkerPool extends ThreadPool {
  private readonly liveWorkers: Worker[] = [];
  private readonly ids: Map<string, number>;

  private constructor(workers: number, kernels: ReadonlyMap<string, PreloadedKernel>) {
    super(workers, false);
    this.ids = new Map([...kernels.keys()].map((key, i) => [key, i]));
  }

  /**
   * Starts `workers` Web Workers over `memory` (shared), each instantiating `kernels` (by key),
   * and resolves once all of them are waiting for jobs. Rejects with a BackendError naming the
   * worker and the browser's reason when one cannot start (then none keeps running).
   */
  static async start(
    memory: WebAssembly.Memory,
    workers: number,
    kernels: ReadonlyMap<string, PreloadedKernel>,
  ): Promise<WebWorkerPool> {
    const pool = new WebWorkerPool(workers, kernels);
    const url = URL.createObjectURL(new Blob([WEB_WORKER], { type: 'text/javascript' }));
    try {
      const modules = [...kernels.values()].map(({ module, names }) => ({ module, names }));
      await Promise.all(Array.from({ length: workers }, (_, slot) => pool.boot(url, slot, memory, modules)));
      return pool;
    } catch (e) {
      pool.dispose();
      throw e;
    } finally {
      // Revoked only once every worker has loaded the script (or failed to).
      URL.revokeObjectURL(url);
    }
  }

  private boot(url: string, slot: number, memory: WebAssembly.Memory, modules: PreloadedKernel[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        reject(new BackendError(`Web Worker ${slot} for the WebAssembly kernels did not start: ${why}`));
      };
      const timer = setTimeout(() => fail(`no answer within ${BOOT_MS / 1000} s`), BOOT_MS);
      let worker: Worker;
      try {
        worker = new Worker(url, { name: `attune-wasm-${slot}` });
      } catch (e) {
        return fail((e as Error).message);
      }
      this.liveWorkers.push(worker);
      worker.onerror = (e) => fail(e.message || 'the worker script failed to load');
      worker.onmessage = (e: MessageEvent<{ ready?: boolean; error?: string }>) => {
        if (!e.data.ready) return fail(e.data.error ?? 'no reason given');
        clearTimeout(timer);
        resolve();
      };
      worker.postMessage({ memory, control: this.control, slot, modules });
    });
  }

  /** The id of `key` among the preloaded kernels; undefined for any other (run on the calling thread). */
  protected kernelId(key: string): number | undefined {
    return this.ids.get(key);
  }

  protected terminate(): void {
    // Workers blocked in Atomics.wait were woken with QUIT; terminate() also stops one mid-kernel.
    for (const w of this.liveWorkers) w.terminate();
    this.liveWorkers.length = 0;
  }
}
