import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { backendOf, conformanceBackends, onBackend, tol } from '../helpers/backends.js';

const { nn } = at;
const F = nn.functional;

function close(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > atol + rtol * Math.abs(b[i]!)) throw new Error(`index ${i}: ${a[i]} vs ${b[i]}`);
  }
}

describe('init', () => {
  it('is seeded and has PyTorch bounds', async () => {
    const a = nn.init.xavierUniform([30, 20], { seed: 5 });
    const b = nn.init.xavierUniform([30, 20], { seed: 5 });
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    const bound = Math.sqrt(6 / 50);
    expect(Math.max(...(await a.data()).map(Math.abs))).toBeLessThanOrEqual(bound);
    const k = nn.init.kaimingNormal([400, 100], { seed: 1, nonlinearity: 'relu' });
    const v = await k.data();
    const std = Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0) / v.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 100), 2);
    const z = nn.init.zeros([3]);
    expect(Array.from(await z.data())).toEqual([0, 0, 0]);
  });

  it('orthogonal gives Q with QᵀQ = I (tall and wide), in place on a tensor', async () => {
    for (const [r, c] of [
      [6, 4],
      [3, 7],
    ] as const) {
      const t = at.zeros([r, c]);
      const same = nn.init.orthogonal(t, { seed: 2, gain: 1 });
      expect(same).toBe(t);
      const q = t.dataSync();
      const n = Math.min(r, c);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < Math.max(r, c); k++)
            s += r >= c ? q[k * c + i]! * q[k * c + j]! : q[i * c + k]! * q[j * c + k]!;
          expect(s).toBeCloseTo(i === j ? 1 : 0, 5);
        }
    }
  });
});

describe('functional gradcheck (float64 cpu)', () => {
  const x = at.randn([3, 4], { seed: 1, dtype: 'float64' });
  const y = at.randn([3, 4], { seed: 2, dtype: 'float64' });
  const probs = at.rand([3, 4], { seed: 3, dtype: 'float64' });
  const cases: [string, (...t: Tensor[]) => Tensor, Tensor[]][] = [
    [
      'linear',
      (a, w, b) => F.linear(a, w, b),
      [x, at.randn([5, 4], { seed: 4, dtype: 'float64' }), at.randn([5], { seed: 5, dtype: 'float64' })],
    ],
    [
      'layerNorm',
      (a, w, b) => F.layerNorm(a, [4], w, b),
      [x, at.randn([4], { seed: 6, dtype: 'float64' }), at.randn([4], { seed: 7, dtype: 'float64' })],
    ],
    ['layerNorm 2 axes', (a) => F.layerNorm(a, [3, 4]), [x]],
    ['mse', (a, b) => F.mse(a, b), [x, y]],
    ['huber', (a, b) => F.huber(a, b.mul(3), { delta: 0.7 }), [x, y]],
    ['bce', (a, b) => F.binaryCrossEntropyWithLogits(a.mul(4), b, { posWeight: 2.5 }), [x, probs]],
    ['bce none', (a, b) => F.binaryCrossEntropyWithLogits(a, b, { reduction: 'none' }), [x, probs]],
    ['bpr', (a, b) => F.bprLoss(a, b), [x, y]],
    [
      'marginRanking',
      (a, b) => F.marginRanking(a, b, at.tensor([1, -1, 1, -1], { dtype: 'float64' }), { margin: 0.3 }),
      [x, y],
    ],
    ['crossEntropy', (a) => F.crossEntropy(a, at.tensor(new Int32Array([1, 3, 0]))), [x]],
    [
      'crossEntropy smoothing+ignore',
      (a) => F.crossEntropy(a, at.tensor(new Int32Array([1, -100, 2])), { labelSmoothing: 0.1, ignoreIndex: -100 }),
      [x],
    ],
    ['dropout (fixed seed)', (a) => F.dropout(a, 0.4, { seed: 3 }), [x]],
    ['crossEntropy sum', (a) => F.crossEntropy(a, at.tensor(new Int32Array([1, 3, 0])), { reduction: 'sum' }), [x]],
  ];
  for (const [name, fn, inputs] of cases) {
    it(name, async () => {
      const r = await at.gradcheck(fn, inputs);
      expect(r.maxRelError).toBeLessThan(1e-6);
    });
  }
});

