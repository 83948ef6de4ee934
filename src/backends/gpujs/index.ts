import { BackendError } from '../../core/errors.js';
import type { DType } from '../../core/dtype.js';
import { ACTIVATIONS, type Activation, type BackendName, type Handle, type MatmulInfo } from '../backend.js';
import { CpuBackend } from '../cpu/index.js';
import { arr } from '../cpu/handle.js';

/**
 * The gpu.js tier: dense matmul runs as a gpu.js kernel (WebGL2 in browsers, headless-gl or
 * gpu.js's WebAssembly backend in Node); every other primitive is the CPU backend's, since both
 * keep data in host typed arrays. gpu.js computes in float32, so float64 is not offered here.
 */
type GpuKernel = ((...args: unknown[]) => unknown) & {
  setOutput(o: number[]): void;
  kernel?: { constructor: { name: string } };
};
interface GpuLike {
  createKernel(fn: (...args: never[]) => number, settings: Record<string, unknown>): GpuKernel;
}

/**
 * Activation codes for the kernel, from ACTIVATIONS: the kernel compares `dims[8]` with these as
 * gpu.js constants, so the ids are written nowhere by hand.
 */
const ACT_CODE = Object.fromEntries(ACTIVATIONS.map((a, i) => [a, i])) as Record<Activation, number>;

export class GpuJsBackend extends CpuBackend {
  override readonly name: BackendName = 'gpujs';
  override readonly dtypes: readonly DType[] = ['float32', 'int32'];
  private readonly kernel: GpuKernel;

  constructor(gpu: GpuLike) {
    super();
    this.description = 'gpu.js';
    // One kernel for every shape: sizes and flags are arguments and the output is dynamic, so
    // gpu.js compiles it once.
    this.kernel = gpu.createKernel(
      function (
        this: { thread: { x: number; y: number; z: number }; constants: Record<Activation, number> },
        a: number[],
        b: number[],
        bias: number[],
        dims: number[],
      ) {
        const m = dims[0]!;
        const n = dims[1]!;
        const k = dims[2]!;
        const transA = dims[3]!;
        const transB = dims[4]!;
        const aStride = dims[5]!;
        const bStride = dims[6]!;
        const hasBias = dims[7]!;
        const act = dims[8]!;
        const i = this.thread.y;
        const j = this.thread.x;
        const aBase = this.thread.z * aStride;
        const bBase = this.thread.z * bStride;
        let s = 0;
        for (let p = 0; p < k; p++) {
          let av = 0;
          if (transA > 0) av = a[aBase + p * m + i]!;
          else av = a[aBase + i * k + p]!;
          let bv = 0;
          if (transB > 0) bv = b[bBase + j * k + p]!;
          else bv = b[bBase + p * n + j]!;
          s += av * bv;
        }
        if (hasBias > 0) s += bias[j]!;
        if (act === this.constants.relu) s = Math.max(s, 0);
        if (act === this.constants.gelu) s = 0.5 * s * (1 + Math.tanh(0.7978845608028654 * (s + 0.044715 * s * s * s)));
        if (act === this.constants.tanh) s = Math.tanh(s);
        if (act === this.constants.sigmoid) s = 1 / (1 + Math.exp(-s));
        return s;
      },
      {
        dynamicOutput: true,
        dynamicArguments: true,
        output: [1, 1, 1],
        loopMaxIterations: 1 << 20,
        tactic: 'precision',
        constants: ACT_CODE,
      },
    );
  }

  override matmul(a: Handle, b: Handle, info: MatmulInfo): Handle {
    const { batch, m, n, k } = info;
    const out = new Float32Array(batch * m * n);
    if (out.length > 0) {
      this.kernel.setOutput([n, m, batch]);
      const bias = info.bias ? arr(info.bias) : new Float32Array(1);
      const dims = [
        m,
        n,
        k,
        +info.transA,
        +info.transB,
        info.aBatchStride,
        info.bBatchStride,
        info.bias ? 1 : 0,
        ACT_CODE[info.activation],
      ];
      const result = this.kernel(arr(a), arr(b), bias, dims) as Float32Array[][];
      let o = 0;
      for (let z = 0; z < batch; z++)
        for (let i = 0; i < m; i++) {
          out.set(result[z]![i]!, o);
          o += n;
        }
    }
    return this.adopt(out, 'float32');
  }
}

/** Loads gpu.js (an optional dependency) and builds the backend on its best available mode. */
export async function createGpuJsBackend(): Promise<GpuJsBackend> {
  let mod: { GPU: new (settings: { mode?: string }) => GpuLike };
  try {
    mod = (await import('gpu.js')) as unknown as typeof mod;
  } catch (e) {
    throw new BackendError(
      `gpujs: the optional package 'gpu.js' could not be loaded (${(e as Error).message}); install it with npm install gpu.js`,
    );
  }
  const GPU = mod.GPU ?? (mod as unknown as { default: typeof mod }).default.GPU;
  // 'gpu' picks WebGL2/WebGL in browsers and headless-gl in Node when present, else WebAssembly.
  const gpu = new GPU({ mode: 'gpu' });
  const backend = new GpuJsBackend(gpu);
  // Run once so gpu.js settles on its backend, then record which one it chose.
  backend.matmul(backend.upload(new Float32Array([1]), 'float32'), backend.upload(new Float32Array([1]), 'float32'), {
    batch: 1,
    m: 1,
    n: 1,
    k: 1,
    transA: false,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
    activation: 'none',
  });
  const chosen = (backend as unknown as { kernel: GpuKernel }).kernel.kernel?.constructor.name ?? 'unknown';
  backend.description = `gpu.js ${chosen.replace(/Kernel$/, '')} for matmul, TypeScript CPU for the rest`;
  return backend;
}
