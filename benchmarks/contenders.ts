/**
 * The contenders the side-by-side benchmarks share: attune's backends used directly (upload the
 * inputs once, then per run the op plus reading the whole result back) and tfjs-core with its
 * cpu, wasm and webgpu backends (per run the op plus `await t.data()`). attune-webgpu and
 * tfjs-webgpu share one `navigator.gpu` (Dawn from the `webgpu` package), so they run on the
 * same adapter.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Backend, BackendName, Handle } from '../src/backends/backend.js';
import { CpuBackend } from '../src/backends/cpu/index.js';
import type { Contender } from './harness.js';

export type Out = ArrayLike<number>;

// ---------------------------------------------------------------------------------------------
// Shared WebGPU adapter: one Dawn GPU object on navigator.gpu for tfjs-webgpu and attune.

let gpuInstalled = false;

/**
 * Puts Dawn's GPU object on `globalThis.navigator.gpu` (Node 20 has no navigator) and the
 * WebGPU constants (GPUBufferUsage, ...) on globalThis, as tfjs-webgpu expects. attune's device
 * lookup prefers navigator.gpu, so both libraries then open devices on the same adapter.
 */
export async function installNavigatorGpu(): Promise<void> {
  if (gpuInstalled) return;
  gpuInstalled = true;
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const specifier = 'webgpu';
  const { create, globals } = (await import(specifier)) as { create(flags: string[]): unknown; globals: object };
  Object.assign(globalThis, globals);
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, writable: true, configurable: true });
  Object.defineProperty(g.navigator, 'gpu', { value: create([]), writable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------
// attune contenders

let adapterDescription = 'not initialized';

/** The WebGPU adapter attune opened (for the report). */
export function webgpuAdapter(): string {
  return adapterDescription;
}

const cpuBackend = new CpuBackend();

/** attune's backend by name; webgpu and gpujs go through the public `ready()` registry. */
export async function attuneBackend(name: BackendName): Promise<Backend> {
  if (name === 'cpu') return cpuBackend;
  if (name === 'webgpu') await installNavigatorGpu();
  const registry = await import('../src/backends/registry.js');
  const info = await registry.ready({ backend: name });
  if (name === 'webgpu') adapterDescription = info.description;
  const be = registry.backendByName(name);
  await registry.setBackend('cpu');
  return be;
}

/** Reads a result back, synchronously where the backend can (cpu, gpujs), else awaiting read(). */
async function readBack(be: Backend, h: Handle): Promise<Out> {
  return be.readSync ? be.readSync(h) : be.read(h);
}

/**
 * An attune contender: `inputs` uploads the problem's arrays once; each run calls `op` and reads
 * its whole result back.
 */
export function attuneContender<P>(
  name: BackendName,
  inputs: (p: P) => Float32Array[],
  op: (be: Backend, xs: Handle[], p: P) => Handle,
): Contender<P, Out> {
  let be: Backend;
  return {
    name: `attune-${name}`,
    async setup() {
      be ??= await attuneBackend(name);
    },
    prepare(p) {
      const hs = inputs(p).map((x) => be.upload(x, 'float32'));
      return {
        async run() {
          const out = op(be, hs, p);
          const data = await readBack(be, out);
          be.dispose(out);
          return data;
        },
        dispose() {
          for (const h of hs) be.dispose(h);
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// tfjs contenders

// tfjs-core plus one package per backend rather than the @tensorflow/tfjs union: the union
// pulls in layers, converter, data and webgl (~140 MB), which a GPU bundle cannot carry.
export type Tf = typeof import('@tensorflow/tfjs-core');
type TfTensor = import('@tensorflow/tfjs-core').Tensor;
let tfModule: Tf | undefined;
let wasmPathsSet = false;
let tfWebgpuImported = false;

export async function loadTf(): Promise<Tf> {
  if (!tfModule) {
    tfModule = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
  }
  return tfModule;
}

/** Loads (once) and selects a tfjs backend; tfjs has one global active backend. */
export async function useTfBackend(backend: 'cpu' | 'wasm' | 'webgpu'): Promise<Tf> {
  const tf = await loadTf();
  if (backend === 'wasm' && !wasmPathsSet) {
    wasmPathsSet = true;
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the wasm binaries load from a directory path; it must end with a slash.
    const require = createRequire(import.meta.url);
    setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
  }
  if (backend === 'webgpu' && !tfWebgpuImported) {
    await installNavigatorGpu();
    await import('@tensorflow/tfjs-backend-webgpu');
    tfWebgpuImported = true;
  }
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) {
    throw new Error(`tfjs backend ${backend} failed to initialize`);
  }
  await tf.ready();
  return tf;
}

/** A tfjs contender: `inputs` become tensors once; each run calls `op` and awaits `data()`. */
export function tfjsContender<P>(
  backend: 'cpu' | 'wasm' | 'webgpu',
  inputs: (p: P) => { values: Float32Array; shape: number[] }[],
  op: (tf: Tf, xs: TfTensor[], p: P) => TfTensor,
): Contender<P, Out> {
  let tf: Tf;
  return {
    name: `tfjs-${backend}`,
    async setup() {
      tf = await useTfBackend(backend);
    },
    prepare(p) {
      const ts = inputs(p).map(({ values, shape }) => tf.tensor(values, shape, 'float32'));
      return {
        async run() {
          const out = op(tf, ts, p);
          const data = await out.data();
          out.dispose();
          return data as Float32Array;
        },
        dispose() {
          for (const t of ts) t.dispose();
        },
      };
    },
  };
}
