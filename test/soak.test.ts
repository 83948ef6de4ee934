import { describe, expect, it } from 'vitest';
import { FAMILIES, type Family, soak } from '../scripts/soak.js';
import { conformanceBackends } from './helpers/backends.js';

/**
 * The short version of scripts/soak.ts (issue 10): each model family's training loop, and live
 * tensors, bytes and pooled buffers must not move after the first tenth of the steps. About 200
 * steps; fewer for the two families that are slow on SwiftShader (a CPU emulation of a GPU).
 */
const STEPS: Record<'cpu' | 'webgpu', Record<Family, number>> = {
  cpu: { mf: 200, bpr: 200, churn: 200, kmeans: 200, 'next-item': 200 },
  webgpu: { mf: 200, bpr: 200, churn: 100, kmeans: 200, 'next-item': 30 },
};

for (const backend of conformanceBackends().filter((b) => b === 'cpu' || b === 'webgpu')) {
  describe(`memory soak on ${backend}`, () => {
    for (const family of FAMILIES) {
      it(`${family}: live tensors, bytes and pooled buffers stay flat after warm-up`, async () => {
        const r = await soak(family, backend, STEPS[backend as 'cpu' | 'webgpu'][family]);
        expect(r.samples).toBeGreaterThan(2);
        expect({ tensors: r.tensors, bytes: r.bytes, pooledBuffers: r.pooledBuffers }).toEqual({
          tensors: [r.tensors[0], r.tensors[0]],
          bytes: [r.bytes[0], r.bytes[0]],
          pooledBuffers: [r.pooledBuffers[0], r.pooledBuffers[0]],
        });
      });
    }
  });
}
