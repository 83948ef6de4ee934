import type { MatmulInfo } from '../backend.js';
import { BackendError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { matmulWasm } from './matmul.js';
import { WasmCapacityError, WasmRuntime, simdAvailable } from './runtime.js';

export { simdAvailable } from './runtime.js';

/**
 * Which kernels the CPU backend runs: `wasm` (WebAssembly SIMD emitted at run time, for the ops
 * that have one; TypeScript for the rest), `ts` (the TypeScript loops only), or `auto` (wasm
 * where the engine validates SIMD, else ts).
 */
export type CpuKernels = 'auto' | 'wasm' | 'ts';

const MODES: readonly CpuKernels[] = ['auto', 'wasm', 'ts'];

/** The ops that have a WebAssembly kernel now, named in the backend description. */
const WASM_OPS = 'matmul';

/** The mode ATTUNE_CPU_KERNELS asks for (`auto` when unset); a bad value is an error, not ignored. */
export function cpuKernelsFromEnv(): CpuKernels {
  const env = typeof process === 'object' ? process.env?.ATTUNE_CPU_KERNELS : undefined;
  if (env === undefined || env === '') return 'auto';
  if (!(MODES as readonly string[]).includes(env)) {
    throw new BackendError(`ATTUNE_CPU_KERNELS must be 'auto', 'wasm' or 'ts'; got ${JSON.stringify(env)}`);
  }
  return env as CpuKernels;
}

/**
 * The WebAssembly kernels behind the CPU backend. Each method returns false when it does not
 * apply (dtype other than float32, or operands past the 4 GiB address space); the caller then
 * runs the TypeScript kernel, and {@link fallbackReason} says why for the capacity case.
 */
export class WasmKernels {
  readonly runtime = new WasmRuntime();
  /** Why the last op that wanted WebAssembly ran on TypeScript instead (undefined if none did). */
  fallbackReason: string | undefined;

  matmul(a: TypedArray, b: TypedArray, bias: TypedArray | undefined, info: MatmulInfo, out: TypedArray): boolean {
    if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) return false;
    return this.guard(() => matmulWasm(this.runtime, a, b, bias, info, out));
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

/** Resolves a mode to kernels (undefined: TypeScript only) and the backend description. */
export function selectCpuKernels(mode: CpuKernels): { wasm: WasmKernels | undefined; description: string } {
  if (!MODES.includes(mode)) {
    throw new BackendError(`cpu kernels must be 'auto', 'wasm' or 'ts'; got ${JSON.stringify(mode)}`);
  }
  const simd = simdAvailable();
  if (mode === 'wasm' && !simd) {
    throw new BackendError("cpu kernels 'wasm' requested, but this engine does not validate WebAssembly SIMD");
  }
  if (mode === 'ts' || !simd) {
    const why = mode === 'ts' ? 'TypeScript kernels requested' : 'no WebAssembly SIMD in this engine';
    return { wasm: undefined, description: `CPU: TypeScript kernels (${why})` };
  }
  return {
    wasm: new WasmKernels(),
    description: `CPU: WebAssembly SIMD kernels emitted at run time (${WASM_OPS}), TypeScript for the rest`,
  };
}
