import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { backendOf, conformanceBackends, onBackend, tol } from '../helpers/backends.js';
import { binaryRef, expectClose, sizeOf } from '../helpers/reference.js';
import { erfRef } from './erf-reference.js';

/** A shape and a second shape that broadcasts against it (dims dropped or set to 1). */
const broadcastPair = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 4 })
  .chain((out) =>
    fc.tuple(
      fc.constant(out),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      fc.integer({ min: 0, max: out.length }),
    ),
  )
  .map(([out, ones, drop]) => {
    const b = out.map((d, i) => (ones[i] ? 1 : d)).slice(drop);
    return [out, b] as [number[], number[]];
  });

const values = (n: number, lo: number, hi: number, seed: number): Float32Array => {
  const out = new Float32Array(n);
  let s = seed * 9301 + 49297;
  for (let i = 0; i < n; i++) {
    s = (s * 9301 + 49297) % 233280;
    out[i] = lo + ((hi - lo) * s) / 233280;
  }
  return out;
};

const gelu = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const UNARY: [keyof typeof at & string, (x: number) => number, number, number][] = [
  ['neg', (x) => -x, -3, 3],
  ['abs', Math.abs, -3, 3],
  ['exp', Math.exp, -3, 3],
  ['expm1', Math.expm1, -3, 3],
  ['log', Math.log, 0.1, 5],
  ['log1p', Math.log1p, -0.5, 5],
  ['sqrt', Math.sqrt, 0, 5],
  ['rsqrt', (x) => 1 / Math.sqrt(x), 0.1, 5],
  ['square', (x) => x * x, -3, 3],
  ['reciprocal', (x) => 1 / x, 0.2, 5],
  ['tanh', Math.tanh, -4, 4],
  ['sigmoid', (x) => 1 / (1 + Math.exp(-x)), -6, 6],
  ['relu', (x) => Math.max(x, 0), -3, 3],
  ['gelu', gelu, -4, 4],
  ['softplus', (x) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0), -30, 30],
  ['sin', Math.sin, -4, 4],
  ['cos', Math.cos, -4, 4],
  ['sign', Math.sign, -3, 3],
  ['floor', Math.floor, -3, 3],
  ['ceil', Math.ceil, -3, 3],
  ['erf', erfRef, -4, 4],
];

const pyMod = (a: number, b: number): number => a - Math.floor(a / b) * b;
const BINARY: [string, (a: number, b: number) => number][] = [
  ['add', (a, b) => a + b],
  ['sub', (a, b) => a - b],
  ['mul', (a, b) => a * b],
  ['div', (a, b) => a / b],
  ['maximum', Math.max],
  ['minimum', Math.min],
  ['mod', pyMod],
  ['eq', (a, b) => +(a === b)],
  ['ne', (a, b) => +(a !== b)],
  ['lt', (a, b) => +(a < b)],
  ['le', (a, b) => +(a <= b)],
  ['gt', (a, b) => +(a > b)],
  ['ge', (a, b) => +(a >= b)],
];

/** Runs `at[name](a, b)` on the current backend and compares it with the broadcasting reference. */
async function expectBinary(
  name: string,
  f: (a: number, b: number) => number,
  [a, as]: [Float32Array, number[]],
  [b, bs]: [Float32Array, number[]],
  tolerance: { rtol: number; atol: number },
): Promise<void> {
  const ta = at.tensor(a, { shape: as });
  const tb = at.tensor(b, { shape: bs });
  const out = (at as unknown as Record<string, (a: at.Tensor, b: at.Tensor) => at.Tensor>)[name]!(ta, tb);
  const ref = binaryRef(a, as, b, bs, f);
  expect(out.shape).toEqual(ref.shape);
  expectClose(await out.data(), ref.values, tolerance, `${name} ${JSON.stringify(as)} ${JSON.stringify(bs)}`);
  for (const t of [ta, tb, out]) t.dispose();
}

