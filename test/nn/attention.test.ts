import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendByName } from '../../src/backends/registry.js';
import type { WebGPUBackend } from '../../src/backends/webgpu/index.js';
import * as at from '../../src/index.js';
import { attentionComposed, scaledDotProductAttention } from '../../src/ops/fused/attention.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

/** Deterministic values in [-1, 1). */
function vals(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround((Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453) % 1);
  return out;
}

interface Dims {
  B: number;
  H: number;
  tq: number;
  tk: number;
  d: number;
}

/**
 * Attention from the equations in float64 loops: S = q kᵀ·scale, masked entries removed,
 * P = softmax(S) (an all-masked row is all zeros), O = P v. Backward with dO given:
 * dV = Pᵀ dO, dP = dO vᵀ, dS = P ∘ (dP − rowsum(dP ∘ P)), dQ = dS k·scale, dK = dSᵀ q·scale.
 */
function reference(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  dO: ArrayLike<number>,
  dims: Dims,
  opts: { causal?: boolean; mask?: ArrayLike<number> },
) {
  const { B, H, tq, tk, d } = dims;
  const scale = 1 / Math.sqrt(d);
  const out = new Float64Array(B * H * tq * d);
  const dq = new Float64Array(B * H * tq * d);
  const dk = new Float64Array(B * H * tk * d);
  const dv = new Float64Array(B * H * tk * d);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const p = b * H + h;
      for (let i = 0; i < tq; i++) {
        const S = new Float64Array(tk);
        const ok: boolean[] = [];
        let m = -Infinity;
        for (let j = 0; j < tk; j++) {
          ok[j] = !(opts.causal && j > i) && !opts.mask?.[b * tk + j];
          let s = 0;
          for (let c = 0; c < d; c++) s += q[(p * tq + i) * d + c]! * k[(p * tk + j) * d + c]!;
          S[j] = s * scale;
          if (ok[j]) m = Math.max(m, S[j]!);
        }
        const P = new Float64Array(tk);
        let z = 0;
        for (let j = 0; j < tk; j++)
          if (ok[j]) {
            P[j] = Math.exp(S[j]! - m);
            z += P[j]!;
          }
        for (let j = 0; j < tk; j++) P[j] = z > 0 ? P[j]! / z : 0;
        const dP = new Float64Array(tk);
        for (let j = 0; j < tk; j++)
          for (let c = 0; c < d; c++) {
            out[(p * tq + i) * d + c]! += P[j]! * v[(p * tk + j) * d + c]!;
            dv[(p * tk + j) * d + c]! += P[j]! * dO[(p * tq + i) * d + c]!;
            dP[j]! += dO[(p * tq + i) * d + c]! * v[(p * tk + j) * d + c]!;
          }
        let rs = 0;
        for (let j = 0; j < tk; j++) rs += dP[j]! * P[j]!;
        for (let j = 0; j < tk; j++) {
          const dS = P[j]! * (dP[j]! - rs) * scale;
          for (let c = 0; c < d; c++) {
            dq[(p * tq + i) * d + c]! += dS * k[(p * tk + j) * d + c]!;
            dk[(p * tk + j) * d + c]! += dS * q[(p * tq + i) * d + c]!;
          }
        }
      }
    }
  return { out, dq, dk, dv };
}

