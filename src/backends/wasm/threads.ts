import { BackendError } from '../../core/errors.js';

/**
 * Pools of threads that run exported functions of the CPU backend's WebAssembly kernels over
 * one shared `WebAssembly.Memory`, so a kernel's work can be split by output tiles: worker
 * threads in Node ({@link NodeThreadPool}, here) and Web Workers in a crossOriginIsolated page
 * (web-workers.ts).
 *
 * Why this shape. The backend's ops are synchronous, so a threaded op cannot await its workers:
 * the calling thread hands each worker one slice (an export name and its arguments, written into
 * a control block of a SharedArrayBuffer), runs its own slice, then waits until every worker has
 * stored its done counter: in `Atomics.wait` in Node, which allows it on the main thread, and
 * spinning on `Atomics.load` on a page's main thread, where `Atomics.wait` throws. Workers never
 * return to their event loop between jobs: they block in `Atomics.wait` on their request
 * counter (workers may block, in Node and in browsers). A worker's error text comes back through
 * the control block too, so the caller never needs its own event loop to hear it.
 */

/** Int32 slots per worker in the control block: request, done, status, kernel, export, nargs, quit, ready. */
const SLOT_INTS = 8;
/** Arguments per job, stored as float64 (exact for every i32 and f32 argument). */
export const MAX_ARGS = 24;
/** Bytes of a failed job's error text (UTF-8, cut here). */
const MSG_BYTES = 512;
const SLOT_BYTES = SLOT_INTS * 4 + MAX_ARGS * 8 + MSG_BYTES;
const [REQUEST, DONE, STATUS, KERNEL, EXPORT, NARGS, QUIT, READY] = [0, 1, 2, 3, 4, 5, 6, 7];

/**
 * The worker side shared by both pools, plain JavaScript: `slotViews(control, slot)` and
 * `runJob(kernels, seen)`, which runs the job in the slot and stores its status (0, or the error
 * text's byte length + 1, the text after the arguments) and the done counter. It mirrors the
 * constants above.
 */
