import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

const { KMeans, elbow } = at.models;

/** n points around k centres on a ring of radius 10 in 2-D, spread 0.6, seeded. */
function blobs(n: number, k: number, seed: number): number[][] {
  const rng = new at.data.Rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  return Array.from({ length: n }, (_, i) => {
    const j = i % k;
    const angle = (2 * Math.PI * j) / k;
    return [10 * Math.cos(angle) + 0.6 * gauss(), 10 * Math.sin(angle) + 0.6 * gauss()];
  });
}

// Selection is host code around KMeans.fit; the assignment kernels themselves are checked on
// every backend in kmeans.test.ts, so this runs on cpu and (where an adapter answers) webgpu.
const backends = conformanceBackends().filter((b) => b === 'cpu' || b === 'webgpu') as at.BackendName[];
for (const backend of backends) {
  describe(`KMeans.selectK on ${backend}`, () => {
    onBackend(backend);
    const x = blobs(400, 4, 1);

    it('silhouette, gap and elbow each find the 4 planted clusters and return the scores table', async () => {
      for (const criterion of ['silhouette', 'gap', 'elbow'] as const) {
        const r = await KMeans.selectK(x, { kRange: [2, 7], criterion, seed: 1, references: 5 }, { backend });
        expect(r.k, criterion).toBe(4);
        expect(r.criterion).toBe(criterion);
        expect(r.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7]);
        expect(r.model.k).toBe(4);
        expect(r.model.labels.length).toBe(400);
        // Inertia falls with k; the chosen k scores best by the criterion's own rule.
        for (let i = 1; i < r.scores.length; i++) expect(r.scores[i]!.inertia).toBeLessThan(r.scores[i - 1]!.inertia);
        if (criterion === 'silhouette') {
          const best = Math.max(...r.scores.map((s) => s.silhouette));
          expect(r.scores.find((s) => s.k === 4)!.silhouette).toBe(best);
          expect(best).toBeGreaterThan(0.7);
        }
        if (criterion === 'gap') {
          const [g3, g4, g5] = [3, 4, 5].map((k) => r.scores.find((s) => s.k === k)!);
          expect(g3!.gap).toBeLessThan(g4!.gap - g4!.gapSe);
          expect(g4!.gap).toBeGreaterThanOrEqual(g5!.gap - g5!.gapSe);
        }
      }
    });
  });
}

describe('KMeans.selectK arguments', () => {
  it('takes a list of k, and rejects bad ranges and criteria', async () => {
    const x = blobs(60, 3, 2);
    const r = await KMeans.selectK(x, { kRange: [2, 3, 5], criterion: 'elbow' });
    expect(r.scores.map((s) => s.k)).toEqual([2, 3, 5]);
    await expect(KMeans.selectK(x, { kRange: [1, 4] })).rejects.toThrow(/every k in kRange must be an integer >= 2/);
    await expect(KMeans.selectK(x, { kRange: [2, 80] })).rejects.toThrow(/only 60 rows/);
    await expect(KMeans.selectK(x, { criterion: 'best' as never })).rejects.toThrow(/criterion must be one of/);
  });

  it('elbow: the point farthest below the chord of the scaled inertia curve', () => {
    expect(elbow([1, 2, 3, 4, 5], [100, 40, 12, 10, 9])).toBe(3);
    expect(elbow([1, 2], [10, 5])).toBe(1);
  });
});
