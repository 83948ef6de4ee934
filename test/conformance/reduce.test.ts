import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { conformanceBackends, onBackend, tol } from '../helpers/backends.js';
import { expectClose, reduceRef, sizeOf } from '../helpers/reference.js';

const shapeAndAxes = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
  fc.tuple(
    fc.constant(shape),
    fc.subarray(
      shape.map((_, i) => i),
      { minLength: 1 },
    ),
    fc.boolean(),
  ),
);

const lse = (v: number[]): number => {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0));
};

const REDUCTIONS: [string, (v: number[]) => number][] = [
  ['sum', (v) => v.reduce((a, b) => a + b, 0)],
  ['mean', (v) => v.reduce((a, b) => a + b, 0) / v.length],
  ['max', (v) => Math.max(...v)],
  ['min', (v) => Math.min(...v)],
  ['logsumexp', lse],
  ['prod', (v) => v.reduce((a, b) => a * b, 1)],
];

function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(i * 12.9898 + seed * 78.233) * 1.5);
  return out;
}

for (const backend of conformanceBackends()) {
  describe(`reduction conformance on ${backend}`, () => {
    onBackend(backend);
    const { rtol, atol } = tol(backend);

    for (const [name, f] of REDUCTIONS) {
      it(`${name} over any axes, with and without keepDims`, async () => {
        await fc.assert(
          fc.asyncProperty(shapeAndAxes, async ([shape, axes, keepDims]) => {
            const x = data(sizeOf(shape), axes.length);
            const t = at.tensor(x, { shape });
            const out = (at as unknown as Record<string, (t: at.Tensor, a: number[], k: boolean) => at.Tensor>)[name]!(
              t,
              axes,
              keepDims,
            );
            const ref = reduceRef(x, shape, [...axes].sort(), f, keepDims);
            expect(out.shape).toEqual(ref.shape);
            expectClose(
              await out.data(),
              ref.values,
              { rtol: rtol * 10, atol: atol * 10 },
              `${name} ${JSON.stringify(shape)} axes ${axes}`,
            );
            t.dispose();
            out.dispose();
          }),
          { numRuns: backend === 'cpu' ? 40 : 12 },
        );
      });
    }

    // Leading axes take the ones-row matmul path (a bias's gradient), past the matmul tiles.
    it('sum over leading axes matches the reference at [37, 5, 130]', async () => {
      const shape = [37, 5, 130];
      const x = data(sizeOf(shape), 9);
      const t = at.tensor(x, { shape });
      for (const [axes, keepDims] of [
        [[0], false],
        [[0, 1], false],
        [[0, 1], true],
      ] as const) {
        const ref = reduceRef(x, shape, [...axes], REDUCTIONS[0]![1], keepDims);
        const out = at.sum(t, [...axes], keepDims);
        expect(out.shape).toEqual(ref.shape);
        expectClose(await out.data(), ref.values, { rtol: rtol * 10, atol: atol * 10 }, `sum axes ${axes}`);
        out.dispose();
      }
      t.dispose();
    });

    it('var matches the two-pass formula, biased and unbiased', async () => {
      const x = data(24, 3);
      const t = at.tensor(x, { shape: [4, 6] });
      const v0 = reduceRef(x, [4, 6], [1], (v) => {
        const m = v.reduce((a, b) => a + b, 0) / v.length;
        return v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
      });
      expectClose(await t.var(1).data(), v0.values, { rtol: 1e-4, atol: 1e-6 }, 'var');
      expectClose(
        await at.variance(t, 1, false, 1).data(),
        v0.values.map((v) => (v * 6) / 5),
        { rtol: 1e-4, atol: 1e-6 },
        'unbiased var',
      );
    });

    it('argmax and argmin return the first extreme as int32', async () => {
      const t = at.tensor([
        [1, 5, 5, 0],
        [7, 7, -1, -1],
      ]);
      const am = t.argmax(1);
      expect(am.dtype).toBe('int32');
      expect(Array.from(await am.data())).toEqual([1, 0]);
      expect(Array.from(await t.argmin(1).data())).toEqual([3, 2]);
      expect(Array.from(await t.argmax(0).data())).toEqual([1, 1, 0, 0]);
      expect(Array.from(await t.argmax().data())).toEqual([4]);
      expect(t.argmax(1, true).shape).toEqual([2, 1]);
    });

    it('reduces int32 without converting it, and mean of int32 is float32', async () => {
      const t = at.tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'int32' },
      );
      const s = t.sum(0);
      expect(s.dtype).toBe('int32');
      expect(Array.from(await s.data())).toEqual([4, 6]);
      const m = t.mean();
      expect(m.dtype).toBe('float32');
      expect(await m.item()).toBeCloseTo(2.5);
      expect(Array.from(await t.max(1).data())).toEqual([2, 4]);
    });

    it('softmax and logSoftmax along any axis', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 })
            .chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }))),
          async ([shape, axis]) => {
            const x = data(sizeOf(shape), 7).map((v) => v * 10);
            const t = at.tensor(x, { shape });
            const ls = reduceRef(x, shape, [axis], lse, true);
            const expectedLog = Array.from(x, (v, i) => {
              const idx = shape.map((d, k) => Math.floor(i / shape.slice(k + 1).reduce((a, b) => a * b, 1)) % d);
              idx[axis] = 0;
              const flat = idx.reduce((a, v2, k) => a * ls.shape[k]! + v2, 0);
              return v - ls.values[flat]!;
            });
            expectClose(await t.logSoftmax(axis).data(), expectedLog, { rtol: 1e-4, atol: 1e-5 }, 'logSoftmax');
            expectClose(await t.softmax(axis).data(), expectedLog.map(Math.exp), { rtol: 1e-4, atol: 1e-6 }, 'softmax');
          },
        ),
        { numRuns: backend === 'cpu' ? 30 : 10 },
      );
    });

    it('softmax of a row of -Infinity but one is exact and never NaN', async () => {
      const t = at.tensor([
        [0, -Infinity, -Infinity],
        [1000, 1000, -1000],
      ]);
      const y = await t.softmax(1).data();
      expectClose(y, [1, 0, 0, 0.5, 0.5, 0], { rtol: 1e-6, atol: 1e-7 }, 'softmax');
    });
  });
}
