import { BackendError, fmtValue } from '../core/errors.js';
import type { Backend, BackendName } from './backend.js';
import { CpuBackend } from './cpu/index.js';
import type { CpuKernels, CpuThreads } from './wasm/index.js';

/**
 * Backend selection is lazy: importing attune creates nothing. The CPU backend is made on first
 * use; WebGPU and gpu.js are loaded by `ready()`/`setBackend()` only, because both need async
 * setup and optional packages.
 */
export type BackendRequest = 'auto' | BackendName;

export interface ReadyInfo {
  /** The backend now in use. */
  backend: BackendName;
  /** What it runs on: the WebGPU adapter's name, or a short description. */
  description: string;
  /** Why `auto` did not pick a faster backend, when it did not. */
  fallbackReason?: string;
}

const live = new Map<BackendName, Backend>();
/** Backends whose device was lost and not yet replaced by `ready()`: their errors say so. */
const lost = new Set<BackendName>();
let current: BackendName = 'cpu';

/** The backend a tensor lives on; throws a clear error if that backend was lost. */
export function backendByName(name: BackendName): Backend {
  const b = live.get(name);
  if (b) return b;
  if (name === 'cpu') {
    const cpu = new CpuBackend();
    live.set('cpu', cpu);
    return cpu;
  }
  if (lost.has(name)) {
    throw new BackendError(
      `backend '${name}': the device was lost, and the tensors on it with it; call await at.ready({ backend: '${name}' }) for a fresh device, then refit or reload the models that lived there`,
    );
  }
  throw new BackendError(`backend '${name}' is not initialized; call await at.ready({ backend: '${name}' })`);
}

/** The backend new tensors are created on. */
export function currentBackend(): Backend {
  return backendByName(current);
}

/** The name of the backend new tensors are created on. */
export function getBackend(): BackendName {
  return current;
}

/** Forgets a backend whose device was lost, so the next `ready()` makes a fresh one. */
export function markLost(name: BackendName): void {
  live.delete(name);
  lost.add(name);
  if (current === name) current = 'cpu';
}

/** Initializations under way: two concurrent callers share one device instead of racing for two. */
const starting = new Map<BackendName, Promise<Backend>>();

/**
 * Initializes `name` without selecting it (the global backend stays as it is). Models that
 * carry their own backend call this, so a fit never moves the backend under anyone else.
 */
export function initBackend(name: BackendName): Promise<Backend> {
  return init(name);
}

function init(name: BackendName): Promise<Backend> {
  const existing = live.get(name);
  if (existing) return Promise.resolve(existing);
  let p = starting.get(name);
  if (!p) {
    p = create(name)
      .then((b) => {
        lost.delete(name);
        return b;
      })
      .finally(() => starting.delete(name));
    starting.set(name, p);
  }
  return p;
}

async function create(name: BackendName): Promise<Backend> {
  let backend: Backend;
  if (name === 'cpu') {
    backend = backendByName('cpu');
  } else if (name === 'webgpu') {
    const { createWebGPUBackend } = await import('./webgpu/index.js');
    backend = await createWebGPUBackend(() => markLost('webgpu'));
  } else {
    const { createGpuJsBackend } = await import('./gpujs/index.js');
    backend = await createGpuJsBackend();
  }
  live.set(name, backend);
  return backend;
}

/**
 * Initializes and selects a backend. `auto` tries WebGPU, then falls back to CPU and records
 * why in the returned `fallbackReason`. Asking for `webgpu` where no adapter answers throws a
 * `BackendError`; it never falls back silently. `cpuKernels` picks the CPU backend's kernels:
 * `auto` (WebAssembly SIMD where the engine has it, the default unless ATTUNE_CPU_KERNELS says
 * otherwise), `wasm`, or `ts` (the TypeScript loops); `cpuThreads` how many threads those
 * WebAssembly kernels split big matmuls and attention over (`auto` = cores up to 4, unless
 * ATTUNE_THREADS says otherwise; 1 = no worker threads). In a crossOriginIsolated browser page
 * those threads are Web Workers, started here (when the CPU backend is picked or `cpuThreads`
 * is given); elsewhere in a page one thread runs. The CPU description says which run.
 */
export async function ready(
  options: { backend?: BackendRequest; cpuKernels?: CpuKernels; cpuThreads?: CpuThreads } = {},
): Promise<ReadyInfo> {
  const request = options.backend ?? 'auto';
  if (options.cpuKernels !== undefined || options.cpuThreads !== undefined) {
    const cpu = backendByName('cpu') as CpuBackend;
    cpu.setKernels(options.cpuKernels ?? cpu.kernels, options.cpuThreads ?? cpu.threads);
  }
  if (request !== 'auto' && request !== 'cpu' && request !== 'webgpu' && request !== 'gpujs') {
    throw new BackendError(`ready: backend must be 'auto', 'cpu', 'webgpu' or 'gpujs'; got ${fmtValue(request)}`);
  }
  // A page's Web Workers for the CPU kernels can only start here, asynchronously: when the CPU
  // backend is asked for, falls out of `auto`, or had its threads set.
  const startCpu = async (picked: BackendName) => {
    if (picked === 'cpu' || options.cpuThreads !== undefined) await (backendByName('cpu') as CpuBackend).startThreads();
  };
  if (request === 'auto') {
    try {
      const b = await init('webgpu');
      current = 'webgpu';
      await startCpu(current);
      return { backend: 'webgpu', description: b.description };
    } catch (e) {
      const reason = `webgpu unavailable: ${(e as Error).message}`;
      const pick = await gpujsIfFaster();
      current = pick.backend.name;
      await startCpu(current);
      return { backend: current, description: pick.backend.description, fallbackReason: `${reason}; ${pick.why}` };
    }
  }
  const b = await init(request);
  current = request;
  await startCpu(current);
  return { backend: request, description: b.description };
}

/** Median milliseconds of a 256×256 matmul on `b`, data upload and readback included. */
async function timeMatmul(b: Backend): Promise<number> {
  const n = 256;
  const x = b.upload(new Float32Array(n * n).fill(0.5), 'float32');
  const info = {
    batch: 1,
    m: n,
    n,
    k: n,
    transA: false,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
    activation: 'none' as const,
  };
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const out = b.matmul(x, x, info);
    await b.read(out);
    b.dispose(out);
    times.push(performance.now() - t0);
  }
  b.dispose(x);
  return times.sort((p, q) => p - q)[2]!;
}

/**
 * Without WebGPU, `auto` uses the gpu.js tier only where it is measured faster than the CPU
 * backend (a 256² matmul, the first warm-up run discarded); otherwise the CPU backend.
 */
async function gpujsIfFaster(): Promise<{ backend: Backend; why: string }> {
  const cpu = backendByName('cpu');
  let gpujs: Backend;
  try {
    gpujs = await init('gpujs');
  } catch (e) {
    return { backend: cpu, why: `gpujs unavailable: ${(e as Error).message}` };
  }
  const [tc, tg] = [await timeMatmul(cpu), await timeMatmul(gpujs)];
  const why = `256² matmul: cpu ${tc.toFixed(1)} ms, gpujs ${tg.toFixed(1)} ms`;
  return tg < tc ? { backend: gpujs, why } : { backend: cpu, why };
}

/** Selects a backend by name (initializing it if needed); same as `ready({ backend: name })`. */
export function setBackend(name: BackendRequest): Promise<ReadyInfo> {
  if (name === 'cpu') current = 'cpu';
  return ready({ backend: name });
}

/** Backends that are initialized now. */
export function liveBackends(): Backend[] {
  return [...live.values()];
}
