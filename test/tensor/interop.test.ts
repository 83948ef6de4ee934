import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

describe('ndarray interop', () => {
  it('shares a row-major Float32Array ndarray without copying, and back', async () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const nd = ndarray(data, [2, 3]);
    const t = at.fromNdarray(nd);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    const back = at.toNdarray(t);
    expect(back.data.buffer).toBe(data.buffer);
    expect(back.get(1, 2)).toBe(6);
    expect(Array.from(await t.sum(1).data())).toEqual([6, 15]);
  });

  it('copies a transposed or strided view element by element', () => {
    const nd = ndarray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]).transpose(1, 0);
    const t = at.fromNdarray(nd);
    expect(t.shape).toEqual([3, 2]);
    expect(t.dtype).toBe('float64');
    expect(Array.from(t.dataSync())).toEqual([1, 4, 2, 5, 3, 6]);
    const stepped = ndarray(new Int32Array([0, 1, 2, 3, 4, 5]), [6]).step(2);
    expect(Array.from(at.fromNdarray(stepped).dataSync())).toEqual([0, 2, 4]);
  });

  it('an offset view of a typed array is still shared', () => {
    const data = new Int32Array([9, 9, 1, 2, 3, 4]);
    const t = at.fromNdarray(ndarray(data, [2, 2], [2, 1], 2));
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4]);
    expect(at.toNdarray(t).data.buffer).toBe(data.buffer);
  });

  it('toNdarray refuses tensors that are not on the CPU backend', async () => {
    await at.ready({ backend: 'gpujs' });
    const g = at.ones([2]);
    expect(() => at.toNdarray(g)).toThrow("toNdarray: tensor is on gpujs; move it first with await t.to('cpu')");
    await at.setBackend('cpu');
  });
});
