import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { ialsCgKernel } from '../../src/backends/cpu/ials.js';
import { Rng } from '../../src/core/random.js';
import { Interactions } from '../../src/data/interactions.js';
import { choleskySolve, gram } from '../../src/models/als-solve.js';
import { ImplicitALS } from '../../src/models/index.js';
import { backendOf, conformanceBackends, onBackend } from '../helpers/backends.js';

// A random implicit-ALS half-sweep: X [numX, k], Y [numY, k], 6 entries per row with c ≥ 1.
function problem(numX: number, numY: number, k: number, seed: number) {
  const rng = new Rng(seed);
  const X = Float32Array.from({ length: numX * k }, () => rng.float() - 0.5);
  const Y = Float32Array.from({ length: numY * k }, () => rng.float() - 0.5);
  const offsets = Int32Array.from({ length: numX + 1 }, (_, u) => 6 * u);
  const cols = Int32Array.from({ length: 6 * numX }, (_, j) => (j * 7 + Math.floor(j / 6) * 3) % numY);
  const conf = Float32Array.from({ length: 6 * numX }, () => 1 + 10 * rng.float());
  const G = gram(Y, k);
  for (let a = 0; a < k; a++) G[a * k + a]! += 0.1;
  return { X, Y, G, m: { offsets, cols, conf } };
}

/** The exact solution of row u's system (Cholesky), for a CG that is given k steps. */
function exact(p: ReturnType<typeof problem>, u: number, k: number): Float64Array {
  const A = Float64Array.from(p.G);
  const b = new Float64Array(k);
  for (let j = p.m.offsets[u]!; j < p.m.offsets[u + 1]!; j++) {
    const y = p.Y.subarray(p.m.cols[j]! * k, (p.m.cols[j]! + 1) * k);
    const c = p.m.conf[j]!;
    for (let a = 0; a < k; a++) {
      b[a]! += c * y[a]!;
      for (let d = 0; d < k; d++) A[a * k + d]! += (c - 1) * y[a]! * y[d]!;
    }
  }
  return choleskySolve(A, b, k);
}

for (const name of conformanceBackends()) {
  describe(`ialsCgStep on ${name}`, () => {
    onBackend(name);
    const backend = backendOf(name);

    function run(p: ReturnType<typeof problem>, rows: Int32Array, k: number, steps: number) {
      const X = at.tensor(p.X, { shape: [p.X.length / k, k], backend });
      const t = (a: Float32Array | Int32Array) => at.tensor(a, { backend });
      const G = at.tensor(Float32Array.from(p.G), { shape: [k, k], backend });
      at.ialsCgStep(
        X,
        at.tensor(p.Y, { shape: [p.Y.length / k, k], backend }),
        G,
        { offsets: t(p.m.offsets), cols: t(p.m.cols), conf: t(p.m.conf) },
        t(rows),
        steps,
      );
      return X.data() as Promise<Float32Array>;
    }

    it('matches the float64 CPU twin on the listed rows and leaves the others alone', async () => {
      const k = 16;
      const p = problem(150, 40, k, 3);
      const rows = Int32Array.from({ length: 75 }, (_, i) => 2 * i + 1);
      const got = await run(p, rows, k, 3);
      const want = p.X.slice();
      ialsCgKernel(want, p.Y, p.G, p.m, rows, k, 3);
      for (let u = 0; u < 150; u++)
        for (let f = 0; f < k; f++) {
          const g = got[u * k + f]!;
          const w = want[u * k + f]!;
          if (u % 2 === 0)
            expect(g).toBe(p.X[u * k + f]); // not listed: untouched, bit for bit
          else expect(Math.abs(g - w), `row ${u} col ${f}`).toBeLessThan(2e-3 * (1 + Math.abs(w)));
        }
    });

    it('with k steps, CG reaches the exact solution of each row (planted: the Cholesky solve)', async () => {
      const k = 8;
      const p = problem(64, 30, k, 5);
      const rows = Int32Array.from({ length: 64 }, (_, u) => u);
      const got = await run(p, rows, k, 2 * k);
      for (const u of [0, 17, 63]) {
        const x = exact(p, u, k);
        for (let f = 0; f < k; f++) expect(got[u * k + f]!).toBeCloseTo(x[f]!, 3);
      }
    });

    it('names bad shapes, steps and (where readable) indices', () => {
      const X = at.zeros([3, 2], { backend });
      const Y = at.zeros([4, 2], { backend });
      const G = at.eye(2, 2, { backend });
      const e = {
        offsets: at.tensor(Int32Array.of(0, 1, 1, 2), { backend }),
        cols: at.tensor(Int32Array.of(0, 3), { backend }),
        conf: at.tensor(Float32Array.of(2, 2), { backend }),
      };
      const rows = at.tensor(Int32Array.of(0, 2), { backend });
      expect(() => at.ialsCgStep(X, at.zeros([4, 3], { backend }), G, e, rows, 1)).toThrow(/X and Y must be/);
      expect(() => at.ialsCgStep(X, Y, at.eye(3, 3, { backend }), e, rows, 1)).toThrow(/gram must have shape \[2,2\]/);
      expect(() => at.ialsCgStep(X, Y, G, e, rows, 0)).toThrow(/steps must be a positive integer/);
      if (backend === 'cpu') {
        expect(() => at.ialsCgStep(X, Y, G, e, at.tensor(Int32Array.of(3), { backend }), 1)).toThrow(/rows\[0\] = 3/);
        const bad = { ...e, offsets: at.tensor(Int32Array.of(0, 2, 1, 2), { backend }) };
        expect(() => at.ialsCgStep(X, Y, G, bad, rows, 1)).toThrow(/offsets must rise/);
      }
    });
  });
}

/** Users in 3 clusters over 45 items (item i in cluster i % 3). */
function clusters(): Interactions {
  const rng = new Rng(9);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < 90; u++)
    for (const i of new Set(Array.from({ length: 8 }, () => (u % 3) + 3 * rng.int(15)))) {
      users.push(u);
      items.push(i);
    }
  return Interactions.fromArrays({ users, items });
}

const modelBackends = conformanceBackends().filter((b) => b === 'webgpu');
describe.each(modelBackends)('ImplicitALS with backend %s', (name) => {
  onBackend(name);
  it('fits like the host path: same factors within f32 error, recommendations inside the cluster', async () => {
    const data = clusters();
    const host = await new ImplicitALS({ factors: 8, epochs: 6, seed: 1 }).fit(data);
    const gpu = await new ImplicitALS({ factors: 8, epochs: 6, seed: 1, backend: 'webgpu' }).fit(data);
    const a = host.factors().itemFactors;
    const b = gpu.factors().itemFactors;
    let diff = 0;
    let norm = 0;
    for (let j = 0; j < a.length; j++) {
      diff += (a[j]! - b[j]!) ** 2;
      norm += a[j]! ** 2;
    }
    expect(Math.sqrt(diff / norm)).toBeLessThan(1e-2);
    for (const u of [0, 1, 2, 40]) {
      const recs = await gpu.recommend(u, { k: 5 });
      expect(recs.every((r) => Number(r.item) % 3 === u % 3)).toBe(true);
    }
    gpu.dispose();
  });
});
