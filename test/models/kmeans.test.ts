import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

const { KMeans, segmentProfiles } = at.models;
const { kmeansAssign } = at;

/** Adjusted Rand index (Hubert & Arabie) of two labelings. */
function ari(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const table = new Map<string, number>();
  const ra = new Map<number, number>();
  const rb = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = `${a[i]},${b[i]}`;
    table.set(k, (table.get(k) ?? 0) + 1);
    ra.set(a[i]!, (ra.get(a[i]!) ?? 0) + 1);
    rb.set(b[i]!, (rb.get(b[i]!) ?? 0) + 1);
  }
  const c2 = (x: number): number => (x * (x - 1)) / 2;
  let sumIj = 0;
  for (const v of table.values()) sumIj += c2(v);
  let sa = 0;
  for (const v of ra.values()) sa += c2(v);
  let sb = 0;
  for (const v of rb.values()) sb += c2(v);
  const expected = (sa * sb) / c2(n);
  return (sumIj - expected) / ((sa + sb) / 2 - expected);
}

/** n points around k well-separated centres in d dims, seeded; returns rows and true labels. */
function planted(
  n: number,
  k: number,
  d: number,
  seed: number,
  spread = 0.5,
): { x: number[][]; truth: Int32Array; centres: number[][] } {
  const rng = new at.data.Rng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const centres = Array.from({ length: k }, (_, j) =>
    Array.from({ length: d }, (_, f) => (f === j % d ? 6 : 0) + (j >= d ? -6 : 0) + gauss()),
  );
  const truth = new Int32Array(n);
  const x = Array.from({ length: n }, (_, i) => {
    const j = i % k;
    truth[i] = j;
    return centres[j]!.map((c) => c + spread * gauss());
  });
  return { x, truth, centres };
}

function refAssign(x: number[][], c: number[][]): { labels: number[]; dist: number[] } {
  const labels: number[] = [];
  const dist: number[] = [];
  for (const row of x) {
    let best = 0;
    let bd = Infinity;
    c.forEach((cc, j) => {
      const s = row.reduce((acc, v, f) => acc + (v - cc[f]!) ** 2, 0);
      if (s < bd) {
        bd = s;
        best = j;
      }
    });
    labels.push(best);
    dist.push(bd);
  }
  return { labels, dist };
}

for (const name of conformanceBackends()) {
  describe(`k-means on ${name}`, () => {
    onBackend(name);

    it('kmeansAssign matches a float64 reference (labels and squared distances)', async () => {
      const rng = new at.data.Rng(5);
      for (const [n, d, k] of [
        [1, 1, 1],
        [37, 3, 4],
        [130, 7, 9],
        [65, 2, 1],
      ] as const) {
        const x = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.float() * 10 - 5));
        const c = Array.from({ length: k }, () => Array.from({ length: d }, () => rng.float() * 10 - 5));
        const out = kmeansAssign(at.tensor(x), at.tensor(c));
        const ref = refAssign(x, c);
        expect(out.labels.dtype).toBe('int32');
        expect(out.labels.shape).toEqual([n]);
        expect(Array.from(await out.labels.data())).toEqual(ref.labels);
        const dist = await out.distances.data();
        ref.dist.forEach((v, i) => expect(dist[i]).toBeCloseTo(v, 3));
        out.labels.dispose();
        out.distances.dispose();
      }
    });

    it('kmeansAssign: empty x, and shape/dtype errors name the argument', async () => {
      const out = kmeansAssign(at.zeros([0, 3]), at.ones([2, 3]));
      expect(out.labels.shape).toEqual([0]);
      expect(() => kmeansAssign(at.ones([4, 3]), at.ones([2, 2]))).toThrow(/centroids must be \[k, 3\]/);
      expect(() => kmeansAssign(at.ones([4]), at.ones([2, 1]))).toThrow(at.ShapeError);
      expect(() => kmeansAssign(at.ones([4, 2], { dtype: 'int32' }), at.ones([2, 2], { dtype: 'int32' }))).toThrow(
        /x must be a float tensor/,
      );
    });

    it('recovers planted clusters (ARI > 0.99), reports inertia and a high silhouette', async () => {
      const { x, truth } = planted(240, 4, 3, 11);
      const km = await new KMeans({ k: 4, seed: 3, nInit: 2 }).fit(x);
      expect(ari(km.labels, truth)).toBeGreaterThan(0.99);
      expect(km.centroids).toHaveLength(4);
      expect(km.converged).toBe(true);
      expect(km.inertia).toBeGreaterThan(0);
      expect(km.inertia).toBeCloseTo(await km.score(x), 2);
      const sil = at.metrics.silhouetteScore(x.flat(), 3, km.labels);
      expect(sil).toBeGreaterThan(0.7);
      expect(Array.from(await km.predict(x))).toEqual(Array.from(km.labels));
    });

    it('is deterministic per seed', async () => {
      const { x } = planted(120, 5, 2, 2, 1.5);
      const a = await new KMeans({ k: 5, seed: 7, init: 'random', nInit: 2 }).fit(x);
      const b = await new KMeans({ k: 5, seed: 7, init: 'random', nInit: 2 }).fit(x);
      expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
      expect(a.centroids).toEqual(b.centroids);
      expect(a.inertia).toBe(b.inertia);
    });
  });
}