for (const backend of conformanceBackends()) {
  describe(`elementwise conformance on ${backend}`, () => {
    onBackend(backend);
    const { rtol, atol } = tol(backend);

    for (const [name, f, lo, hi] of UNARY) {
      it(`${name} matches the reference`, async () => {
        const x = values(37, lo, hi, name.length);
        const t = at.tensor(x, { shape: [37] });
        const y = (at as unknown as Record<string, (t: at.Tensor) => at.Tensor>)[name]!(t);
        expect(y.shape).toEqual([37]);
        // Transcendentals in f32 on GPUs are looser than CPU's f64-then-round.
        const loose = backend === 'cpu' ? { rtol, atol } : { rtol: 2e-3, atol: 2e-4 };
        expectClose(await y.data(), Array.from(x, f), loose, name);
      });
    }

    for (const [name, f] of BINARY) {
      it(`${name} broadcasts like numpy`, async () => {
        await fc.assert(
          fc.asyncProperty(broadcastPair, fc.boolean(), async ([sa, sb], swap) => {
            const [as, bs] = swap ? [sb, sa] : [sa, sb];
            const a = values(sizeOf(as), -3, 3, 1).map((v) => Math.round(v * 2) / 2);
            const b = values(sizeOf(bs), 0.5, 3, 2).map((v, i) => ((i % 2 ? -1 : 1) * Math.round(v * 2)) / 2);
            await expectBinary(name, f, [a, as], [b, bs], { rtol, atol });
          }),
          { numRuns: backend === 'cpu' ? 40 : 15 },
        );
      });
    }

    it('float32 arithmetic over 1,024+ elements (the CPU WebAssembly layouts) matches the reference', async () => {
      // Same shape, a scalar on either side, a row on either side (bias-style), and one it refuses.
      const pairs: [number[], number[]][] = [
        [
          [37, 41],
          [37, 41],
        ],
        [[2051], [1]],
        [[1], [2051]],
        [[40, 64], [64]],
        [[64], [40, 64]],
        [
          [40, 6],
          [40, 1],
        ],
      ];
      for (const [name, f] of BINARY.slice(0, 6)) {
        for (const [as, bs] of pairs) {
          const a = values(sizeOf(as), -3, 3, 3);
          const b = values(sizeOf(bs), 0.5, 3, 4);
          await expectBinary(name, f, [a, as], [b, bs], { rtol, atol });
        }
      }
    });

    it('comparisons give int32 and arithmetic promotes int32 with float32', async () => {
      const a = at.tensor([1, 2, 3], { dtype: 'int32' });
      const b = at.tensor([1.5, 2, 2.5]);
      const lt = at.lt(a, b);
      expect(lt.dtype).toBe('int32');
      expect(Array.from(await lt.data())).toEqual([1, 0, 0]);
      const s = a.add(b);
      expect(s.dtype).toBe('float32');
      expect(Array.from(await s.data())).toEqual([2.5, 4, 5.5]);
      expect(Array.from(await a.add(2).data())).toEqual([3, 4, 5]);
      expect(a.add(0.5).dtype).toBe('float32');
    });

    it('int32 div truncates toward zero and mod takes the divisor sign', async () => {
      const a = at.tensor([7, -7, 7, -7], { dtype: 'int32' });
      const b = at.tensor([2, 2, -2, -2], { dtype: 'int32' });
      expect(Array.from(await at.div(a, b).data())).toEqual([3, -3, -3, 3]);
      expect(Array.from(await at.mod(a, b).data())).toEqual([1, 1, -1, -1]);
    });

    it('pow, where, clamp and cast', async () => {
      const x = at.tensor([0.5, 1, 2, 3]);
      expectClose(await x.pow(2).data(), [0.25, 1, 4, 9], { rtol, atol }, 'pow');
      expectClose(await at.pow(2, x).data(), [Math.SQRT2, 2, 4, 8], { rtol, atol }, 'pow scalar base');
      const w = at.where(x.gt(1), x, at.tensor([[-1], [-2]]));
      expect(w.shape).toEqual([2, 4]);
      expect(Array.from(await w.data())).toEqual([-1, -1, 2, 3, -2, -2, 2, 3]);
      expect(Array.from(await x.clamp(0.75, 2.5).data())).toEqual([0.75, 1, 2, 2.5]);
      const c = at.tensor([-1.7, -0.2, 0.2, 1.7]).cast('int32');
      expect(c.dtype).toBe('int32');
      expect(Array.from(await c.data())).toEqual([-1, 0, 0, 1]);
    });

    it('erf is within 1.5e-7 (CPU) / 1e-6 (float32 GPU) relative of the series reference', async () => {
      const xs = Array.from({ length: 2001 }, (_, i) => -6 + i * 0.006).concat([1e-6, -1e-3, 0, 0.5, -0.5, 9]);
      const onCpu = backendOf(backend) === 'cpu';
      const got = await at.erf(at.tensor(xs, { dtype: onCpu ? 'float64' : 'float32' })).data();
      // Off the CPU the input is float32: the reference takes the rounded input too.
      const want = onCpu ? xs.map(erfRef) : Array.from(Float32Array.from(xs), erfRef);
      expectClose(got, want, { rtol: onCpu ? 1.5e-7 : 1e-6, atol: 0 }, `erf on ${backend}`);
      expect(Array.from(await at.erf(at.tensor([Infinity, -Infinity, Number.NaN])).data())).toEqual([
        1,
        -1,
        Number.NaN,
      ]);
      // Exact GELU, x·Φ(x) = 0.5x(1 + erf(x/√2)), is within 1e-3 of the tanh approximation gelu keeps.
      const x = at.tensor([-3, -1, -0.25, 0.5, 2]);
      const exact = x.mul(0.5).mul(at.erf(x.mul(Math.SQRT1_2)).add(1));
      expectClose(await exact.data(), await x.gelu().data(), { rtol: 0, atol: 1e-3 }, 'exact vs tanh gelu');
    });

    it('the erf reference matches published values', () => {
      // Known values of erf, to 15 significant digits.
      expectClose(
        [0.1, 0.5, 1, 2, 3].map(erfRef),
        [0.112462916018285, 0.520499877813047, 0.842700792949715, 0.995322265018953, 0.999977909503001],
        { rtol: 2e-15, atol: 0 },
        'erfRef',
      );
    });

    it('keeps softplus, sigmoid and exp finite at extreme inputs', async () => {
      const x = at.tensor([-100, -20, 0, 20, 100]);
      const sp = await x.softplus().data();
      expectClose(sp, [0, 2.0611537e-9, Math.LN2, 20, 100], { rtol: 1e-5, atol: 1e-7 }, 'softplus');
      const sg = await x.sigmoid().data();
      expect(Array.from(sg).every(Number.isFinite)).toBe(true);
      expect(sg[0]).toBeLessThan(1e-30);
      expect(sg[4]).toBe(1);
    });
  });
}