export const WORKER_CORE = `
let ctl, args, msg;
function slotViews(control, slot) {
  ctl = new Int32Array(control, slot * ${SLOT_BYTES}, ${SLOT_INTS});
  args = new Float64Array(control, slot * ${SLOT_BYTES} + ${SLOT_INTS * 4}, ${MAX_ARGS});
  msg = new Uint8Array(control, slot * ${SLOT_BYTES} + ${SLOT_INTS * 4 + MAX_ARGS * 8}, ${MSG_BYTES});
}
function runJob(kernels, seen, before) {
  let status = 0;
  try {
    if (before) before();
    kernels[ctl[${KERNEL}]][ctl[${EXPORT}]](...args.subarray(0, ctl[${NARGS}]));
  } catch (e) {
    const text = new TextEncoder().encode(String((e && e.stack) || e)).subarray(0, ${MSG_BYTES});
    msg.set(text);
    status = text.length + 1;
  }
  Atomics.store(ctl, ${STATUS}, status);
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
const QUIT = ${QUIT}, READY = ${READY}, REQUEST = ${REQUEST};
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

/**
 * Longest wait for a worker to start (it sets READY first thing) and, at the least, for a
 * started worker to finish its slice, before the pool is declared broken. The calling thread
 * cannot hear a worker's 'error' or 'exit' event while it waits, so a worker that died would
 * otherwise be waited on forever.
 */
export const BOOT_MS = 20_000;
const STALL_MS = 120_000;

/** The control block and the job protocol; subclasses start the workers and deliver modules. */
export abstract class ThreadPool {
  /** Worker threads; the calling thread is one more. */
  readonly workers: number;
  readonly control: SharedArrayBuffer;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array[] = [];
  private seq = 0;
  private broken: string | undefined;

  /** `canBlock`: whether the calling thread may `Atomics.wait` (else it spins). */
  protected constructor(
    workers: number,
    private readonly canBlock: boolean,
  ) {
    this.workers = workers;
    this.control = new SharedArrayBuffer(SLOT_BYTES * workers);
    this.ctl = new Int32Array(this.control);
    for (let slot = 0; slot < workers; slot++) {
      this.args.push(new Float64Array(this.control, slot * SLOT_BYTES + SLOT_INTS * 4, MAX_ARGS));
    }
  }

  /** The workers' id of kernel module `key` (`names`: its exports in order), or undefined when they cannot have it. */
  protected abstract kernelId(key: string, module: WebAssembly.Module, names: string[]): number | undefined;

  /** Stops the threads themselves, after they were told to quit. */
  protected abstract terminate(): void;

  /** Whether worker `w` has started (set READY). */
  protected started(w: number): boolean {
    return Atomics.load(this.ctl, w * (SLOT_BYTES / 4) + READY) === 1;
  }

  /**
   * Runs `jobs[0]` on the calling thread (through `local`, the module's exports here) and
   * `jobs[1..]` on workers 0.., over the module registered as `key`, and returns when all are
   * done: true, or false without running anything when the workers do not have the module (the
   * caller then runs the slices itself). A worker's exception is rethrown here as a
   * BackendError with its message.
   */
  run(
    key: string,
    module: WebAssembly.Module,
    local: Record<string, (...args: number[]) => unknown>,
    jobs: readonly ThreadJob[],
  ): boolean {
    if (this.broken) throw new BackendError(`WebAssembly worker threads unusable: ${this.broken}`);
    if (jobs.length - 1 > this.workers) throw new BackendError(`${jobs.length} jobs for ${this.workers} workers`);
    const names = Object.keys(local);
    const id = this.kernelId(key, module, names);
    if (id === undefined) return false;
    // Check every slice before starting any, so a bad one cannot leave others running.
    const fnIndex = jobs.map((job) => names.indexOf(job.fn));
    const bad = jobs.findIndex((job, i) => fnIndex[i]! < 0 || job.args.length > MAX_ARGS);
    if (bad >= 0) throw new BackendError(`thread job ${jobs[bad]!.fn}: no such export or over ${MAX_ARGS} arguments`);
    const seq = ++this.seq;
    for (let w = 0; w < jobs.length - 1; w++) {
      const job = jobs[w + 1]!;
      const base = w * (SLOT_BYTES / 4);
      this.ctl[base + KERNEL] = id;
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
      this.awaitDone(w, seq, jobs[w + 1]!.fn, stallMs);
      const status = this.ctl[w * (SLOT_BYTES / 4) + STATUS]!;
      if (status !== 0) failures.push(`worker ${w} failed in ${jobs[w + 1]!.fn}: ${this.message(w, status - 1)}`);
    }
    if (localError !== undefined) throw localError;
    if (failures.length > 0) throw new BackendError(`WebAssembly ${failures.join('; ')}`);
    return true;
  }

  /** Waits (blocking or spinning) until worker `w` stores `seq` as done; throws when it stalls. */
  private awaitDone(w: number, seq: number, fn: string, stallMs: number): void {
    const at = w * (SLOT_BYTES / 4) + DONE;
    const since = Date.now();
    for (let spins = 0; Atomics.load(this.ctl, at) !== seq; spins++) {
      if (this.canBlock) Atomics.wait(this.ctl, at, Atomics.load(this.ctl, at), 200);
      else if ((spins & 0xfff) !== 0) continue;
      const ready = this.started(w);
      if (Date.now() - since > (ready ? stallMs : BOOT_MS)) {
        this.broken = ready
          ? `worker ${w} did not finish ${fn} within ${Math.round(stallMs / 1000)} s`
          : `worker ${w} did not start within ${BOOT_MS / 1000} s`;
        throw new BackendError(`WebAssembly ${this.broken}`);
      }
    }
  }

  /** Worker `w`'s error text, `bytes` long (copied out: TextDecoder refuses shared memory). */
  private message(w: number, bytes: number): string {
    const at = w * SLOT_BYTES + SLOT_INTS * 4 + MAX_ARGS * 8;
    return new TextDecoder().decode(new Uint8Array(this.control, at, Math.min(bytes, MSG_BYTES)).slice());
  }

  /** Stops the workers (they leave their loop); the pool is unusable after. */
  dispose(): void {
    this.broken ??= 'disposed';
    for (let w = 0; w < this.workers; w++) {
      const base = w * (SLOT_BYTES / 4);
      Atomics.store(this.ctl, base + QUIT, 1);
      Atomics.add(this.ctl, base + REQUEST, 1);
      Atomics.notify(this.ctl, base + REQUEST);
    }
    this.terminate();
  }
}

/** The subset of `node:worker_threads` the Node pool uses. */
interface WorkerThreads {
  Worker: new (
    code: string,
    options: { eval: true; execArgv: string[]; workerData: unknown; transferList: unknown[] },
  ) => { unref(): void; terminate(): Promise<number> };
  MessageChannel: new () => { port1: NodePort; port2: NodePort };
}
interface NodePort {
  postMessage(value: unknown): void;
  close(): void;
  unref?(): void;
}

/**
 * The Node worker's loop, run with `eval: true` so that no separate file has to be found next
 * to the bundled library. New kernel modules reach a blocked worker through
 * `receiveMessageOnPort`, read synchronously when a job arrives.
 */
const NODE_WORKER = `${WORKER_CORE}
const { workerData, receiveMessageOnPort } = process.getBuiltinModule('node:worker_threads');
const { memory, control, slot, port } = workerData;
slotViews(control, slot);
Atomics.store(ctl, READY, 1);
const kernels = [];
const receive = () => {
  for (let m; (m = receiveMessageOnPort(port)); ) {
    const { id, module, names } = m.message;
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    kernels[id] = names.map((n) => exports[n]);
  }
};
for (let seen = 0; ; ) {
  Atomics.wait(ctl, REQUEST, seen);
  seen = Atomics.load(ctl, REQUEST);
  if (Atomics.load(ctl, QUIT) === 1) break;
  runJob(kernels, seen, receive);
}
port.close();
`;

/** `node:worker_threads` when this is Node with `process.getBuiltinModule`, else a reason why not. */
export function workerThreads(): WorkerThreads | string {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return 'threads need Node >= 20.16 (process.getBuiltinModule)';
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer in this engine';
  return proc.getBuiltinModule('node:worker_threads') as WorkerThreads;
}

/**
 * Node worker threads, started at construction; a module is posted to every worker the first
 * time a job needs it, so any kernel can be threaded.
 */
export class NodeThreadPool extends ThreadPool {
  private readonly threads: { terminate(): Promise<number> }[] = [];
  private readonly ports: NodePort[] = [];
  private readonly registered = new Map<string, number>();

  /** Starts `workers` threads over `memory` (shared). Throws BackendError when one cannot start. */
  constructor(wt: WorkerThreads, memory: WebAssembly.Memory, workers: number) {
    super(workers, true);
    try {
      for (let slot = 0; slot < workers; slot++) {
        const { port1, port2 } = new wt.MessageChannel();
        const worker = new wt.Worker(NODE_WORKER, {
          eval: true,
          // The loop is plain script: no loader (tsx), no --input-type=module from the parent.
          execArgv: [],
          workerData: { memory, control: this.control, slot, port: port2 },
          transferList: [port2],
        });
        // A blocked worker must not keep the process alive: unref, and the port too.
        worker.unref();
        port1.unref?.();
        this.threads.push(worker);
        this.ports.push(port1);
      }
    } catch (e) {
      this.dispose();
      throw new BackendError(`could not start WebAssembly worker threads: ${(e as Error).message}`);
    }
  }

  /** Gives `key` an id and posts its module to every worker once (they read it on their next job). */
  protected kernelId(key: string, module: WebAssembly.Module, names: string[]): number {
    const hit = this.registered.get(key);
    if (hit !== undefined) return hit;
    const id = this.registered.size;
    for (const port of this.ports) port.postMessage({ id, module, names });
    this.registered.set(key, id);
    return id;
  }

  protected terminate(): void {
    for (const port of this.ports) port.close();
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
