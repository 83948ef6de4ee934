import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';
import { blobs } from './synthetic.js';

const { MiniBatchKMeans, KMeans } = at.models;

// The update step is host code around the fused assignment kernel, run on cpu and webgpu.
const backends = conformanceBackends().filter((b) => b === 'cpu' || b === 'webgpu') as at.BackendName[];
for (const backend of backends) {
  describe(`MiniBatchKMeans on ${backend}`, () => {
    onBackend(backend);

    it('gets within 2% of full k-means inertia and recovers the planted clusters', async () => {
      const { x, truth } = blobs(6000, 5, 4);
      const mb = await new MiniBatchKMeans({ k: 5, batchSize: 256, steps: 60, seed: 1, backend }).fit(x);
      const full = await new KMeans({ k: 5, seed: 1, backend }).fit(x);
      expect(mb.inertia).toBeLessThan(full.inertia * 1.02);
      expect(mb.labels.length).toBe(6000);
      // Each planted cluster maps to one label: purity over 98%.
      let pure = 0;
      for (let j = 0; j < 5; j++) {
        const counts = new Map<number, number>();
        truth.forEach((t, i) => t === j && counts.set(mb.labels[i]!, (counts.get(mb.labels[i]!) ?? 0) + 1));
        pure += Math.max(...counts.values());
      }
      expect(pure / 6000).toBeGreaterThan(0.98);
      expect(Array.from(await mb.predict(x.slice(0, 50)))).toEqual(Array.from(mb.labels.subarray(0, 50)));
    });
  });
}

describe('MiniBatchKMeans arguments', () => {
  it('rejects bad options and too few rows', async () => {
    expect(() => new MiniBatchKMeans({ k: 0 })).toThrow(/k must be an integer >= 1/);
    expect(() => new MiniBatchKMeans({ k: 2, batchSize: 0 })).toThrow(/batchSize/);
    await expect(new MiniBatchKMeans({ k: 5 }).fit([[1], [2]])).rejects.toThrow(/fewer than k = 5/);
    await expect(new MiniBatchKMeans({ k: 2 }).predict([[1]])).rejects.toThrow(/not fitted/);
  });
});
