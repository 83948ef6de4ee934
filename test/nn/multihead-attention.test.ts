import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

function vals(n: number, seed: number, amp = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.fround(amp * ((Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453) % 1));
  return out;
}

interface Cfg {
  B: number;
  L: number;
  S: number;
  E: number;
  H: number;
  causal?: boolean;
  mask?: number[];
  self?: boolean;
}

/** nn.MultiheadAttention's equations (batch_first) as plain loops; weights averaged over heads. */
function reference(qIn: Float64Array, kIn: Float64Array, vIn: Float64Array, p: Record<string, Float64Array>, c: Cfg) {
  const { B, L, S, E, H } = c;
  const dh = E / H;
  const W = p.in_proj_weight!,
    bW = p.in_proj_bias!,
    Wo = p['out_proj.weight']!,
    bo = p['out_proj.bias']!;
  const proj = (x: Float64Array, n: number, part: number) => {
    const out = new Float64Array(B * n * E);
    for (let r = 0; r < B * n; r++)
      for (let e = 0; e < E; e++) {
        let s = bW[part * E + e]!;
        for (let f = 0; f < E; f++) s += W[(part * E + e) * E + f]! * x[r * E + f]!;
        out[r * E + e] = s;
      }
    return out;
  };
  const q = proj(qIn, L, 0),
    k = proj(kIn, S, 1),
    v = proj(vIn, S, 2);
  const ctx = new Float64Array(B * L * E);
  const weights = new Float64Array(B * L * S);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < L; i++) {
        const s = new Float64Array(S);
        const ok: boolean[] = [];
        let m = -Infinity;
        for (let j = 0; j < S; j++) {
          ok[j] = !(c.causal && j > i) && !c.mask?.[b * S + j];
          let d = 0;
          for (let e = 0; e < dh; e++) d += q[(b * L + i) * E + h * dh + e]! * k[(b * S + j) * E + h * dh + e]!;
          s[j] = d / Math.sqrt(dh);
          if (ok[j]) m = Math.max(m, s[j]!);
        }
        let z = 0;
        for (let j = 0; j < S; j++) {
          s[j] = ok[j] ? Math.exp(s[j]! - m) : 0;
          z += s[j]!;
        }
        for (let j = 0; j < S; j++) {
          const w = z > 0 ? s[j]! / z : 0;
          weights[(b * L + i) * S + j]! += w / H;
          for (let e = 0; e < dh; e++) ctx[(b * L + i) * E + h * dh + e]! += w * v[(b * S + j) * E + h * dh + e]!;
        }
      }
  const out = new Float64Array(B * L * E);
  for (let r = 0; r < B * L; r++)
    for (let e = 0; e < E; e++) {
      let s = bo[e]!;
      for (let f = 0; f < E; f++) s += Wo[e * E + f]! * ctx[r * E + f]!;
      out[r * E + e] = s;
    }
  return { out, weights };
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
  ['self attention, causal', { B: 2, L: 4, S: 4, E: 6, H: 2, causal: true, self: true }],
  ['cross attention with key padding', { B: 2, L: 3, S: 5, E: 8, H: 4, mask: [0, 0, 0, 1, 1, 0, 1, 0, 0, 0] }],
];

