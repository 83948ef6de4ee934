import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

/** Three planted blobs far apart, 60 rows. */
function blobs(): number[][] {
  const rng = new at.data.Rng(4, 'test');
  return Array.from({ length: 60 }, (_, i) => {
    const c = i % 3;
    return [c * 10 + rng.float(), (c === 1 ? 10 : 0) + rng.float()];
  });
}

for (const name of conformanceBackends().filter((b) => b !== 'gpujs')) {
  describe(`k-means fits report progress and stop on abort (${name})`, () => {
    onBackend(name);

    it('KMeans: one progress call per Lloyd iteration over all restarts; an abort keeps the last fit', async () => {
      const seen: at.FitProgress[] = [];
      const km = await new at.models.KMeans({ k: 3, seed: 1, nInit: 2 }).fit(blobs(), {
        onProgress: (p) => seen.push(p),
      });
      const total = km.runs.reduce((s, r) => s + r.iterations, 0);
      expect(seen.map((p) => p.epoch)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(seen[0]!.epochs).toBe(2 * 300);
      const before = { centroids: km.centroids, labels: km.labels, runs: km.runs };
      const controller = new AbortController();
      const run = km.fit(
        blobs().map(([x, y]) => [y!, x!]),
        { signal: controller.signal, onProgress: () => controller.abort(new Error('enough')) },
      );
      await expect(run).rejects.toThrow('enough');
      expect(km.centroids).toBe(before.centroids);
      expect(km.labels).toBe(before.labels);
      expect(km.runs).toBe(before.runs);
      expect(Array.from(await km.predict(blobs()))).toEqual(Array.from(before.labels));
    });

    it('MiniBatchKMeans: one progress call per mini-batch; an abort keeps the last fit', async () => {
      const seen: at.FitProgress[] = [];
      const mb = await new at.models.MiniBatchKMeans({ k: 3, batchSize: 8, steps: 12, seed: 2 }).fit(blobs(), {
        onProgress: (p) => seen.push(p),
      });
      expect(seen.map((p) => [p.batch, p.batches])).toEqual(Array.from({ length: 12 }, (_, i) => [i + 1, 12]));
      expect(seen.at(-1)!.fraction).toBe(1);
      const before = mb.centroids;
      const controller = new AbortController();
      const run = mb.fit(blobs(), {
        signal: controller.signal,
        onProgress: (p) => p.batch === 5 && controller.abort(new Error('stop at 5')),
      });
      await expect(run).rejects.toThrow('stop at 5');
      expect(mb.centroids).toBe(before);
      // Already aborted: nothing runs, not even the k-means start.
      const gone = new AbortController();
      gone.abort();
      await expect(mb.fit(blobs(), { signal: gone.signal })).rejects.toThrow(/abort/i);
    });
  });
}
