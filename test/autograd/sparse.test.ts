import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { coalesceRows } from '../../src/autograd/sparse.js';

describe('sparse embedding gradients', () => {
  it('holds only the rows used, and equals the dense gradient', async () => {
    const w = at.randn([50, 4], { seed: 3, requiresGrad: true });
    const ids = [
      [3, 7],
      [3, 49],
    ];
    const out = at.embedding(w, ids.flat(), { sparse: true }).reshape([2, 2, 4]);
    out
      .mul(at.arange(16, undefined, 1, { dtype: 'float32' }).reshape([2, 2, 4]))
      .sum()
      .backward();
    expect(w.grad).toBeNull();
    const sg = w.sparseGrad!;
    expect(Array.from(sg.indices)).toEqual([3, 7, 3, 49]);
    expect(sg.values.shape).toEqual([4, 4]);
    const { rows, values } = coalesceRows(sg);
    expect(Array.from(rows)).toEqual([3, 7, 49]);
    expect(Array.from(await values.data())).toEqual([0 + 8, 1 + 9, 2 + 10, 3 + 11, 4, 5, 6, 7, 12, 13, 14, 15]);

    const wd = w.detach();
    wd.requiresGrad = true;
    at.embedding(wd, ids.flat())
      .reshape([2, 2, 4])
      .mul(at.arange(16, undefined, 1, { dtype: 'float32' }).reshape([2, 2, 4]))
      .sum()
      .backward();
    const dense = await wd.grad!.data();
    const fromSparse = await sg.toDense().data();
    expect(Array.from(fromSparse)).toEqual(Array.from(dense));
  });

  it('merges repeated backward calls and densifies when the table is not a leaf', async () => {
    const w = at.ones([5, 2], { requiresGrad: true });
    at.embedding(w, [1], { sparse: true }).sum().backward();
    at.embedding(w, [1, 4], { sparse: true }).sum().backward();
    expect(Array.from(w.sparseGrad!.indices)).toEqual([1, 1, 4]);
    const scaled = w.mul(2);
    const base = at.ones([5, 2], { requiresGrad: true });
    at.embedding(base.mul(2), [0], { sparse: true }).sum().backward();
    expect(Array.from(await base.grad!.data())).toEqual([2, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(scaled.shape).toEqual([5, 2]);
  });
});
