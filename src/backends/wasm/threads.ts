import { BackendError } from '../../core/errors.js';

/**
 * A pool of worker threads that run exported functions of the CPU backend's WebAssembly kernels
 * over one shared `WebAssembly.Memory`, so a kernel's work can be split by output tiles.
 *
 * Why this shape. The backend's ops are synchronous, so a threaded op cannot await its workers:
 * the calling thread hands each worker one slice (an export name and its arguments, written into
 * a control block of a SharedArrayBuffer), runs its own slice, then blocks in `Atomics.wait`
 * until every worker has stored its done counter (Node allows `Atomics.wait` on the main
 * thread). Workers never return to their event loop: they block in `Atomics.wait` on their
 * request counter, and new kernel modules reach them through `receiveMessageOnPort`, read
 * synchronously when a job arrives. Each module is compiled once, on the calling thread, and
 * sent as a `WebAssembly.Module`; every worker instantiates it over the same shared memory.
 *
 * Only Node has this today: `worker_threads` is reached through `process.getBuiltinModule`
 * (Node >= 20.16), so there is no Node import for a browser bundle to trip over. Browsers run one
 * thread (their main thread may not `Atomics.wait`, and Web Workers cannot receive a module
 * while blocked; see the closing note of issue 9).
 */

/** The subset of `node:worker_threads` the pool uses. */
interface WorkerThreads {
  Worker: new (
    code: string,
    options: { eval: true; execArgv: string[]; workerData: unknown; transferList: unknown[] },
  ) => { unref(): void; terminate(): Promise<number> };
  MessageChannel: new () => { port1: NodePort; port2: NodePort };
  receiveMessageOnPort(port: NodePort): { message: unknown } | undefined;
}
interface NodePort {
  postMessage(value: unknown): void;
  close(): void;
  unref?(): void;
}

/** Int32 slots per worker in the control block: request, done, status, kernel, export, nargs, quit, ready. */
const SLOT_INTS = 8;
/** Arguments per job, stored as float64 (exact for every i32 and f32 argument). */
export const MAX_ARGS = 24;
const SLOT_BYTES = SLOT_INTS * 4 + MAX_ARGS * 8;
const [REQUEST, DONE, STATUS, KERNEL, EXPORT, NARGS, QUIT, READY] = [0, 1, 2, 3, 4, 5, 6, 7];

/**
 * The worker's loop, plain JavaScript run with `eval: true` so that no separate file has to be
 * found next to the bundled library. It mirrors the constants above.
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = process.getBuiltinModule('node:worker_threads');
const { memory, control, slot, port } = workerData;
const ctl = new Int32Array(control, slot * ${SLOT_BYTES}, ${SLOT_INTS});
Atomics.store(ctl, ${READY}, 1);
const args = new Float64Array(control, slot * ${SLOT_BYTES} + ${SLOT_INTS * 4}, ${MAX_ARGS});
const kernels = [];
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${REQUEST}, seen);
  seen = Atomics.load(ctl, ${REQUEST});
  if (Atomics.load(ctl, ${QUIT}) === 1) break;
  let status = 0;
  try {
    for (let m; (m = receiveMessageOnPort(port)); ) {
      const { id, module, names } = m.message;
      const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
      kernels[id] = names.map((n) => exports[n]);
    }
    const fn = kernels[ctl[${KERNEL}]][ctl[${EXPORT}]];
    fn(...args.subarray(0, ctl[${NARGS}]));
  } catch (e) {
    status = 1;
    port.postMessage(String((e && e.stack) || e));
  }
  Atomics.store(ctl, ${STATUS}, status);
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
port.close();
`;

/**
 * The smallest kernel call (in FLOPs: 2·m·n·k for a matmul, 4·t_q·t_k·d a problem for the
 * attention forward) split over threads. Measured with benchmarks/matmul-cpu.ts on 2 cores
 * (load average about 13): a 128² matmul (4.2 MFLOP, about 0.1 ms) took 0.59 ms on one thread
 * and 1.01 ms on two, since waking a worker and waiting for it costs about as much as the work;
 * a 256² one (34 MFLOP) took 1.10 ms on two against 2.75 ms on one, for the same CPU time. The
 * threshold sits between them.
 */
