import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { backendOf, conformanceBackends, onBackend, tol } from '../helpers/backends.js';

const { nn, optim } = at;

function close(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number, what = ''): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= atol + rtol * Math.abs(b[i]!))) throw new Error(`${what} index ${i}: ${a[i]} vs ${b[i]}`);
  }
}

/** Loss 0.5·Σ(c ⊙ p²) has gradient c ⊙ p: easy to follow by hand. */
const coef = [0.5, -1, 2, 0.25, 3, 1];
function lossOf(p: Tensor): Tensor {
  return p
    .square()
    .mul(at.tensor(coef, { backend: p.backend }).reshape(p.shape))
    .sum()
    .mul(0.5);
}

type Ref = (p: number[], g: number[], s: Record<string, number[]>, t: number) => void;
function runRef(p0: number[], steps: number, update: Ref): number[] {
  const p = [...p0];
  const s: Record<string, number[]> = {};
  for (let t = 1; t <= steps; t++)
    update(
      p,
      p.map((v, i) => coef[i]! * v),
      s,
      t,
    );
  return p;
}

const adamRef =
  (lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean): Ref =>
  (p, g0, s, t) => {
    s.m ??= p.map(() => 0);
    s.v ??= p.map(() => 0);
    for (let i = 0; i < p.length; i++) {
      if (decoupled) p[i]! *= 1 - lr * wd;
      const g = g0[i]! + (decoupled ? 0 : wd * p[i]!);
      s.m[i] = b1 * s.m[i]! + (1 - b1) * g;
      s.v[i] = b2 * s.v[i]! + (1 - b2) * g * g;
      const mh = s.m[i]! / (1 - b1 ** t);
      const vh = s.v[i]! / (1 - b2 ** t);
      p[i] = p[i]! - (lr * mh) / (Math.sqrt(vh) + eps);
    }
  };

