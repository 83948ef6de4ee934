import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

describe('tensor creation', () => {
  it('infers shape and dtype from nested arrays and typed arrays', async () => {
    const t = at.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(await t.array()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(at.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(at.tensor(new Float64Array(6), { shape: [3, 2] }).dtype).toBe('float64');
    const scalar = at.tensor(3.5);
    expect(scalar.shape).toEqual([]);
    expect(await scalar.item()).toBe(3.5);
    expect(Array.from(await at.tensor([1.9, -1.9], { dtype: 'int32' }).data())).toEqual([1, -1]);
  });

  it('copies typed-array input so later writes do not leak in', async () => {
    const src = new Float32Array([1, 2]);
    const t = at.tensor(src);
    src[0] = 100;
    expect(Array.from(await t.data())).toEqual([1, 2]);
  });

  it('zeros, ones, full, arange, eye, zerosLike', async () => {
    expect(Array.from(await at.zeros([2, 2]).data())).toEqual([0, 0, 0, 0]);
    expect(Array.from(await at.ones([3], { dtype: 'int32' }).data())).toEqual([1, 1, 1]);
    expect(Array.from(await at.full([2], 7).data())).toEqual([7, 7]);
    const r = at.arange(5);
    expect(r.dtype).toBe('int32');
    expect(Array.from(await r.data())).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(await at.arange(1, 2, 0.25).data())).toEqual([1, 1.25, 1.5, 1.75]);
    expect(Array.from(await at.arange(3, 0, -1).data())).toEqual([3, 2, 1]);
    expect(Array.from(await at.eye(2, 3).data())).toEqual([1, 0, 0, 0, 1, 0]);
    const like = at.zerosLike(at.ones([2], { dtype: 'int32' }));
    expect(like.dtype).toBe('int32');
    expect(at.zeros([0, 3]).size).toBe(0);
  });

  it('the global stream advances, and manualSeed resets it', async () => {
    at.manualSeed(5);
    const a = Array.from(await at.rand([8]).data());
    const b = Array.from(await at.rand([8]).data());
    expect(a).not.toEqual(b);
    at.manualSeed(5);
    expect(Array.from(await at.rand([8]).data())).toEqual(a);
    expect(Array.from(await at.rand([8]).data())).toEqual(b);
  });
});