export const PARALLEL_MIN_FLOPS = 1.6e7;

/** One slice of a threaded kernel call: an export of a registered module and its arguments. */
export interface ThreadJob {
  readonly fn: string;
  readonly args: readonly number[];
}

/** `node:worker_threads` when this is Node with `process.getBuiltinModule`, else a reason why not. */
export function workerThreads(): WorkerThreads | string {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') {
    return typeof proc === 'object'
      ? 'threads need Node >= 20.16 (process.getBuiltinModule)'
      : 'threads run in Node only; browsers use one thread';
  }
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer in this engine';
  return proc.getBuiltinModule('node:worker_threads') as WorkerThreads;
}

/**
 * Longest wait for a worker to start (it sets READY first thing) and, at the least, for a
 * started worker to finish its slice, before the pool is declared broken. The calling thread
 * cannot hear a worker's 'error' or 'exit' event while it blocks, so a worker that died would
 * otherwise be waited on forever.
 */
const BOOT_MS = 20_000;
const STALL_MS = 120_000;

export class WasmThreadPool {
  /** Worker threads; the calling thread is one more. */
  readonly workers: number;
  private readonly threads: { terminate(): Promise<number> }[] = [];
  private readonly ports: NodePort[] = [];
  private readonly ctl: Int32Array;
  private readonly args: Float64Array[] = [];
  private readonly registered = new Map<string, { id: number; names: string[] }>();
  private seq = 0;
  private broken: string | undefined;

  /** Starts `workers` threads over `memory` (shared). Throws BackendError when one cannot start. */
  constructor(
    private readonly wt: WorkerThreads,
    memory: WebAssembly.Memory,
    workers: number,
  ) {
    this.workers = workers;
    const control = new SharedArrayBuffer(SLOT_BYTES * workers);
    this.ctl = new Int32Array(control);
    try {
      for (let slot = 0; slot < workers; slot++) {
        const { port1, port2 } = new wt.MessageChannel();
        const worker = new wt.Worker(WORKER_SOURCE, {
          eval: true,
          // The loop is plain script: no loader (tsx), no --input-type=module from the parent.
          execArgv: [],
          workerData: { memory, control, slot, port: port2 },
          transferList: [port2],
        });
        // A blocked worker must not keep the process alive: unref, and the port too.
        worker.unref();
        port1.unref?.();
        this.threads.push(worker);
        this.ports.push(port1);
        this.args.push(new Float64Array(control, slot * SLOT_BYTES + SLOT_INTS * 4, MAX_ARGS));
      }
    } catch (e) {
      this.dispose();
      throw new BackendError(`could not start WebAssembly worker threads: ${(e as Error).message}`);
    }
  }

