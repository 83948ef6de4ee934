import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { lstmLayer } from '../../src/ops/fused/lstm.js';
import { LSTM } from '../../src/nn/lstm.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

function vals(n: number, seed: number, amp = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.fround(amp * ((Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453) % 1));
  return out;
}

interface Cfg {
  I: number;
  H: number;
  L: number;
  D: number;
  T: number;
  B: number;
  lengths?: number[];
}

const names = (cfg: Cfg): [string, number[]][] => {
  const list: [string, number[]][] = [];
  for (let l = 0; l < cfg.L; l++)
    for (let d = 0; d < cfg.D; d++) {
      const s = `_l${l}${d ? '_reverse' : ''}`;
      list.push(
        [`weight_ih${s}`, [4 * cfg.H, l === 0 ? cfg.I : cfg.D * cfg.H]],
        [`weight_hh${s}`, [4 * cfg.H, cfg.H]],
        [`bias_ih${s}`, [4 * cfg.H]],
        [`bias_hh${s}`, [4 * cfg.H]],
      );
    }
  return list;
};

const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** PyTorch's LSTM equations as plain loops; x time-major [T, B, I]. */
function reference(x: Float64Array, p: Record<string, Float64Array>, cfg: Cfg) {
  const { H, L, D, T, B } = cfg;
  let inp = x;
  let inSize = cfg.I;
  const hN = new Float64Array(L * D * B * H);
  const cN = new Float64Array(L * D * B * H);
  for (let l = 0; l < L; l++) {
    const out = new Float64Array(T * B * D * H);
    for (let d = 0; d < D; d++) {
      const s = `_l${l}${d ? '_reverse' : ''}`;
      const wih = p[`weight_ih${s}`]!,
        whh = p[`weight_hh${s}`]!,
        bih = p[`bias_ih${s}`]!,
        bhh = p[`bias_hh${s}`]!;
      for (let b = 0; b < B; b++) {
        const len = cfg.lengths ? cfg.lengths[b]! : T;
        let h = new Float64Array(H);
        const c = new Float64Array(H);
        for (let k = 0; k < len; k++) {
          const t = d ? len - 1 - k : k;
          const z = new Float64Array(4 * H);
          for (let r = 0; r < 4 * H; r++) {
            let v = bih[r]! + bhh[r]!;
            for (let q = 0; q < inSize; q++) v += wih[r * inSize + q]! * inp[(t * B + b) * inSize + q]!;
            for (let q = 0; q < H; q++) v += whh[r * H + q]! * h[q]!;
            z[r] = v;
          }
          const hn = new Float64Array(H);
          for (let j = 0; j < H; j++) {
            const i = sig(z[j]!),
              f = sig(z[H + j]!),
              g = Math.tanh(z[2 * H + j]!),
              o = sig(z[3 * H + j]!);
            c[j] = f * c[j]! + i * g;
            hn[j] = o * Math.tanh(c[j]!);
            out[(t * B + b) * D * H + d * H + j] = hn[j]!;
          }
          h = hn;
        }
        hN.set(h, ((l * D + d) * B + b) * H);
        cN.set(c, ((l * D + d) * B + b) * H);
      }
    }
    inp = out;
    inSize = D * H;
  }
  return { out: inp, h: hN, c: cN };
}