describe('k-means across backends', () => {
  it('CPU and WebGPU fits agree (same labels, same centroids to f32 precision)', async () => {
    const backends = conformanceBackends().filter((b) => b === 'webgpu');
    if (backends.length === 0) return;
    await at.ready({ backend: 'webgpu' });
    const { x } = planted(200, 4, 3, 21, 0.8);
    const cpu = await new KMeans({ k: 4, seed: 1, backend: 'cpu' }).fit(x);
    const gpu = await new KMeans({ k: 4, seed: 1, backend: 'webgpu' }).fit(x);
    expect(Array.from(gpu.labels)).toEqual(Array.from(cpu.labels));
    cpu.centroids.flat().forEach((v, i) => expect(gpu.centroids.flat()[i]).toBeCloseTo(v, 4));
    expect(gpu.inertia).toBeCloseTo(cpu.inertia, 2);
  });
});

describe('KMeans options and errors', () => {
  it('validates options and inputs with clear errors', async () => {
    expect(() => new KMeans({ k: 0 })).toThrow(/k must be a positive integer; got 0/);
    expect(() => new KMeans({ k: 2, nInit: 0 })).toThrow(/nInit/);
    expect(() => new KMeans({ k: 2, init: 'kmeans' as never })).toThrow(/init must be/);
    expect(() => new KMeans({ k: 2, init: [[0, 0]] })).toThrow(/init must hold k = 2/);
    await expect(new KMeans({ k: 3 }).fit([[1], [2]])).rejects.toThrow(/fewer than k = 3/);
    await expect(
      new KMeans({ k: 1 }).fit([
        [1, 2],
        [Number.NaN, 0],
      ]),
    ).rejects.toThrow(/X\[1\]\[0\] must be a finite number/);
    await expect(new KMeans({ k: 1 }).fit([[1, 2], [3]])).rejects.toThrow(at.ShapeError);
    await expect(new KMeans({ k: 1 }).predict([[1]])).rejects.toThrow(/not fitted/);
    const km = await new KMeans({ k: 1 }).fit({ data: [1, 2, 3, 4], cols: 2 });
    expect(km.centroids).toEqual([[2, 3]]);
    await expect(km.predict([[1, 2, 3]])).rejects.toThrow(/3 columns but the model was fitted on 2/);
  });

  it('explicit init runs once from the given centroids; duplicates never leave a cluster empty', async () => {
    const x = [[0], [0], [0], [10], [10], [11]];
    const km = await new KMeans({ k: 2, init: [[0], [0]] }).fit(x);
    expect(km.runs).toHaveLength(1);
    expect(new Set(km.labels).size).toBe(2);
    expect(km.centroids.map((c) => c[0]).sort((a, b) => a! - b!)).toEqual([0, 31 / 3]);
  });

  it('segmentProfiles names RFM-like clusters and reports size, share, mean and median', async () => {
    // Two groups: recent frequent buyers and long-gone one-timers.
    const recency = [1, 2, 3, 2, 300, 280, 310, 290];
    const frequency = [20, 25, 18, 22, 1, 1, 2, 1];
    const monetary = [900, 1200, 800, 1000, 20, 15, 40, 25];
    const labels = [0, 0, 0, 0, 1, 1, 1, 1];
    const prof = segmentProfiles({ recency, frequency, monetary }, labels);
    // The better half has mean R and F quintile scores of 4 (not 5): "loyal customers".
    expect(prof.map((p) => p.name)).toEqual(['loyal customers', 'hibernating']);
    // Scores are by rank (quintiles of 8 rows): row 0 is R5 F4, row 2 R3 F3.
    const top = segmentProfiles({ recency, frequency }, [0, 1, 2, 1, 3, 3, 3, 3]);
    expect(top.map((p) => p.name)).toEqual(['champions', 'loyal customers', 'need attention', 'hibernating']);
    expect(prof[0]!.size).toBe(4);
    expect(prof[0]!.share).toBe(0.5);
    expect(prof[1]!.mean.recency).toBe(295);
    expect(prof[1]!.median.frequency).toBe(1);
    expect(segmentProfiles({ a: [1, 2, 3] }, [0, 0, 1]).map((p) => p.name)).toEqual(['segment 0', 'segment 1']);
    expect(() => segmentProfiles({ a: [1, 2] }, [0, 0, 1])).toThrow(/"a" has 2 rows but labels has 3/);
  });
});

describe('KMeans options from a file are checked without coercion', () => {
  it('a tol or init that is not a number or an array is a ValueError (was a TypeError; found by the config fuzzer)', () => {
    for (const o of [{ tol: { toString: 1 } }, { init: { toString: 1 } }, { init: { length: 2 } }])
      expect(() => new at.models.KMeans({ k: 2, ...(o as object) })).toThrow(at.ValueError);
  });
});
