import { describe, expect, it } from 'vitest';
import * as at from '../src/index.js';

describe('memory', () => {
  it('scope disposes what it created except what it returns', () => {
    const before = at.memory().tensors;
    const kept = at.scope(() => {
      const a = at.ones([10]);
      const b = a.mul(2);
      return { b, list: [b.add(1)] };
    });
    expect(at.memory().tensors).toBe(before + 2);
    expect(kept.b.isDisposed).toBe(false);
    kept.b.dispose();
    kept.list[0]!.dispose();
    expect(at.memory().tensors).toBe(before);
  });

  it('async scopes close when the promise settles, and on errors', async () => {
    const before = at.memory().tensors;
    const r = await at.scope(async () => {
      const a = at.ones([4]);
      await new Promise((res) => setTimeout(res, 1));
      return a.sum();
    });
    expect(await r.item()).toBe(4);
    r.dispose();
    expect(at.memory().tensors).toBe(before);
    expect(() =>
      at.scope(() => {
        at.ones([3]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(at.memory().tensors).toBe(before);
  });

  it('keep exempts tensors, dispose is idempotent, using a disposed tensor is an error', () => {
    let k: at.Tensor | undefined;
    at.scope(() => {
      k = at.keep(at.zeros([2]));
    });
    expect(k!.isDisposed).toBe(false);
    k!.dispose();
    k!.dispose();
    expect(() => k!.add(1)).toThrow(/add: a \(tensor #\d+, shape \[2\]\) was disposed/);
    {
      using t = at.ones([1]);
      expect(t.isDisposed).toBe(false);
    }
  });

  it('reports bytes per backend, and views share storage', () => {
    const cpuBefore = at.memory().backends.cpu!;
    const t = at.zeros([256]);
    const v = t.reshape([16, 16]);
    const mid = at.memory().backends.cpu!;
    expect(mid.bytes - cpuBefore.bytes).toBe(1024);
    expect(mid.tensors - cpuBefore.tensors).toBe(2);
    t.dispose();
    expect(at.memory().backends.cpu!.bytes - cpuBefore.bytes).toBe(1024);
    v.dispose();
    expect(at.memory().backends.cpu!.bytes).toBe(cpuBefore.bytes);
  });

  it('a training loop inside scope keeps live tensors flat', () => {
    const w = at.randn([8, 1], { seed: 1, requiresGrad: true });
    const x = at.randn([32, 8], { seed: 2 });
    const y = at.randn([32, 1], { seed: 3 });
    const step = (): void =>
      at.scope(() => {
        const loss = x.matmul(w).sub(y).square().mean();
        loss.backward();
        at.noGrad(() => w.assign(w.sub(w.grad!.mul(0.1))));
        w.grad!.dispose();
        w.grad = null;
      });
    for (let i = 0; i < 5; i++) step();
    const live = at.memory().tensors;
    for (let i = 0; i < 50; i++) step();
    expect(at.memory().tensors).toBe(live);
  });
});

describe('memory accounting across backends', () => {
  it('assign moves the per-backend tensor count with the data', async () => {
    await at.ready({ backend: 'gpujs' });
    const t = at.zeros([4], { backend: 'cpu' });
    const before = at.memory().backends;
    t.assign(at.ones([4], { backend: 'gpujs' }));
    const after = at.memory().backends;
    expect(after.cpu!.tensors).toBe(before.cpu!.tensors - 1);
    expect(after.gpujs!.tensors).toBe(before.gpujs!.tensors + 1);
    expect(t.backend).toBe('gpujs');
    expect(Array.from(await t.data())).toEqual([1, 1, 1, 1]);
    t.dispose();
    expect(at.memory().backends.gpujs!.tensors).toBe(before.gpujs!.tensors);
    await at.setBackend('cpu');
  });
});
