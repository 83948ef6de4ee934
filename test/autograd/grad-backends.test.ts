import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import type { BackendName, Tensor } from '../../src/index.js';
import { backendOf, conformanceBackends, onBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/reference.js';

/**
 * The gradient rules run on whichever backend holds the data. On each non-CPU backend every
 * differentiable op is checked twice: its gradients must match the CPU backend's float64
 * gradients, and it must pass gradcheck in float32 (with a step and tolerance that float32
 * central differences can meet).
 */
type Case = [string, (...xs: Tensor[]) => Tensor, { shape: number[]; lo: number; hi: number }[]];
const u = (shape: number[], lo = -2, hi = 2) => ({ shape, lo, hi });

const CASES: Case[] = [
  ['neg', at.neg, [u([3, 2])]],
  ['abs', at.abs, [u([3, 2], 0.3, 2)]],
  ['exp', at.exp, [u([3, 2])]],
  ['expm1', at.expm1, [u([4])]],
  ['log', at.log, [u([3, 2], 0.5, 3)]],
  ['log1p', at.log1p, [u([4], 0, 2)]],
  ['sqrt', at.sqrt, [u([4], 0.5, 3)]],
  ['rsqrt', at.rsqrt, [u([4], 0.5, 3)]],
  ['square', at.square, [u([4])]],
  ['reciprocal', at.reciprocal, [u([4], 0.5, 3)]],
  ['tanh', at.tanh, [u([4])]],
  ['sigmoid', at.sigmoid, [u([4])]],
  ['relu', at.relu, [u([4], 0.3, 2)]],
  ['gelu', at.gelu, [u([4])]],
  ['softplus', at.softplus, [u([4])]],
  ['sin', at.sin, [u([4])]],
  ['cos', at.cos, [u([4])]],
  ['erf', at.erf, [u([4])]],
  ['clamp', (x) => at.clamp(x, -1, 1), [u([4], -0.9, 0.9)]],
  ['add (broadcast)', at.add, [u([2, 3]), u([3])]],
  ['sub (broadcast)', at.sub, [u([2, 1]), u([2, 3])]],
  ['mul (broadcast)', at.mul, [u([2, 3]), u([2, 1])]],
  ['div', at.div, [u([2, 3]), u([3], 0.5, 2)]],
  ['pow', at.pow, [u([3], 0.5, 2), u([3], -1, 1)]],
  ['maximum', at.maximum, [u([3], -2, 0), u([3], 0.2, 2)]],
  ['minimum', at.minimum, [u([3], -2, 0), u([3], 0.2, 2)]],
  ['mod', at.mod, [u([3], 0.1, 0.9), u([3], 1.1, 2)]],
  ['where', (a, b) => at.where(a.gt(0), a, b), [u([2, 3], 0.2, 1), u([3])]],
  ['sum', (x) => x.sum(1), [u([2, 3])]],
  ['mean', (x) => x.mean(0, true), [u([2, 3])]],
  ['max', (x) => x.max(1), [u([2, 3])]],
  ['min', (x) => x.min(0), [u([2, 3])]],
  ['logsumexp', (x) => x.logsumexp(1), [u([2, 3])]],
  ['prod', (x) => at.prod(x, 1), [u([2, 3], 0.5, 1.5)]],
  ['var', (x) => x.var(1, false, 1), [u([2, 3])]],
  ['softmax', (x) => x.softmax(0), [u([3, 2])]],
  ['logSoftmax', (x) => x.logSoftmax(1), [u([2, 3])]],
  ['matmul', at.matmul, [u([2, 3, 4]), u([4, 2])]],
  ['linear relu', (x, w, b) => at.linear(x, w, b, 'relu'), [u([3, 4], 0.2, 1), u([2, 4], 0.2, 1), u([2], 0.2, 1)]],
  ['linear tanh', (x, w, b) => at.linear(x, w, b, 'tanh'), [u([3, 4]), u([2, 4]), u([2])]],
  ['permute', (x) => x.permute(2, 0, 1), [u([2, 3, 2])]],
  ['expand', (x) => x.expand([3, 2, 2]), [u([2, 1])]],
  ['slice', (x) => at.slice(x, [1, 0], [3, 2]), [u([3, 3])]],
  [
    'pad',
    (x) =>
      at.pad(
        x,
        [
          [1, 0],
          [0, 2],
        ],
        1,
      ),
    [u([2, 2])],
  ],
  ['concat', (a, b) => at.concat([a, b], 1), [u([2, 1]), u([2, 2])]],
  ['indexSelect', (x) => at.indexSelect(x, 0, [2, 0, 2]), [u([3, 2])]],
  ['scatterAdd', (b, s) => at.scatterAdd(b, 0, [1, 1, 0], s), [u([3, 2]), u([3, 2])]],
  ['embedding', (w) => at.embedding(w, [1, 1, 0]), [u([3, 2])]],
];

function values(shape: number[], lo: number, hi: number, seed: number): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from(
    { length: n },
    (_, i) => lo + (hi - lo) * (Math.abs(Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453) % 1) + i * 1e-3,
  );
}

async function grads(backend: BackendName, dtype: 'float32' | 'float64', c: Case): Promise<Float64Array[]> {
  const [, fn, specs] = c;
  return at.scope(async () => {
    const xs = specs.map((s, i) =>
      at.tensor(values(s.shape, s.lo, s.hi, i + 1), { shape: s.shape, dtype, backend, requiresGrad: true }),
    );
    const out = fn(...xs);
    const w = at.tensor(values(out.shape as number[], -1, 1, 99), { shape: out.shape, dtype, backend });
    out.mul(w).sum().backward();
    const result: Float64Array[] = [];
    for (const x of xs) result.push(Float64Array.from(await x.grad!.data()));
    return result;
  });
}

for (const backend of conformanceBackends()
  .filter((b) => backendOf(b) !== 'cpu')
  .map(backendOf)) {
  describe(`gradients on ${backend}`, () => {
    onBackend(backend);
    for (const c of CASES) {
      it(`${c[0]}: matches CPU float64 gradients and passes float32 gradcheck`, async () => {
        const ref = await grads('cpu', 'float64', c);
        const got = await grads(backend, 'float32', c);
        got.forEach((g, i) => expectClose(g, ref[i]!, { rtol: 1e-3, atol: 1e-4 }, `${c[0]} input ${i}`));
        const inputs = c[2].map((s, i) => at.tensor(values(s.shape, s.lo, s.hi, i + 1), { shape: s.shape, backend }));
        const r = await at.gradcheck(c[1], inputs, { backend, dtype: 'float32', eps: 1e-2, tolerance: 3e-2 });
        expect(r.maxRelError, JSON.stringify(r.worst)).toBeLessThanOrEqual(3e-2);
      });
    }
  });
}
