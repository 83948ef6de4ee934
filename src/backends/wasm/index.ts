import type {
  AttentionInfo,
  BinaryOp,
  BroadcastInfo,
  CrossEntropyInfo,
  KmeansInfo,
  LstmInfo,
  MatmulInfo,
  MfBprInfo,
  MfSgdInfo,
} from '../backend.js';
import { BackendError, fmtValue } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { ATTENTION_KEY, attentionBackwardWasm, attentionForwardWasm } from './attention.js';
import {
  type LstmBackwardBuffers,
  type LstmForwardBuffers,
  type LstmMatmuls,
  lstmBackwardKernel,
  lstmForwardKernel,
} from '../cpu/lstm.js';
import { lstmBackwardWasm, lstmForwardWasm, lstmGatesFit } from './lstm.js';
import { GEMM_KEY, MR, NR, buildGemm, matmulWasm, recurrenceWasm } from './matmul.js';
import { buildAttention } from './attention-kernel.js';
import { PARALLEL_MIN_FLOPS } from './threads.js';
import { mfBprWasm, mfFits, mfSgdWasm } from './mf.js';
import { kmeansAssignWasm } from './kmeans.js';
import { binaryLayout, binaryWasm } from './binary.js';
import { crossEntropyBackwardWasm, crossEntropyForwardWasm } from './cross-entropy.js';
import type { MfArrays } from '../cpu/mf.js';
import { type ThreadSetting, WasmCapacityError, WasmRuntime, simdAvailable } from './runtime.js';

export { simdAvailable } from './runtime.js';

/**
 * Which kernels the CPU backend runs: `wasm` (WebAssembly SIMD emitted at run time, for the ops
 * that have one; TypeScript for the rest), `ts` (the TypeScript loops only), or `auto` (wasm
 * where the engine validates SIMD, else ts).
 */
export type CpuKernels = 'auto' | 'wasm' | 'ts';

const MODES: readonly CpuKernels[] = ['auto', 'wasm', 'ts'];

/** The ops that have a WebAssembly kernel now, named in the backend description. */
const WASM_OPS =
  'matmul, attention forward and backward, LSTM forward and backward, MF SGD and BPR, k-means assignment, softmax cross-entropy, float32 add, sub, mul, div, maximum and minimum';

/** The mode ATTUNE_CPU_KERNELS asks for (`auto` when unset); a bad value is an error, not ignored. */
export function cpuKernelsFromEnv(): CpuKernels {
  const env = typeof process === 'object' ? process.env?.ATTUNE_CPU_KERNELS : undefined;
  if (env === undefined || env === '') return 'auto';
  if (!(MODES as readonly string[]).includes(env)) {
    throw new BackendError(`ATTUNE_CPU_KERNELS must be 'auto', 'wasm' or 'ts'; got ${fmtValue(env)}`);
  }
  return env as CpuKernels;
}

/**
 * Threads for the WebAssembly kernels: a count (1 = the calling thread only, no worker ever
 * starts) or `auto`, the available cores capped at 4.
 */
export type CpuThreads = number | 'auto';

/**
 * The most threads `auto` picks. Only 1 and 2 threads were measured (benchmarks/matmul.ts); a
 * matmul's panels split evenly and each thread streams its own rows of A against the shared B,
 * so a few more should still help, but past 4 the memory bandwidth of small machines is an
 * unmeasured guess.
 */
export const MAX_AUTO_THREADS = 4;

/** The thread count ATTUNE_THREADS asks for (`auto` when unset); a bad value is an error. */
export function cpuThreadsFromEnv(): CpuThreads {
  const env = typeof process === 'object' ? process.env?.ATTUNE_THREADS : undefined;
  if (env === undefined || env === '' || env === 'auto') return 'auto';
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) {
    throw new BackendError(`ATTUNE_THREADS must be 'auto' or a whole number >= 1; got ${fmtValue(env)}`);
  }
  return n;
}

/** Resolves `auto` to the cores this process (or page) may use (capped), checking a number. */
function resolveThreads(threads: CpuThreads): ThreadSetting {
  if (threads === 'auto') {
    const g = globalThis as {
      process?: { getBuiltinModule?: (id: string) => unknown };
      navigator?: { hardwareConcurrency?: number };
    };
    const os = g.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
    const cores = os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1;
    return { threads: Math.max(1, Math.min(cores, MAX_AUTO_THREADS)) };
  }
  if (!Number.isInteger(threads) || threads < 1) {
    throw new BackendError(`cpu threads must be 'auto' or a whole number >= 1; got ${fmtValue(threads)}`);
  }
  return { threads };
}

/**
 * The WebAssembly kernels behind the CPU backend. Each method returns false when it does not
 * apply (dtype other than float32, or operands past the 4 GiB address space); the caller then
 * runs the TypeScript kernel, and {@link fallbackReason} says why for the capacity case.
 */
export class WasmKernels {
  readonly runtime: WasmRuntime;
  /** Why the last op that wanted WebAssembly ran on TypeScript instead (undefined if none did). */
  fallbackReason: string | undefined;