function expectRel(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, what: string): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= rtol * Math.max(Math.abs(want[i]!), 0.1 * scale, 1e-6))) {
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (err ${err})`);
    }
  }
}

async function runFused(dims: Dims, opts: { causal?: boolean; mask?: number[] }, composed = false) {
  const { B, H, tq, tk, d } = dims;
  const qv = vals(B * H * tq * d, 1),
    kv = vals(B * H * tk * d, 2),
    vv = vals(B * H * tk * d, 3),
    wv = vals(B * H * tq * d, 4);
  return at.scope(async () => {
    const q = at.tensor(qv, { shape: [B, H, tq, d], requiresGrad: true });
    const k = at.tensor(kv, { shape: [B, H, tk, d], requiresGrad: true });
    const v = at.tensor(vv, { shape: [B, H, tk, d], requiresGrad: true });
    const mask = opts.mask ? at.tensor(Int32Array.from(opts.mask), { shape: [B, tk] }) : undefined;
    const o = composed
      ? attentionComposed(q, k, v, { causal: opts.causal, mask }).out
      : scaledDotProductAttention(q, k, v, { causal: opts.causal, mask });
    at.sum(at.mul(o, at.tensor(wv, { shape: [B, H, tq, d] }))).backward();
    const ref = reference(qv, kv, vv, wv, dims, opts);
    return {
      got: { out: await o.data(), dq: await q.grad!.data(), dk: await k.grad!.data(), dv: await v.grad!.data() },
      ref,
    };
  });
}

for (const backend of conformanceBackends().filter((b) => b !== 'gpujs')) {
  describe(`fused attention on ${backend}`, () => {
    onBackend(backend);
    const rtol = 1e-4;
    const cases: [string, Dims, { causal?: boolean; mask?: number[] }][] = [
      ['self, no mask', { B: 2, H: 2, tq: 7, tk: 7, d: 8 }, {}],
      ['causal, many key blocks', { B: 1, H: 2, tq: 150, tk: 150, d: 16 }, { causal: true }],
      [
        'cross (tq != tk) with padding',
        { B: 2, H: 3, tq: 5, tk: 9, d: 4 },
        { mask: [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1] },
      ],
      [
        'causal + padding',
        { B: 2, H: 1, tq: 6, tk: 6, d: 8 },
        { causal: true, mask: [0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0] },
      ],
    ];
    for (const [name, dims, opts] of cases) {
      it(`matches the float64 reference: ${name}`, async () => {
        const { got, ref } = await runFused(dims, opts);
        expectRel(got.out, ref.out, rtol, 'out');
        expectRel(got.dq, ref.dq, rtol, 'dq');
        expectRel(got.dk, ref.dk, rtol, 'dk');
        expectRel(got.dv, ref.dv, rtol, 'dv');
      });
      it(`fused forward and backward match the composed ops: ${name}`, async () => {
        const fused = await runFused(dims, opts);
        const comp = await runFused(dims, opts, true);
        for (const key of ['out', 'dq', 'dk', 'dv'] as const) expectRel(fused.got[key], comp.got[key], rtol, key);
      });
    }

    if (backend === 'webgpu') {
      // The adapter picks the layout (tiled on GPUs; barrier-free for short sequences on software
      // adapters); pin the other one here so both WGSL variants are checked on this adapter.
      describe('with the other kernel layout pinned', () => {
        const gpu = () => backendByName('webgpu') as WebGPUBackend;
        beforeAll(() => {
          gpu().layout = gpu().softwareAdapter ? 'hardware' : 'software';
        });
        afterAll(() => {
          gpu().layout = 'auto';
        });
        for (const [name, dims, opts] of cases) {
          it(`matches the float64 reference: ${name}`, async () => {
            const { got, ref } = await runFused(dims, opts);
            for (const key of ['out', 'dq', 'dk', 'dv'] as const) expectRel(got[key], ref[key], rtol, key);
          });
        }
      });
    }

    it('a fully masked query row gives zeros and finite gradients', async () => {
      // Batch 0 masks every key; with causal, query 0 of batch 1 sees only key 0, which is masked.
      const dims = { B: 2, H: 2, tq: 4, tk: 4, d: 4 };
      const mask = [1, 1, 1, 1, 1, 0, 0, 0];
      for (const composed of [false, true]) {
        const { got } = await runFused(dims, { causal: true, mask }, composed);
        for (const key of ['out', 'dq', 'dk', 'dv'] as const)
          expect(Array.from(got[key]).every(Number.isFinite)).toBe(true);
        expect(Array.from(got.out.subarray(0, 2 * 4 * 4)).every((x) => x === 0)).toBe(true);
        expect(Array.from(got.out.subarray(2 * 4 * 4, 2 * 4 * 4 + 4)).every((x) => x === 0)).toBe(true);
        expect(Array.from(got.dq.subarray(0, 2 * 4 * 4)).every((x) => x === 0)).toBe(true);
      }
    });

    if (backend === 'webgpu') {
      it('T = 4096, d = 64 runs forward and backward with no T×T buffer', async () => {
        const T = 4096,
          d = 64;
        const q = at.randn([1, 1, T, d], { seed: 1, requiresGrad: true });
        const k = at.randn([1, 1, T, d], { seed: 2, requiresGrad: true });
        const v = at.randn([1, 1, T, d], { seed: 3, requiresGrad: true });
        let peak = 0;
        await at.scope(async () => {
          const o = scaledDotProductAttention(q, k, v, { causal: true });
          at.sum(o).backward();
          const mem = at.memory().backends.webgpu!;
          peak = mem.bytes + mem.pooledBytes;
          const g = await q.grad!.data();
          expect(g.every(Number.isFinite)).toBe(true);
          expect((await o.data()).every(Number.isFinite)).toBe(true);
        });
        // Everything alive or pooled is a few T×d buffers; one T×T float32 buffer alone is 64 MiB.
        expect(peak).toBeLessThan((T * T * 4) / 4);
        for (const t of [q, k, v]) {
          t.grad?.dispose();
          t.dispose();
        }
      });
    }
  });
}

describe('attention gradcheck (float64, cpu)', () => {
  const t64 = (shape: number[], seed: number) =>
    at.tensor(
      Float64Array.from(
        vals(
          shape.reduce((a, b) => a * b, 1),
          seed,
        ),
      ),
      { shape, dtype: 'float64', backend: 'cpu' },
    );
  it('self attention with causal and padding masks', async () => {
    const mask = at.tensor(Int32Array.from([0, 0, 0, 1, 1, 0, 0, 0]), { shape: [2, 4], backend: 'cpu' });
    const r = await at.gradcheck(
      (q, k, v) => scaledDotProductAttention(q!, k!, v!, { causal: true, mask }),
      [t64([2, 2, 4, 3], 1), t64([2, 2, 4, 3], 2), t64([2, 2, 4, 3], 3)],
    );
    expect(r.maxRelError).toBeLessThan(1e-6);
  });
  it('cross attention with a fully masked row', async () => {
    const mask = at.tensor(Int32Array.from([1, 1, 1, 0, 0, 1]), { shape: [2, 3], backend: 'cpu' });
    const r = await at.gradcheck(
      (q, k, v) => scaledDotProductAttention(q!, k!, v!, { mask, scale: 0.7 }),
      [t64([2, 1, 2, 3], 4), t64([2, 1, 3, 3], 5), t64([2, 1, 3, 3], 6)],
    );
    expect(r.maxRelError).toBeLessThan(1e-6);
  });
});