describe('loss values', () => {
  it('match hand-computed references', async () => {
    const logits = at.tensor([
      [2, 0.5, -1],
      [0, 0, 3],
    ]);
    const targets = at.tensor(new Int32Array([0, 2]));
    const lse = (r: number[]): number => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
    const nll = [lse([2, 0.5, -1]) - 2, lse([0, 0, 3]) - 3];
    expect(await F.crossEntropy(logits, targets).item()).toBeCloseTo((nll[0]! + nll[1]!) / 2, 5);
    const ig = F.crossEntropy(logits, at.tensor(new Int32Array([0, -1])), { ignoreIndex: -1 });
    expect(await ig.item()).toBeCloseTo(nll[0]!, 5);
    const eps = 0.2;
    const sm = (i: number, r: number[]): number => (1 - eps) * nll[i]! + eps * (lse(r) - r.reduce((a, b) => a + b) / 3);
    const ls = await F.crossEntropy(logits, targets, { labelSmoothing: eps }).item();
    expect(ls).toBeCloseTo((sm(0, [2, 0.5, -1]) + sm(1, [0, 0, 3])) / 2, 5);
    // BCE stays finite for huge logits.
    const big = F.binaryCrossEntropyWithLogits(at.tensor([100, -100]), at.tensor([0, 1]), { reduction: 'none' });
    close(await big.data(), [100, 100], 1e-6, 1e-4);
    const h = F.huber(at.tensor([0.5, 3]), at.tensor([0, 0]), { reduction: 'none' });
    close(await h.data(), [0.125, 2.5], 1e-6, 1e-6);
  });
});

for (const path of conformanceBackends()) {
  const name = backendOf(path);
  describe(`layers on ${path}`, () => {
    onBackend(path);
    const { rtol, atol } = tol(path);

    it('Linear matches x·Wᵀ + b and has PyTorch names and shapes', async () => {
      const lin = new nn.Linear(4, 3, { seed: 7 });
      expect(lin.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
        ['weight', [3, 4]],
        ['bias', [3]],
      ]);
      const x = at.randn([2, 5, 4], { seed: 8 });
      const y = lin.forward(x);
      expect(y.shape).toEqual([2, 5, 3]);
      const [xv, wv, bv, yv] = await Promise.all([x.data(), lin.weight.data(), lin.bias!.data(), y.data()]);
      const ref = new Float64Array(30);
      for (let r = 0; r < 10; r++)
        for (let o = 0; o < 3; o++) {
          let s = bv[o]!;
          for (let i = 0; i < 4; i++) s += xv[r * 4 + i]! * wv[o * 4 + i]!;
          ref[r * 3 + o] = s;
        }
      close(yv, ref, rtol * 10, atol * 10);
      lin.dispose();
    });

    it('Embedding with sparse: true gives row gradients only, and paddingIdx gets none', async () => {
      const emb = new nn.Embedding(1000, 4, { sparse: true, paddingIdx: 0, seed: 3 });
      expect(Array.from(await emb.weight.slice([0, 0], [1, 4]).data())).toEqual([0, 0, 0, 0]);
      const before = at.memory().backends[name]!.bytes;
      const out = emb.forward([5, 0, 5, 9]);
      out.sum().backward();
      expect(emb.weight.grad).toBeNull();
      const sg = emb.weight.sparseGrad!;
      expect(Array.from(sg.indices)).toEqual([5, 0, 5, 9]);
      expect(sg.values.shape).toEqual([4, 4]);
      expect(Array.from(await sg.values.data())).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
      // Nothing table-sized (16 KB) was allocated along the way.
      expect(at.memory().backends[name]!.bytes - before).toBeLessThan(1000 * 4 * 4);
      emb.dispose();
    });

    it('Dropout is seeded, differs per call, scales survivors, and is the identity in eval', async () => {
      const x = at.ones([1000]);
      const d1 = new nn.Dropout(0.3, { seed: 11 });
      const d2 = new nn.Dropout(0.3, { seed: 11 });
      const a = await d1.forward(x).data();
      const b = await d2.forward(x).data();
      expect(Array.from(a)).toEqual(Array.from(b));
      const c = await d1.forward(x).data();
      expect(Array.from(c)).not.toEqual(Array.from(a));
      const zerosFrac = a.filter((v) => v === 0).length / 1000;
      expect(zerosFrac).toBeGreaterThan(0.22);
      expect(zerosFrac).toBeLessThan(0.38);
      expect(a.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.7) < 1e-5)).toBe(true);
      d1.eval();
      expect(Array.from(await d1.forward(x).data())).toEqual(Array.from(await x.data()));
    });

    it('Module.to moves parameters in place and keeps outputs', async () => {
      const lin = new nn.Linear(3, 2, { seed: 1, backend: 'cpu' });
      const w = lin.weight;
      const x = at.randn([2, 3], { seed: 2, backend: 'cpu' });
      const y = Array.from(await lin.forward(x).data());
      await lin.to(name);
      expect(lin.weight).toBe(w);
      expect(w.backend).toBe(name);
      close(await lin.forward(await x.to(name)).data(), y, rtol * 10, atol * 10);
      lin.dispose();
    });

    it('LayerNorm normalizes the last axis', async () => {
      const ln = new nn.LayerNorm(5);
      const x = at.randn([3, 5], { seed: 4 }).mul(3).add(2);
      const y = await ln.forward(x).data();
      for (let r = 0; r < 3; r++) {
        const row = Array.from(y.subarray(r * 5, r * 5 + 5));
        const m = row.reduce((s, v) => s + v) / 5;
        const v = row.reduce((s, u) => s + (u - m) ** 2, 0) / 5;
        expect(Math.abs(m)).toBeLessThan(1e-5);
        expect(v).toBeCloseTo(1, 3);
      }
    });
  });
}
