import { beforeAll } from 'vitest';
import * as at from '../../src/index.js';
import type { BackendName } from '../../src/index.js';

/**
 * The backends a conformance suite runs on. cpu always, on both kernel paths (cpu: WebAssembly
 * SIMD where available, cpu-ts: TypeScript); webgpu when an adapter answers, and
 * always when ATTUNE_REQUIRE_WEBGPU=1 (then a missing adapter fails the suite instead of
 * skipping it); gpujs unless ATTUNE_SKIP_GPUJS=1.
 */
export const requireWebGPU = process.env.ATTUNE_REQUIRE_WEBGPU === '1';

/**
 * Whether a WebGPU adapter answers in this process (asked once per test file, through the same
 * `ready()` users call), and why not when it does not. Without one, and without
 * ATTUNE_REQUIRE_WEBGPU=1, the webgpu suites are left out and the reason is printed, so `npm test`
 * passes on a machine with no GPU and no Vulkan; with it, they run and fail on the missing adapter.
 */
export const webgpuProbe: { available: boolean; reason: string } = await probeWebGPU();

async function probeWebGPU(): Promise<{ available: boolean; reason: string }> {
  const before = at.getBackend();
  try {
    const info = await at.ready({ backend: 'webgpu' });
    return { available: true, reason: info.description };
  } catch (e) {
    const reason = (e as Error).message;
    if (!requireWebGPU) console.log(`webgpu suites skipped: ${reason}`);
    return { available: false, reason };
  } finally {
    await at.setBackend(before);
  }
}

/**
 * A backend a suite runs on. The CPU backend runs twice: `cpu` with its default kernels
 * (WebAssembly SIMD where the engine has it) and `cpu-ts` with the TypeScript kernels forced,
 * so every CPU test checks both kernel paths. Tensors of `cpu-ts` live on backend `cpu`
 * ({@link backendOf}).
 */
export type TestBackend = BackendName | 'cpu-ts';

/** The backend name tensors of `name` carry. */
export function backendOf(name: TestBackend): BackendName {
  return name === 'cpu-ts' ? 'cpu' : name;
}

export function conformanceBackends(): TestBackend[] {
  const list: TestBackend[] = ['cpu', 'cpu-ts'];
  if (requireWebGPU || webgpuProbe.available) list.push('webgpu');
  if (process.env.ATTUNE_SKIP_GPUJS !== '1') list.push('gpujs');
  return list;
}

/** The CPU kernels `cpu` stands for: ATTUNE_CPU_KERNELS, else the backend's own default. */
const defaultCpuKernels = (process.env.ATTUNE_CPU_KERNELS || 'auto') as 'auto' | 'wasm' | 'ts';

/** Selects `name` for the tests of the enclosing describe block. */
export function onBackend(name: TestBackend): void {
  beforeAll(async () => {
    const cpuKernels = name === 'cpu-ts' ? 'ts' : name === 'cpu' ? defaultCpuKernels : undefined;
    const info = await at.ready({ backend: backendOf(name), cpuKernels });
    if (name === 'webgpu') console.log(`webgpu adapter: ${info.description}`);
  });
}

/** Float tolerance per backend: f32 kernels on GPUs use different instruction orders. */
export function tol(name: TestBackend): { rtol: number; atol: number } {
  return backendOf(name) === 'cpu' ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 2e-4, atol: 2e-5 };
}
