import { ModuleBuilder } from './emitter.js';

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
 */

/** Bytes in one WebAssembly page. */
const PAGE = 65536;
/** The 32-bit address space: 65536 pages, 4 GiB. */
export const MAX_WASM_BYTES = 65536 * PAGE;

/** Thrown (and caught by the router) when a kernel's operands do not fit the arena. */
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

export class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  private readonly kernels = new Map<string, Exports>();
  private f32View = new Float32Array(0);
  private i32View = new Int32Array(0);

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 16 });
  }

  /** Bytes of linear memory reserved by the arena now. */
  arenaBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Makes the arena at least `bytes` long and returns float32 and int32 views of all of it.
   * Views taken before a call that grows the memory are detached by the engine (length 0), so
   * callers take views from here after every `reserve`, never across one.
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
    if (this.f32View.buffer !== this.memory.buffer || this.f32View.length === 0) {
      this.f32View = new Float32Array(this.memory.buffer);
      this.i32View = new Int32Array(this.memory.buffer);
    }
    return { f32: this.f32View, i32: this.i32View };
  }

  /** The exports of the kernel module `key`, built by `build` and compiled on first use. */
  kernel(key: string, build: () => ModuleBuilder): Exports {
    const hit = this.kernels.get(key);
    if (hit) return hit;
    const module = new WebAssembly.Module(build().encode());
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    const exports = instance.exports as unknown as Exports;
    this.kernels.set(key, exports);
    return exports;
  }

  /** Keys of the kernels compiled so far (for tests and `attune info`). */
  compiledKernels(): string[] {
    return [...this.kernels.keys()];
  }
}