for (const backend of conformanceBackends().filter((b) => b !== 'gpujs')) {
  describe(`MultiHeadAttention on ${backend}`, () => {
    onBackend(backend);
    for (const [name, cfg] of CASES) {
      for (const needWeights of [false, true]) {
        it(`outputs and gradients match nn.MultiheadAttention's equations: ${name}${needWeights ? ' (needWeights)' : ''}`, async () => {
          const { B, L, S, E, H } = cfg;
          const p: Record<string, Float64Array> = {
            in_proj_weight: vals(3 * E * E, 1, 0.8),
            in_proj_bias: vals(3 * E, 2, 0.3),
            'out_proj.weight': vals(E * E, 3, 0.8),
            'out_proj.bias': vals(E, 4, 0.3),
          };
          const shapes: Record<string, number[]> = {
            in_proj_weight: [3 * E, E],
            in_proj_bias: [3 * E],
            'out_proj.weight': [E, E],
            'out_proj.bias': [E],
          };
          const qv = vals(B * L * E, 5);
          const kv = cfg.self ? qv : vals(B * S * E, 6);
          const vv = cfg.self ? qv : vals(B * S * E, 7);
          const w = vals(B * L * E, 8);
          const lossOf = () => {
            const r = reference(qv, kv, vv, p, cfg);
            return r.out.reduce((s, x, i) => s + x * w[i]!, 0);
          };
          const numGrad = (arr: Float64Array) =>
            Float64Array.from(arr, (_, i) => {
              const v0 = arr[i]!;
              arr[i] = v0 + 1e-6;
              const a = lossOf();
              arr[i] = v0 - 1e-6;
              const b = lossOf();
              arr[i] = v0;
              return (a - b) / 2e-6;
            });
          await at.scope(async () => {
            const mha = new at.nn.MultiHeadAttention(E, H, { seed: 3 });
            const dict: Record<string, at.Tensor> = {};
            for (const k of Object.keys(p)) dict[k] = at.tensor(Float32Array.from(p[k]!), { shape: shapes[k]! });
            mha.loadStateDict(dict);
            const q = at.tensor(Float32Array.from(qv), { shape: [B, L, E], requiresGrad: true });
            const k = cfg.self ? q : at.tensor(Float32Array.from(kv), { shape: [B, S, E], requiresGrad: true });
            const v = cfg.self ? q : at.tensor(Float32Array.from(vv), { shape: [B, S, E], requiresGrad: true });
            const mask = cfg.mask ? at.tensor(Int32Array.from(cfg.mask), { shape: [B, S] }) : undefined;
            const r = mha.forward(q, k, v, { causal: cfg.causal, keyPaddingMask: mask, needWeights });
            const ref = reference(qv, kv, vv, p, cfg);
            expectRel(await r.output.data(), ref.out, 1e-4, 'output');
            if (needWeights) expectRel(await r.weights!.data(), ref.weights, 1e-4, 'weights');
            else expect(r.weights).toBeNull();
            at.sum(at.mul(r.output, at.tensor(Float32Array.from(w), { shape: [B, L, E] }))).backward();
            expectRel(await q.grad!.data(), numGrad(qv), 1e-4, 'dquery');
            if (!cfg.self) {
              expectRel(await k.grad!.data(), numGrad(kv), 1e-4, 'dkey');
              expectRel(await v.grad!.data(), numGrad(vv), 1e-4, 'dvalue');
            }
            for (const [n, t] of mha.namedParameters()) expectRel(await t.grad!.data(), numGrad(p[n]!), 1e-4, `d${n}`);
            mha.dispose();
          });
        });
      }
    }

    it('encoder and decoder layers keep shapes and use PyTorch names', async () => {
      const enc = new at.nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, seed: 1 });
      const dec = new at.nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, seed: 2 });
      const names = dec.namedParameters().map(([n]) => n);
      expect(names).toContain('multihead_attn.in_proj_weight');
      expect(names).toContain('norm3.weight');
      expect(enc.namedParameters().map(([n]) => n)).toContain('self_attn.out_proj.weight');
      const src = at.randn([2, 5, 8], { seed: 1 });
      const mem = enc.forward(src);
      expect(mem.shape).toEqual([2, 5, 8]);
      const out = dec.forward(at.randn([2, 3, 8], { seed: 2 }), mem);
      expect(out.shape).toEqual([2, 3, 8]);
      expect((await out.data()).every(Number.isFinite)).toBe(true);
      const pe = new at.nn.SinusoidalPositionalEncoding(8, 16);
      const z = pe.forward(at.zeros([1, 3, 8]));
      const zd = await z.data();
      expect(zd[8]).toBeCloseTo(Math.sin(1), 5);
      expect(zd[9]).toBeCloseTo(Math.cos(1), 5);
      expect(new at.nn.LearnedPositionalEncoding(16, 8).forward(src).shape).toEqual([2, 5, 8]);
    });
  });
}