function expectRel(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, what: string): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= rtol * Math.max(Math.abs(want[i]!), 0.1 * scale, 1e-6)))
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (err ${err})`);
  }
}

const CASES: [string, Cfg][] = [
  ['1 layer', { I: 3, H: 4, L: 1, D: 1, T: 5, B: 2 }],
  ['2 layers', { I: 3, H: 5, L: 2, D: 1, T: 4, B: 3 }],
  ['2 layers, bidirectional, variable lengths', { I: 2, H: 4, L: 2, D: 2, T: 5, B: 3, lengths: [5, 2, 0] }],
];

for (const backend of conformanceBackends().filter((b) => b !== 'gpujs')) {
  describe(`LSTM on ${backend}`, () => {
    onBackend(backend);
    for (const [name, cfg] of CASES) {
      it(`outputs and gradients match the PyTorch equations: ${name}`, async () => {
        const { I, H, D, L, T, B } = cfg;
        const params: Record<string, Float64Array> = {};
        names(cfg).forEach(
          ([n, shape], k) =>
            (params[n] = vals(
              shape.reduce((a, b) => a * b, 1),
              k + 1,
              0.6,
            )),
        );
        const x = vals(T * B * I, 99);
        const wOut = vals(T * B * D * H, 7),
          wH = vals(L * D * B * H, 8),
          wC = vals(L * D * B * H, 9);
        const loss = (xv: Float64Array, pv: Record<string, Float64Array>): number => {
          const r = reference(xv, pv, cfg);
          let s = 0;
          r.out.forEach((v, i) => (s += v * wOut[i]!));
          r.h.forEach((v, i) => (s += v * wH[i]!));
          r.c.forEach((v, i) => (s += v * wC[i]!));
          return s;
        };
        const numGrad = (arr: Float64Array, f: () => number): Float64Array => {
          const g = new Float64Array(arr.length);
          for (let i = 0; i < arr.length; i++) {
            const v = arr[i]!;
            arr[i] = v + 1e-6;
            const a = f();
            arr[i] = v - 1e-6;
            const b = f();
            arr[i] = v;
            g[i] = (a - b) / 2e-6;
          }
          return g;
        };
        await at.scope(async () => {
          const lstm = new LSTM(I, H, { numLayers: L, bidirectional: D === 2, seed: 5 });
          const dict: Record<string, Tensor> = {};
          for (const [n, shape] of names(cfg)) dict[n] = at.tensor(Float32Array.from(params[n]!), { shape });
          lstm.loadStateDict(dict);
          const xt = at.tensor(Float32Array.from(x), { shape: [T, B, I], requiresGrad: true });
          const r = lstm.forward(xt, cfg.lengths ? { lengths: cfg.lengths } : {});
          const ref = reference(x, params, cfg);
          expectRel(await r.output.data(), ref.out, 1e-4, 'output');
          expectRel(await r.h.data(), ref.h, 1e-4, 'h');
          expectRel(await r.c.data(), ref.c, 1e-4, 'c');
          const total = at.add(
            at.add(
              at.sum(at.mul(r.output, at.tensor(Float32Array.from(wOut), { shape: r.output.shape }))),
              at.sum(at.mul(r.h, at.tensor(Float32Array.from(wH), { shape: r.h.shape }))),
            ),
            at.sum(at.mul(r.c, at.tensor(Float32Array.from(wC), { shape: r.c.shape }))),
          );
          total.backward();
          expectRel(
            await xt.grad!.data(),
            numGrad(x, () => loss(x, params)),
            1e-4,
            'dx',
          );
          for (const [n, p] of lstm.namedParameters()) {
            expectRel(
              await p.grad!.data(),
              numGrad(params[n]!, () => loss(x, params)),
              1e-4,
              `d${n}`,
            );
          }
          lstm.dispose();
        });
      });
    }

    it('batchFirst gives the transposed layout and no readback is needed per step', async () => {
      const lstm = new LSTM(3, 4, { batchFirst: true, seed: 1 });
      const x = at.randn([2, 6, 3], { seed: 3 });
      const r = lstm.forward(x);
      expect(r.output.shape).toEqual([2, 6, 4]);
      expect(r.h.shape).toEqual([1, 2, 4]);
      const tm = new LSTM(3, 4, { seed: 1 });
      const r2 = tm.forward(x.transpose(0, 1));
      expectRel(await r.output.data(), await r2.output.transpose(0, 1).data(), 1e-6, 'batchFirst');
    });
  });
}

/** The same layer composed from ops, one step at a time (the unfused version). */
function composedLayer(x: Tensor, wih: Tensor, whh: Tensor, b: Tensor, h0: Tensor, c0: Tensor, reverse: boolean) {
  const [T] = x.shape as [number];
  const H = whh.shape[1]!;
  let h = h0,
    c = c0;
  const outs: Tensor[] = new Array(T);
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    const xt = at.reshape(at.narrow(x, 0, t, 1), [x.shape[1]!, x.shape[2]!]);
    const z = at.add(at.add(at.linear(xt, wih), at.linear(h, whh)), b);
    const [i, f, g, o] = at.split(z, [H, H, H, H], 1) as [Tensor, Tensor, Tensor, Tensor];
    c = at.add(at.mul(at.sigmoid(f), c), at.mul(at.sigmoid(i), at.tanh(g)));
    h = at.mul(at.sigmoid(o), at.tanh(c));
    outs[t] = h;
  }
  return { output: at.stack(outs, 0), h, c };
}

describe('fused LSTM backward vs composed ops and gradcheck (cpu)', () => {
  const t64 = (shape: number[], seed: number) =>
    at.tensor(
      vals(
        shape.reduce((a, b) => a * b, 1),
        seed,
        0.8,
      ),
      { shape, dtype: 'float64', backend: 'cpu' },
    );
  for (const reverse of [false, true]) {
    it(`fused gradients equal the composed version${reverse ? ' (reverse)' : ''}`, async () => {
      const inputs = [
        t64([4, 2, 3], 1),
        t64([12, 3], 2),
        t64([12, 3], 3),
        t64([12], 4),
        t64([2, 3], 5),
        t64([2, 3], 6),
      ];
      const project = (r: { output: Tensor; h: Tensor; c: Tensor }) =>
        at.add(
          at.add(at.sum(at.mul(r.output, t64([4, 2, 3], 7))), at.sum(at.mul(r.h, t64([2, 3], 8)))),
          at.sum(at.mul(r.c, t64([2, 3], 9))),
        );
      const grads = async (fused: boolean) => {
        const leaves = inputs.map((t) => {
          const l = t.detach();
          l.requiresGrad = true;
          return l;
        });
        const [x, wih, whh, b, h0, c0] = leaves as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
        const r = fused
          ? lstmLayer(x, { weightIh: wih, weightHh: whh, biasIh: b }, { h0, c0, reverse })
          : composedLayer(x, wih, whh, b, h0, c0, reverse);
        project(r).backward();
        return Promise.all(leaves.map(async (l) => Float64Array.from(await l.grad!.data())));
      };
      const f = await grads(true);
      const c = await grads(false);
      f.forEach((g, i) => expectRel(g, c[i]!, 1e-10, `input ${i}`));
    });
  }
  it('gradcheck with lengths, both directions', async () => {
    for (const reverse of [false, true]) {
      const r = await at.gradcheck(
        (x, wih, whh, bih, bhh, h0, c0) => {
          const o = lstmLayer(
            x!,
            { weightIh: wih!, weightHh: whh!, biasIh: bih!, biasHh: bhh! },
            { h0, c0, reverse, lengths: [4, 1, 0] },
          );
          return at.concat([at.reshape(o.output, [-1]), at.reshape(o.h, [-1]), at.reshape(o.c, [-1])], 0);
        },
        [t64([4, 3, 2], 1), t64([8, 2], 2), t64([8, 2], 3), t64([8], 4), t64([8], 5), t64([3, 2], 6), t64([3, 2], 7)],
      );
      expect(r.maxRelError).toBeLessThan(1e-6);
    }
  });
});