  /**
   * Runs `jobs[0]` on the calling thread (through `local`, the module's exports here) and
   * `jobs[1..]` on workers 0.., over the module registered as `key`, and returns when all are
   * done. A worker's exception is rethrown here as a BackendError with its message.
   */
  run(
    key: string,
    module: WebAssembly.Module,
    local: Record<string, (...args: number[]) => unknown>,
    jobs: readonly ThreadJob[],
  ): void {
    if (this.broken) throw new BackendError(`WebAssembly worker threads unusable: ${this.broken}`);
    if (jobs.length - 1 > this.workers) throw new BackendError(`${jobs.length} jobs for ${this.workers} workers`);
    const kernel = this.register(key, module, local);
    // Check every slice before starting any, so a bad one cannot leave others running.
    const fnIndex = jobs.map((job) => kernel.names.indexOf(job.fn));
    const bad = jobs.findIndex((job, i) => fnIndex[i]! < 0 || job.args.length > MAX_ARGS);
    if (bad >= 0) throw new BackendError(`thread job ${jobs[bad]!.fn}: no such export or over ${MAX_ARGS} arguments`);
    const seq = ++this.seq;
    for (let w = 0; w < jobs.length - 1; w++) {
      const job = jobs[w + 1]!;
      const base = w * (SLOT_BYTES / 4);
      this.ctl[base + KERNEL] = kernel.id;
      this.ctl[base + EXPORT] = fnIndex[w + 1]!;
      this.ctl[base + NARGS] = job.args.length;
      this.args[w]!.set(job.args);
      Atomics.store(this.ctl, base + REQUEST, seq);
      Atomics.notify(this.ctl, base + REQUEST);
    }
    let localError: unknown;
    const localStart = Date.now();
    try {
      local[jobs[0]!.fn]!(...jobs[0]!.args);
    } catch (e) {
      localError = e;
    }
    // Slices are near-equal, so a worker taking 50 times the caller's own slice has stalled.
    const stallMs = Math.max(STALL_MS, 50 * (Date.now() - localStart));
    // Every worker must finish before the caller reuses the memory, even when the own slice threw.
    const failures: string[] = [];
    for (let w = 0; w < jobs.length - 1; w++) {
      const base = w * (SLOT_BYTES / 4);
      const started = Date.now();
      for (let done = Atomics.load(this.ctl, base + DONE); done !== seq; done = Atomics.load(this.ctl, base + DONE)) {
        Atomics.wait(this.ctl, base + DONE, done, 200);
        const ready = Atomics.load(this.ctl, base + READY) === 1;
        if (Date.now() - started > (ready ? stallMs : BOOT_MS)) {
          this.broken = ready
            ? `worker ${w} did not finish ${jobs[w + 1]!.fn} within ${Math.round(stallMs / 1000)} s`
            : `worker ${w} did not start within ${BOOT_MS / 1000} s`;
          throw new BackendError(`WebAssembly ${this.broken}`);
        }
      }
      if (this.ctl[base + STATUS] !== 0) {
        const msg = this.wt.receiveMessageOnPort(this.ports[w]!)?.message;
        failures.push(`worker ${w} failed in ${jobs[w + 1]!.fn}: ${String(msg ?? 'no message')}`);
      }
    }
    if (localError !== undefined) throw localError;
    if (failures.length > 0) throw new BackendError(`WebAssembly ${failures.join('; ')}`);
  }

  /** Gives `key` an id and posts its module to every worker once (they read it on their next job). */
  private register(
    key: string,
    module: WebAssembly.Module,
    local: Record<string, unknown>,
  ): { id: number; names: string[] } {
    const hit = this.registered.get(key);
    if (hit) return hit;
    const entry = { id: this.registered.size, names: Object.keys(local) };
    for (const port of this.ports) port.postMessage({ id: entry.id, module, names: entry.names });
    this.registered.set(key, entry);
    return entry;
  }

  /** Stops the workers (they leave their loop) and closes the ports; the pool is unusable after. */
  dispose(): void {
    this.broken ??= 'disposed';
    for (let w = 0; w < this.threads.length; w++) {
      const base = w * (SLOT_BYTES / 4);
      Atomics.store(this.ctl, base + QUIT, 1);
      Atomics.add(this.ctl, base + REQUEST, 1);
      Atomics.notify(this.ctl, base + REQUEST);
      this.ports[w]?.close();
    }
    // terminate() as a backstop for a worker stuck in a kernel; its promise is not awaited.
    for (const t of this.threads) void t.terminate().catch(() => undefined);
    this.threads.length = 0;
  }
}

/**
 * Splits `count` units (row panels, attention problems) into at most `parts` contiguous ranges
 * of near-equal size, in order; ranges are never empty.
 */
export function splitRanges(count: number, parts: number): [number, number][] {
  const n = Math.max(1, Math.min(parts, count));
  const out: [number, number][] = [];
  for (let t = 0; t < n; t++) out.push([Math.floor((t * count) / n), Math.floor(((t + 1) * count) / n)]);
  return out;
}