for (const path of conformanceBackends()) {
  const name = backendOf(path);
  describe(`optimizers on ${path}`, () => {
    onBackend(path);
    const { rtol, atol } = tol(path);
    const p0 = [1, -2, 0.5, 3, -0.7, 0.2];

    const cases: [string, (p: Tensor) => at.optim.Optimizer<{ lr: number }>, Ref][] = [
      ['SGD', (p) => new optim.SGD([p], { lr: 0.1 }), (p, g) => p.forEach((_, i) => (p[i]! -= 0.1 * g[i]!))],
      [
        'SGD momentum nesterov wd',
        (p) => new optim.SGD([p], { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
        (p, g0, s, t) => {
          s.b ??= p.map(() => 0);
          for (let i = 0; i < p.length; i++) {
            const g = g0[i]! + 0.01 * p[i]!;
            s.b[i] = t === 1 ? g : 0.9 * s.b[i]! + g;
            p[i]! -= 0.05 * (g + 0.9 * s.b[i]!);
          }
        },
      ],
      ['Adam', (p) => new optim.Adam([p], { lr: 0.01, weightDecay: 0.1 }), adamRef(0.01, 0.9, 0.999, 1e-8, 0.1, false)],
      [
        'Adam composed',
        (p) => new optim.Adam([p], { lr: 0.01, fused: false }),
        adamRef(0.01, 0.9, 0.999, 1e-8, 0, false),
      ],
      [
        'AdamW',
        (p) => new optim.AdamW([p], { lr: 0.02, betas: [0.8, 0.99] }),
        adamRef(0.02, 0.8, 0.99, 1e-8, 0.01, true),
      ],
      [
        'Adagrad',
        (p) => new optim.Adagrad([p], { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 }),
        (p, g, s, t) => {
          s.s ??= p.map(() => 0.1);
          for (let i = 0; i < p.length; i++) {
            s.s[i]! += g[i]! ** 2;
            p[i]! -= ((0.1 / (1 + (t - 1) * 0.01)) * g[i]!) / (Math.sqrt(s.s[i]!) + 1e-10);
          }
        },
      ],
    ];
    for (const [label, make, ref] of cases) {
      it(`${label} matches the PyTorch update rule over 20 steps`, async () => {
        const p = at.tensor(p0, { requiresGrad: true });
        const opt = make(p);
        for (let t = 0; t < 20; t++) {
          at.scope(() => {
            opt.zeroGrad();
            lossOf(p).backward();
            opt.step();
          });
        }
        close(await p.data(), runRef(p0, 20, ref), rtol * 20, atol * 20, label);
        opt.zeroGrad();
        opt.dispose();
        p.dispose();
      });
    }

    it('fused adamUpdate equals the composed update (Adam and AdamW)', async () => {
      for (const decoupled of [false, true]) {
        const [p, g, m] = [1, 2, 3].map((s) => at.randn([257], { seed: s }));
        const v = at.rand([257], { seed: 4 });
        const info = { lr: 0.003, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, decoupled, step: 7 };
        const f = at.adamUpdate(p!, g!, m!, v, info);
        const c = at.adamComposed(p!, g!, m!, v, info);
        for (const k of ['param', 'm', 'v'] as const)
          close(await f[k].data(), await c[k].data(), 1e-5, 1e-6, `${k} decoupled=${decoupled}`);
      }
    });

    it('sparse embedding gradients update only the rows used (Adagrad equals dense, lazy Adam leaves others)', async () => {
      const ids = [3, 7, 3, 11];
      const target = at.randn([4, 5], { seed: 9 });
      const train = async (
        sparse: boolean,
        make: (ps: Tensor[]) => at.optim.Optimizer<{ lr: number }>,
      ): Promise<Float32Array> => {
        const emb = new nn.Embedding(20, 5, { sparse, seed: 1 });
        const opt = make(emb.parameters());
        for (let t = 0; t < 5; t++) {
          at.scope(() => {
            opt.zeroGrad();
            nn.functional.mse(emb.forward(ids), target).backward();
            if (sparse) expect(emb.weight.grad).toBeNull();
            opt.step();
          });
        }
        const out = (await emb.weight.data()) as Float32Array;
        opt.zeroGrad();
        opt.dispose();
        emb.dispose();
        return out;
      };
      const ada = (ps: Tensor[]) => new optim.Adagrad(ps, { lr: 0.5 });
      close(await train(true, ada), await train(false, ada), rtol * 10, atol * 10, 'adagrad sparse vs dense');
      const sgd = (ps: Tensor[]) => new optim.SGD(ps, { lr: 0.5 });
      close(await train(true, sgd), await train(false, sgd), rtol * 10, atol * 10, 'sgd sparse vs dense');
      const init = (await new nn.Embedding(20, 5, { seed: 1 }).weight.data()) as Float32Array;
      const lazy = await train(true, (ps) => new optim.Adam(ps, { lr: 0.1 }));
      for (let r = 0; r < 20; r++) {
        const row = Array.from(lazy.subarray(r * 5, r * 5 + 5));
        const before = Array.from(init.subarray(r * 5, r * 5 + 5));
        if (ids.includes(r)) expect(row).not.toEqual(before);
        else expect(row).toEqual(before);
      }
    });

    it('a training loop of 200 steps in at.scope keeps memory flat', async () => {
      const model = new nn.Sequential([
        new nn.Linear(3, 8, { seed: 1 }),
        new nn.LayerNorm(8),
        new nn.Linear(8, 1, { seed: 2 }),
      ]);
      const opt = new optim.AdamW(model.parameters(), { lr: 0.01 });
      const x = at.randn([16, 3], { seed: 3 });
      const y = x.sum(1, true);
      const snap = (): [number, number, number] => {
        const m = at.memory();
        return [m.tensors, m.backends[name]!.handles, m.backends[name]!.bytes];
      };
      let at10: [number, number, number] = [0, 0, 0];
      let first = 0;
      let last = 0;
      for (let s = 0; s < 200; s++) {
        const l = at.scope(() => {
          opt.zeroGrad();
          const loss = nn.functional.mse(model.forward(x), y);
          loss.backward();
          opt.step();
          return loss;
        });
        if (s === 0) first = await l.item();
        if (s === 199) last = await l.item();
        l.dispose();
        if (s === 10) at10 = snap();
      }
      expect(snap()).toEqual(at10);
      expect(last).toBeLessThan(first * 0.2);
      opt.dispose();
      model.dispose();
    });
  });
}

describe('schedulers and clipping', () => {
  const mk = (): at.optim.Optimizer<{ lr: number }> =>
    new optim.SGD([at.zeros([1], { requiresGrad: true })], { lr: 1 });

  it('StepLR, CosineAnnealing, LinearWarmup + cosine', () => {
    const a = mk();
    const s = new optim.StepLR(a, { stepSize: 2, gamma: 0.5 });
    const got: number[] = [a.lr];
    for (let i = 0; i < 5; i++) {
      s.step();
      got.push(a.lr);
    }
    expect(got).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
    const b = mk();
    const c = new optim.CosineAnnealing(b, { tMax: 4, etaMin: 0.1 });
    c.step();
    c.step();
    expect(b.lr).toBeCloseTo(0.55, 10);
    c.step();
    c.step();
    expect(b.lr).toBeCloseTo(0.1, 10);
    const d = mk();
    // biome-ignore lint/suspicious/noThenProperty: the option is named for what follows the warmup; options are never awaited
    const w = new optim.LinearWarmup(d, { warmupSteps: 4, then: new optim.CosineAnnealing(d, { tMax: 10 }) });
    expect(d.lr).toBe(0);
    const lrs: number[] = [];
    for (let i = 0; i < 6; i++) {
      w.step();
      lrs.push(d.lr);
    }
    expect(lrs.slice(0, 4)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(lrs[5]).toBeCloseTo((1 + Math.cos(Math.PI / 5)) / 2, 10);
  });

  it('clipGradNorm returns the total norm and scales dense and sparse grads', async () => {
    const a = at.tensor([3, 0], { requiresGrad: true });
    const emb = at.zeros([10, 2], { requiresGrad: true });
    a.square()
      .mul(0.5)
      .sum()
      .add(at.embedding(emb, [1, 1], { sparse: true }).sum().mul(2))
      .backward();
    // dense grad [3, 0]; sparse row 1 coalesced to [4, 4] → norm √(9 + 32) .
    const n = optim.clipGradNorm([a, emb], 1);
    expect(await n.item()).toBeCloseTo(Math.sqrt(41), 5);
    const scale = 1 / (Math.sqrt(41) + 1e-6);
    close(await a.grad!.data(), [3 * scale, 0], 1e-5, 1e-7);
    expect(Array.from(emb.sparseGrad!.indices)).toEqual([1]);
    close(await emb.sparseGrad!.values.data(), [4 * scale, 4 * scale], 1e-5, 1e-7);
    const small = optim.clipGradNorm([a], 10);
    close(await a.grad!.data(), [3 * scale, 0], 1e-5, 1e-7);
    expect(await small.item()).toBeCloseTo(3 * scale, 5);
  });

  it('rejects bad hyperparameters with the name', () => {
    const p = at.zeros([1], { requiresGrad: true });
    expect(() => new optim.Adam([p], { lr: -1 })).toThrow(/lr must be/);
    expect(() => new optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow(/nesterov/);
    expect(() => new optim.Adam([at.zeros([1])], { lr: 0.1 })).toThrow(/does not require grad/);
  });

  it('param groups carry their own lr', async () => {
    const p = at.tensor([1], { requiresGrad: true });
    const q = at.tensor([1], { requiresGrad: true });
    const opt = new optim.SGD([{ params: [p] }, { params: [q], lr: 0.5 }], { lr: 0.1 });
    p.add(q).sum().backward();
    opt.step();
    expect(Array.from(await p.data())[0]).toBeCloseTo(0.9, 6);
    expect(Array.from(await q.data())[0]).toBeCloseTo(0.5, 6);
  });
});