  /** `threads` (default 1) is how many threads big matmuls and attention calls split over. */
  constructor(threads: CpuThreads = 1) {
    this.runtime = new WasmRuntime(resolveThreads(threads));
  }

  /** Stops the worker threads, if any started; the kernels keep running on one thread. */
  dispose(): void {
    this.runtime.dispose();
  }

  /**
   * Starts the Web Workers of a crossOriginIsolated page, handing them the kernels that split
   * over threads (matmul and attention); a no-op in Node and where one thread was asked for.
   */
  startWorkers(): Promise<void> {
    return this.runtime.startWorkers(
      new Map([
        [GEMM_KEY, () => buildGemm(MR, NR)],
        [ATTENTION_KEY, buildAttention],
      ]),
    );
  }

  matmul(a: TypedArray, b: TypedArray, bias: TypedArray | undefined, info: MatmulInfo, out: TypedArray): boolean {
    if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) return false;
    return this.guard(() => matmulWasm(this.runtime, a, b, bias, info, out));
  }

  /** Fused attention forward; float32 (else the TypeScript kernel), any head size. */
  attentionForward(
    q: TypedArray,
    k: TypedArray,
    v: TypedArray,
    mask: TypedArray | undefined,
    info: AttentionInfo,
    out: TypedArray,
    lse: TypedArray,
  ): boolean {
    const f = [q, k, v, out, lse];
    if (!f.every((x) => x instanceof Float32Array)) return false;
    const [fq, fk, fv, fo, fl] = f as Float32Array[];
    return this.guard(() => attentionForwardWasm(this.runtime, fq!, fk!, fv!, mask, info, fo!, fl!));
  }

  /** Fused attention backward, under the same conditions as the forward. */
  attentionBackward(
    arrays: { dOut: TypedArray; out: TypedArray; lse: TypedArray; q: TypedArray; k: TypedArray; v: TypedArray },
    mask: TypedArray | undefined,
    info: AttentionInfo,
    grads: { dq: TypedArray; dk: TypedArray; dv: TypedArray },
  ): boolean {
    const all = [...Object.values(arrays), ...Object.values(grads)];
    if (!all.every((x) => x instanceof Float32Array)) return false;
    const a = arrays as Record<keyof typeof arrays, Float32Array>;
    const g = grads as Record<keyof typeof grads, Float32Array>;
    return this.guard(() =>
      attentionBackwardWasm(this.runtime, a.dOut, a.out, a.lse, a.q, a.k, a.v, mask, info, g.dq, g.dk, g.dv),
    );
  }

  /** The LSTM matmuls (recurrence and dW_hh) in WebAssembly, for hidden sizes the fused gate kernels do not take. */
  private readonly lstmMats: LstmMatmuls = {
    recurrence: (w, m, k, n, transW) => recurrenceWasm(this.runtime, w as Float32Array, m, k, n, transW),
    matmul: (a, b, info, out) => {
      matmulWasm(this.runtime, a as Float32Array, b as Float32Array, undefined, info, out as Float32Array);
    },
  };

  /**
   * The LSTM forward in WebAssembly (float32 only): recurrence and gate math fused per step when
   * the hidden size is a multiple of 4, else the recurrence alone with the TypeScript gate loop.
   */
  lstmForward(
    xProj: TypedArray,
    whh: TypedArray,
    h0: TypedArray,
    c0: TypedArray,
    lengths: TypedArray | undefined,
    info: LstmInfo,
    o: LstmForwardBuffers,
  ): boolean {
    if (![xProj, whh, h0, c0, ...Object.values(o)].every((x) => x instanceof Float32Array)) return false;
    const [x, w, h, c] = [xProj, whh, h0, c0] as Float32Array[];
    if (lstmGatesFit(info)) return this.guard(() => lstmForwardWasm(this.runtime, x!, w!, h!, c!, lengths, info, o));
    return this.guard(() => lstmForwardKernel(xProj, whh, h0, c0, lengths, info, o, this.lstmMats));
  }

  /** The LSTM backward through time, under the same conditions as the forward. */
  lstmBackward(
    dY: TypedArray,
    whh: TypedArray,
    saved: { gates: TypedArray; hPrev: TypedArray; cPrev: TypedArray },
    lengths: TypedArray | undefined,
    info: LstmInfo,
    o: LstmBackwardBuffers,
  ): boolean {
    const all = [dY, whh, ...Object.values(saved), ...Object.values(o)];
    if (!all.every((x) => x instanceof Float32Array)) return false;
    const { gates, hPrev, cPrev } = saved;
    if (lstmGatesFit(info)) {
      const s = saved as { gates: Float32Array; hPrev: Float32Array; cPrev: Float32Array };
      return this.guard(() =>
        lstmBackwardWasm(this.runtime, dY as Float32Array, whh as Float32Array, s, lengths, info, o),
      );
    }
    return this.guard(() => lstmBackwardKernel(dY, whh, gates, hPrev, cPrev, lengths, info, o, this.lstmMats));
  }

  /** MF SGD over a call's rows in order, float32 with k a multiple of 4 (see wasm/mf.ts). */
  mfSgd(
    t: MfArrays,
    users: Int32Array,
    items: Int32Array,
    ratings: Float32Array,
    loss: Float32Array | undefined,
    info: MfSgdInfo,
  ): boolean {
    if (!mfFits(info.k)) return false;
    return this.guard(() => mfSgdWasm(this.runtime, t, users, items, ratings, loss, info));
  }

  /** BPR over a call's rows in order, under the same conditions as {@link mfSgd}. */
  mfBpr(
    t: MfArrays,
    users: Int32Array,
    pos: Int32Array,
    neg: Int32Array,
    loss: Float32Array | undefined,
    info: MfBprInfo,
  ): boolean {
    if (!mfFits(info.k)) return false;
    return this.guard(() => mfBprWasm(this.runtime, t, users, pos, neg, loss, info));
  }

  /** Softmax cross-entropy forward for float32 logits without label smoothing (see wasm/cross-entropy.ts). */
  crossEntropyForward(
    x: TypedArray,
    t: TypedArray,
    info: CrossEntropyInfo,
    loss: TypedArray,
    lse: TypedArray,
  ): boolean {
    if (info.smoothing > 0 || ![x, loss, lse].every((a) => a instanceof Float32Array)) return false;
    const [fx, fl, fs] = [x, loss, lse] as Float32Array[];
    return this.guard(() => crossEntropyForwardWasm(this.runtime, fx!, t as Int32Array, info, fl!, fs!));
  }

  /** Its backward, under the same conditions. */
  crossEntropyBackward(
    g: TypedArray,
    x: TypedArray,
    t: TypedArray,
    lse: TypedArray,
    info: CrossEntropyInfo,
    d: TypedArray,
  ): boolean {
    const f = [g, x, lse, d];
    if (info.smoothing > 0 || !f.every((a) => a instanceof Float32Array)) return false;
    const [fg, fx, fl, fd] = f as Float32Array[];
    return this.guard(() => crossEntropyBackwardWasm(this.runtime, fg!, fx!, t as Int32Array, fl!, info, fd!));
  }

  /** A float32 binary op in the layouts wasm/binary.ts covers; false leaves it to the row loops. */
  binary(op: BinaryOp, a: TypedArray, b: TypedArray, info: BroadcastInfo, out: TypedArray): boolean {
    if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) return false;
    const layout = binaryLayout(op, a.length, b.length, info);
    return layout !== null && this.guard(() => binaryWasm(this.runtime, layout, a, b, out));
  }

  /** The k-means assignment for float32 points and centroids (see wasm/kmeans.ts). */
  kmeansAssign(x: TypedArray, c: TypedArray, info: KmeansInfo, labels: Int32Array, distances: TypedArray): boolean {
    if (!(x instanceof Float32Array && c instanceof Float32Array && distances instanceof Float32Array)) return false;
    return this.guard(() => kmeansAssignWasm(this.runtime, x, c, info, labels, distances));
  }

  private guard(run: () => void): boolean {
    try {
      run();
      return true;
    } catch (e) {
      if (!(e instanceof WasmCapacityError)) throw e;
      this.fallbackReason = `${e.message}; ran the TypeScript kernel instead`;
      return false;
    }
  }
}

