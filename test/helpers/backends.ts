import { beforeAll } from 'vitest';
import * as at from '../../src/index.js';
import type { BackendName } from '../../src/index.js';

/**
 * The backends a conformance suite runs on. cpu always; webgpu when an adapter answers, and
 * always when ATTUNE_REQUIRE_WEBGPU=1 (then a missing adapter fails the suite instead of
 * skipping it); gpujs unless ATTUNE_SKIP_GPUJS=1.
 */
export const requireWebGPU = process.env.ATTUNE_REQUIRE_WEBGPU === '1';

export function conformanceBackends(): BackendName[] {
  const list: BackendName[] = ['cpu'];
  if (requireWebGPU || process.env.VK_ICD_FILENAMES || process.env.ATTUNE_TRY_WEBGPU === '1') list.push('webgpu');
  if (process.env.ATTUNE_SKIP_GPUJS !== '1') list.push('gpujs');
  return list;
}

/** Selects `name` for the tests of the enclosing describe block. */
export function onBackend(name: BackendName): void {
  beforeAll(async () => {
    const info = await at.ready({ backend: name });
    if (name === 'webgpu') console.log(`webgpu adapter: ${info.description}`);
  });
}

/** Float tolerance per backend: f32 kernels on GPUs use different instruction orders. */
export function tol(name: BackendName): { rtol: number; atol: number } {
  return name === 'cpu' ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 2e-4, atol: 2e-5 };
}
