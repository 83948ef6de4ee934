import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendByName } from '../../src/backends/registry.js';
import type { WebGPUBackend } from '../../src/backends/webgpu/index.js';
import * as at from '../../src/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

// Values drawn from a small set so that ties, NaN, ±Infinity and ±0 all occur in most rows.
const POOL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1, 1, 2, -1, 2.5, -3.25, 1e30];

/** The reference order, written independently of the kernels: a full sort by the documented rule. */
function reference(row: number[], k: number): number[] {
  const rank = (v: number): [number, number] => (Number.isNaN(v) ? [1, 0] : [0, v]);
  const order = row.map((_, j) => j);
  order.sort((a, b) => {
    const [na, va] = rank(row[a]!);
    const [nb, vb] = rank(row[b]!);
    if (na !== nb) return nb - na;
    if (va !== vb) return vb - va; // -0 === 0, so ±0 tie and fall to the index
    return a - b;
  });
  return order.slice(0, k);
}

async function check(x: number[], shape: number[], k: number, label: string): Promise<void> {
  const n = shape.at(-1)!;
  const out = at.topK(at.tensor(Float32Array.from(x), { shape }), k);
  expect(out.values.shape, label).toEqual([...shape.slice(0, -1), k]);
  expect(out.indices.dtype).toBe('int32');
  const idx = Array.from(await out.indices.data());
  const val = Array.from(await out.values.data());
  const rows = x.length / n;
  for (let r = 0; r < rows; r++) {
    const row = Array.from(Float32Array.from(x.slice(r * n, (r + 1) * n)));
    const want = reference(row, k);
    expect(idx.slice(r * k, (r + 1) * k), `${label} row ${r} indices`).toEqual(want);
    // Values are the entries themselves, bit for bit (Object.is tells -0 from 0 and matches NaN).
    for (let j = 0; j < k; j++)
      expect(Object.is(val[r * k + j], row[want[j]!]), `${label} row ${r} value ${j}`).toBe(true);
  }
  out.values.dispose();
  out.indices.dispose();
}

const cases = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 90 }))
  .chain(([rows, n]) =>
    fc.tuple(
      fc.constant([rows, n]),
      fc.array(fc.constantFrom(...POOL), { minLength: rows * n, maxLength: rows * n }),
      fc.integer({ min: 0, max: n }),
    ),
  );

function suite(backend: string): void {
  it('equals a full sort by the documented order: NaN first, ±0 equal, ties to the lower index', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ([shape, x, k]) => check(x, [...shape], k, `[${shape}] k=${k}`)),
      { numRuns: 60, seed: 14 },
    );
  });

  it('k above one pass (64 per dispatch on webgpu): the passes continue one order across ties', async () => {
    // 3 rows of 300 entries on 8 levels: every pass boundary falls inside a run of ties.
    const x = Array.from({ length: 900 }, (_, i) => ((i * 37) % 8) - (i % 50 === 0 ? Number.NaN : 0));
    await check(x, [3, 300], 200, 'k=200');
    await check(x, [3, 300], 300, 'k=n');
    await check(x, [3, 300], 64, 'k=64');
    await check(x, [3, 300], 65, 'k=65');
  });

  it('top-1 is argmax (NaN wins, first of equal maxima); higher rank selects along the last axis', async () => {
    const x = [1, 4, 4, 2, Number.NaN, 3, Number.NaN, 0, -1, -1, -2, -1];
    const t = at.tensor(x, { shape: [3, 4] });
    const one = at.topK(t, 1);
    expect(Array.from(await one.indices.data())).toEqual(Array.from(await at.argmax(t, 1).data()));
    await check(x, [3, 1, 4], 3, 'rank 3');
    await check(x, [12], 5, 'rank 1');
  });

  it('k = 0 and empty batches give empty results; no gradient is recorded', async () => {
    const z = at.topK(at.ones([3, 4]), 0);
    expect(z.values.shape).toEqual([3, 0]);
    expect(z.indices.shape).toEqual([3, 0]);
    const e = at.topK(at.zeros([0, 5]), 2);
    expect(e.indices.shape).toEqual([0, 2]);
    const w = at.tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3], requiresGrad: true });
    expect(at.topK(w, 2).values.requiresGrad).toBe(false);
  });

  it('bad arguments get errors that name them', () => {
    const x = at.ones([2, 3]);
    expect(() => at.topK(x, 4)).toThrow(/k must be an integer in \[0, 3\].*got 4/);
    expect(() => at.topK(x, -1)).toThrow(at.ValueError);
    expect(() => at.topK(x, 1.5)).toThrow(at.ValueError);
    expect(() => at.topK(at.ones([2, 3], { dtype: 'int32' }), 1)).toThrow(at.DTypeError);
    expect(() => at.topK(at.tensor(1), 1)).toThrow(at.ShapeError);
  });

  if (backend === 'webgpu') {
    // The adapter picks the layout (one invocation per row on software adapters, a workgroup per
    // row on GPUs); pin the other one so both WGSL entry points are checked on this adapter.
    describe('with the other kernel layout pinned', () => {
      const gpu = () => backendByName('webgpu') as WebGPUBackend;
      beforeAll(() => {
        gpu().layout = gpu().softwareAdapter ? 'hardware' : 'software';
      });
      afterAll(() => {
        gpu().layout = 'auto';
      });
      it('equals the reference, one pass and several', async () => {
        await fc.assert(
          fc.asyncProperty(cases, async ([shape, x, k]) => check(x, [...shape], k, `[${shape}] k=${k}`)),
          { numRuns: 30, seed: 15 },
        );
        const x = Array.from({ length: 900 }, (_, i) => ((i * 37) % 8) - (i % 50 === 0 ? Number.NaN : 0));
        await check(x, [3, 300], 150, 'k=150');
        // More columns than invocations per workgroup, and a row shorter than the workgroup.
        await check(x.slice(0, 600), [1, 600], 70, 'one long row');
        await check(x.slice(0, 20), [2, 10], 10, 'short rows');
      });
    });
  }
}

for (const backend of conformanceBackends()) {
  describe(`topK conformance on ${backend}`, () => {
    onBackend(backend);
    suite(backend);
  });
}
