import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

describe('autograd tape', () => {
  it('fills .grad on leaves only, and accumulates across backward calls', async () => {
    const x = at.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    expect(Array.from(await x.grad!.data())).toEqual([2, 4, 6]);
    x.mul(3).sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([5, 7, 9]);
  });

  it('sums the gradients of a tensor used on several paths', async () => {
    const x = at.tensor([2], { requiresGrad: true });
    const a = x.mul(x);
    const b = a.add(x).mul(a); // (x² + x)·x²  → d/dx = 4x³ + 3x² = 44 at x = 2
    b.sum().backward();
    expect(await x.grad!.item()).toBeCloseTo(44);
  });

  it('detach and noGrad cut the graph', async () => {
    const x = at.tensor([1, 2], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    const y = at.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(at.isGradEnabled()).toBe(true);
    const z = x.mul(d).sum();
    z.backward();
    expect(Array.from(await x.grad!.data())).toEqual([1, 2]);
  });

  it('refuses a second backward through a freed graph, and non-scalar outputs without a grad', () => {
    const x = at.tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/already freed.*retainGraph/);
    const v = x.mul(2);
    expect(() => v.backward()).toThrow(
      'backward: output has shape [2]; pass a gradient of that shape for non-scalar outputs',
    );
    v.backward(at.tensor([1, 1]));
    const z = at.tensor([1]);
    expect(() => z.backward()).toThrow(/does not require grad/);
  });

  it('retainGraph allows a second backward', async () => {
    const x = at.tensor([3], { requiresGrad: true });
    const y = x.square().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(await x.grad!.item()).toBe(12);
  });

  it('int32 tensors cannot require grad', () => {
    expect(() => at.tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(/only float tensors can require grad/);
  });

  it('a disposed input needed by backward gives a clear error', () => {
    const x = at.tensor([1, 2], { requiresGrad: true });
    const h = x.exp();
    const y = h.mul(x).sum();
    h.dispose();
    expect(() => y.backward()).toThrow(/was disposed/);
  });
});
