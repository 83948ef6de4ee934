import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import type { CpuBackend, CpuHandle } from '../../src/backends/cpu/index.js';
import { ArrayPool, POOL_MIN_BYTES } from '../../src/backends/cpu/pool.js';
import { backendByName } from '../../src/backends/registry.js';
import * as at from '../../src/index.js';
import { scaledDotProductAttention } from '../../src/nn/functional.js';
import { onBackend } from '../helpers/backends.js';

/** The array behind a CPU tensor (what a pooled buffer is). */
const arrayOf = (t: at.Tensor) => (t.storage().handle as CpuHandle).data;
const cpu = () => backendByName('cpu') as CpuBackend;

/**
 * The CPU backend's pool of disposed output arrays (backends/cpu/pool.ts), on both kernel
 * paths: arrays are reused zero-filled with identical results, memory() counts live and pooled
 * bytes exactly, and an array visible outside the backend (toNdarray, fromNdarray) is never
 * handed to another tensor.
 */
for (const backend of ['cpu', 'cpu-ts'] as const) {
  describe(`CPU array pool (${backend})`, () => {
    onBackend(backend);

    it('hands a disposed output array to the next output of the same dtype and size', () => {
      const x = at.randn([64, 64], { seed: 1 });
      const y = x.add(1);
      const yArray = arrayOf(y);
      const before = cpu().memory();
      y.dispose();
      const after = cpu().memory();
      expect(after.pooledBuffers).toBe(before.pooledBuffers + 1);
      expect(after.pooledBytes).toBe(before.pooledBytes + 64 * 64 * 4);
      expect(after.bytes).toBe(before.bytes - 64 * 64 * 4);
      const z = x.mul(2);
      // The control for the hazard tests below: without an export, the array IS reused.
      expect(arrayOf(z)).toBe(yArray);
      expect(Array.from(z.dataSync())).toEqual(Array.from(x.dataSync(), (v) => Math.fround(v * 2)));
      expect(cpu().memory().pooledBuffers).toBe(before.pooledBuffers);
      // int32 outputs of the same byte size come from their own list.
      const c = x.gt(0);
      expect(arrayOf(c)).not.toBe(yArray);
      for (const t of [x, z, c]) t.dispose();
    });

    it('never reuses the array behind a toNdarray view, even after the tensor is disposed', () => {
      const x = at.randn([64, 64], { seed: 2 });
      const y = x.add(1);
      const view = at.toNdarray(y);
      const want = Array.from(view.data);
      y.dispose();
      // Same dtype and size as y: each would have taken y's array from the pool.
      const outs = [x.mul(0), x.sub(x), x.mul(-1)];
      for (const o of outs) expect(arrayOf(o)).not.toBe(view.data);
      expect(Array.from(view.data)).toEqual(want);
      for (const t of [x, ...outs]) t.dispose();
    });

    it('never reuses an array adopted from fromNdarray; the caller still owns it', () => {
      const data = Float32Array.from({ length: 32 * 32 }, (_, i) => i / 7);
      const want = Array.from(data);
      const t = at.fromNdarray(ndarray(data, [32, 32]));
      const pooled = cpu().memory().pooledBuffers;
      t.dispose();
      expect(cpu().memory().pooledBuffers).toBe(pooled);
      const x = at.ones([32, 32]);
      const outs = [x.mul(3), x.add(x)];
      for (const o of outs) expect(arrayOf(o)).not.toBe(data);
      expect(Array.from(data)).toEqual(want);
      for (const o of [x, ...outs]) o.dispose();
    });

    it('gives bit-identical results on reused arrays: attention and a dense layer, forward and backward, twice', () => {
      // The second step reuses the first step's arrays (pooledBuffers > 0 after the first);
      // a kernel that read an output before writing it would see the first step's values.
      const step = () =>
        at.scope(() => {
          const q = at.randn([2, 2, 40, 16], { seed: 3, requiresGrad: true });
          const k = at.randn([2, 2, 40, 16], { seed: 4, requiresGrad: true });
          const v = at.randn([2, 2, 40, 16], { seed: 5, requiresGrad: true });
          const w = at.randn([16, 24], { seed: 6, requiresGrad: true });
          const o = scaledDotProductAttention(q, k, v, { causal: true });
          o.matmul(w).relu().square().mean().backward();
          return [q, k, v, w].map((t) => Array.from(t.grad!.dataSync()));
        });
      const first = step();
      const pooled = cpu().memory().pooledBuffers;
      expect(pooled).toBeGreaterThan(0);
      const second = step();
      expect(second).toEqual(first);
    });
  });
}

describe('ArrayPool', () => {
  it('keeps arrays of at least POOL_MIN_BYTES and returns them zero-filled', () => {
    const pool = new ArrayPool(3 * 4096);
    expect(pool.release('float32', new Float32Array(POOL_MIN_BYTES / 4 - 1))).toBe(false);
    // A view into a bigger buffer is someone else's memory.
    expect(pool.release('float32', new Float32Array(2048).subarray(1024))).toBe(false);
    const a = new Float32Array(1024).fill(7);
    expect(pool.release('float32', a)).toBe(true);
    expect([pool.pooledBuffers, pool.pooledBytes]).toEqual([1, 4096]);
    expect(pool.acquire('int32', 1024)).not.toBe(a);
    expect(pool.acquire('float32', 1023)).not.toBe(a);
    expect(pool.acquire('float32', 1024)).toBe(a);
    expect(a.every((x) => x === 0)).toBe(true);
    expect([pool.pooledBuffers, pool.pooledBytes]).toEqual([0, 0]);
    expect(pool.acquire('float32', 1024)).not.toBe(a);
  });

  it('when full, drops the arrays released longest ago; refuses one larger than the limit', () => {
    const pool = new ArrayPool(3 * 4096);
    const arrays = [1, 2, 3, 4].map(() => new Float32Array(1024));
    const big = new Float64Array(1024);
    for (const x of arrays.slice(0, 3)) expect(pool.release('float32', x)).toBe(true);
    // The fourth makes room by dropping the first; an 8 KiB array drops the next two.
    expect(pool.release('float32', arrays[3]!)).toBe(true);
    expect([pool.pooledBuffers, pool.pooledBytes]).toEqual([3, 3 * 4096]);
    expect(pool.release('float64', big)).toBe(true);
    expect([pool.pooledBuffers, pool.pooledBytes]).toEqual([2, 3 * 4096]);
    expect(pool.release('float32', new Float32Array(4 * 1024))).toBe(false);
    const kept = [pool.acquire('float32', 1024), pool.acquire('float32', 1024), pool.acquire('float64', 1024)];
    expect(kept).toEqual([arrays[3], expect.any(Float32Array), big]);
    expect(kept[1]).not.toBe(arrays[0]);
    expect(kept[1]).not.toBe(arrays[1]);
    expect(kept[1]).not.toBe(arrays[2]);
    pool.release('float32', arrays[0]!);
    pool.clear();
    expect([pool.pooledBuffers, pool.pooledBytes]).toEqual([0, 0]);
    expect(pool.acquire('float32', 1024)).not.toBe(arrays[0]);
  });
});
