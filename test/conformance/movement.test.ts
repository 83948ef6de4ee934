import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { backendOf, conformanceBackends, onBackend } from '../helpers/backends.js';
import { permuteRef, ravel, sizeOf, unravel } from '../helpers/reference.js';

const iota = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i);

for (const backend of conformanceBackends()) {
  describe(`movement and indexing conformance on ${backend}`, () => {
    onBackend(backend);

    it('permute matches the reference for random shapes and permutations', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((s) =>
            fc.tuple(
              fc.constant(s),
              fc.shuffledSubarray(
                s.map((_, i) => i),
                { minLength: s.length, maxLength: s.length },
              ),
            ),
          ),
          async ([shape, perm]) => {
            const x = iota(sizeOf(shape));
            const out = at.permute(at.tensor(x, { shape }), perm);
            expect(out.shape).toEqual(perm.map((p) => shape[p]));
            expect(Array.from(await out.data())).toEqual(permuteRef(x, shape, perm));
          },
        ),
        { numRuns: backend === 'cpu' ? 40 : 12 },
      );
    });

    it('reshape shares data, transpose swaps, squeeze/unsqueeze and expand', async () => {
      const t = at.tensor(iota(6), { shape: [2, 3] });
      expect(t.reshape([3, -1]).shape).toEqual([3, 2]);
      expect(Array.from(await t.transpose().data())).toEqual([0, 3, 1, 4, 2, 5]);
      expect(t.unsqueeze(1).shape).toEqual([2, 1, 3]);
      expect(t.unsqueeze(1).squeeze().shape).toEqual([2, 3]);
      const e = at.tensor([1, 2, 3]).expand([2, 3]);
      expect(Array.from(await e.data())).toEqual([1, 2, 3, 1, 2, 3]);
      expect(() => t.reshape([4, 2])).toThrow(/cannot reshape \[2,3\] \(6 elements\) to \[4,2\]/);
    });

    it('slice, pad and concat/stack/split agree with index arithmetic', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
            .chain((s) =>
              fc.tuple(
                fc.constant(s),
                fc.tuple(
                  ...s.map((d) =>
                    fc
                      .integer({ min: 0, max: d })
                      .chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: b, max: d }))),
                  ),
                ),
              ),
            ),
          async ([shape, ranges]) => {
            const x = iota(sizeOf(shape));
            const t = at.tensor(x, { shape });
            const begin = ranges.map((r) => r[0]);
            const end = ranges.map((r) => r[1]);
            const s = at.slice(t, begin, end);
            const outShape = ranges.map(([b, e]) => e - b);
            expect(s.shape).toEqual(outShape);
            const expected = Array.from(
              { length: sizeOf(outShape) },
              (_, i) =>
                x[
                  ravel(
                    unravel(i, outShape).map((v, k) => v + begin[k]!),
                    shape,
                  )
                ]!,
            );
            expect(Array.from(await s.data())).toEqual(expected);
            const padded = at.pad(
              s,
              ranges.map(([b, e], k) => [b, shape[k]! - e] as [number, number]),
              -1,
            );
            expect(padded.shape).toEqual(shape);
            const pv = await padded.data();
            for (let i = 0; i < x.length; i++) {
              const idx = unravel(i, shape);
              const inside = idx.every((v, k) => v >= begin[k]! && v < end[k]!);
              expect(pv[i]).toBe(inside ? x[i] : -1);
            }
          },
        ),
        { numRuns: backend === 'cpu' ? 40 : 12 },
      );
      const a = at.tensor([
        [1, 2],
        [3, 4],
      ]);
      const b = at.tensor([[5, 6]]);
      expect(Array.from(await at.concat([a, b], 0).data())).toEqual([1, 2, 3, 4, 5, 6]);
      expect(Array.from(await at.concat([a, at.tensor([[9], [9]])], 1).data())).toEqual([1, 2, 9, 3, 4, 9]);
      const st = at.stack([a, a], 1);
      expect(st.shape).toEqual([2, 2, 2]);
      expect(Array.from(await st.data())).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
      const parts = at.split(at.tensor(iota(5)), [2, 3]);
      expect(Array.from(await parts[1]!.data())).toEqual([2, 3, 4]);
      expect(() => at.concat([a, at.zeros([1, 3])], 0)).toThrow(/xs\[1\] has shape \[1,3\]/);
    });

    it('indexSelect, gather, scatterAdd with repeated indices, and oneHot', async () => {
      const table = at.tensor(iota(12), { shape: [4, 3] });
      const rows = at.indexSelect(table, 0, [3, 0, 3]);
      expect(Array.from(await rows.data())).toEqual([9, 10, 11, 0, 1, 2, 9, 10, 11]);
      const ids2d = at.tensor(
        [
          [1, 2],
          [0, 0],
        ],
        { dtype: 'int32' },
      );
      expect(at.indexSelect(table, 0, ids2d).shape).toEqual([2, 2, 3]);
      const cols = at.indexSelect(table, 1, [2, 2]);
      expect(Array.from(await cols.data())).toEqual([2, 2, 5, 5, 8, 8, 11, 11]);
      const g = at.gather(table, 1, at.tensor([[0], [2], [1], [0]], { dtype: 'int32' }));
      expect(Array.from(await g.data())).toEqual([0, 5, 7, 9]);
      const sa = at.scatterAdd(at.zeros([4, 3]), 0, [1, 1, 3], at.ones([3, 3]));
      expect(Array.from(await sa.data())).toEqual([0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1]);
      const oh = at.oneHot([2, 0], 3);
      expect(Array.from(await oh.data())).toEqual([0, 0, 1, 1, 0, 0]);
      expect(() => at.indexSelect(table, 0, [4])).toThrow(
        'indexSelect: index[0] = 4 is out of range for an axis of size 4',
      );
    });

    it('random streams are reproducible per seed and differ across seeds', async () => {
      const a = await at.rand([1000], { seed: 7 }).data();
      const b = await at.rand([1000], { seed: 7 }).data();
      const c = await at.rand([1000], { seed: 8 }).data();
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(a)).not.toEqual(Array.from(c));
      expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...a)).toBeLessThan(1);
      const n = Array.from(await at.randn([20000], { seed: 1 }).data());
      const mean = n.reduce((s, v) => s + v, 0) / n.length;
      const sd = Math.sqrt(n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length);
      expect(Math.abs(mean)).toBeLessThan(0.03);
      expect(Math.abs(sd - 1)).toBeLessThan(0.03);
      const ints = await at.randint(-3, 4, [5000], { seed: 2 }).data();
      expect(new Set(ints)).toEqual(new Set([-3, -2, -1, 0, 1, 2, 3]));
      expect(() => at.rand([2], { seed: Number.NaN })).toThrow(
        'rand: seed must be a non-negative safe integer; got NaN',
      );
    });
  });
}

describe('random streams agree across backends', () => {
  for (const backend of conformanceBackends()
    .filter((b) => backendOf(b) !== 'cpu')
    .map(backendOf)) {
    it(`${backend} gives the CPU stream for uniform, int and normal`, async () => {
      await at.ready({ backend });
      const u = await at.rand([999], { seed: 42 }).data();
      const i = await at.randint(0, 1000, [999], { seed: 42 }).data();
      const n = await at.randn([999], { seed: 42 }).data();
      const cu = await at.rand([999], { seed: 42, backend: 'cpu' }).data();
      const ci = await at.randint(0, 1000, [999], { seed: 42, backend: 'cpu' }).data();
      const cn = await at.randn([999], { seed: 42, backend: 'cpu' }).data();
      expect(Array.from(u)).toEqual(Array.from(cu));
      expect(Array.from(i)).toEqual(Array.from(ci));
      for (let k = 0; k < n.length; k++)
        expect(Math.abs(n[k]! - cn[k]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(cn[k]!)));
    });
  }
});