/**
 * Resolves a mode and thread count to kernels (undefined: TypeScript only) and the backend
 * description, which names the thread count and why it is lower than asked, if it is.
 */
export function selectCpuKernels(
  mode: CpuKernels,
  threads: CpuThreads = 'auto',
): { wasm: WasmKernels | undefined; description: string } {
  if (!MODES.includes(mode)) {
    throw new BackendError(`cpu kernels must be 'auto', 'wasm' or 'ts'; got ${fmtValue(mode)}`);
  }
  const simd = simdAvailable();
  if (mode === 'wasm' && !simd) {
    throw new BackendError("cpu kernels 'wasm' requested, but this engine does not validate WebAssembly SIMD");
  }
  if (mode === 'ts' || !simd) {
    const why =
      mode === 'ts' ? 'requested: cpuKernels or ATTUNE_CPU_KERNELS is ts' : 'no WebAssembly SIMD in this engine';
    return { wasm: undefined, description: `CPU: TypeScript kernels (${why})` };
  }
  const wasm = new WasmKernels(threads);
  return { wasm, description: describeWasmKernels(wasm) };
}

/** The CPU description for WebAssembly kernels: the ops, the thread count, and why it is lower than asked. */
export function describeWasmKernels(wasm: WasmKernels): string {
  const { threads: n, threadReason } = wasm.runtime;
  const split = n > 1 ? `${n} threads for matmul and attention above ${PARALLEL_MIN_FLOPS / 1e6} MFLOP` : '1 thread';
  return `CPU: WebAssembly SIMD kernels emitted at run time (${WASM_OPS}; ${split}${
    threadReason ? `: ${threadReason}` : ''
  }), TypeScript for the rest`;
}
