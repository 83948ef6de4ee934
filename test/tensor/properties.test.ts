import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { broadcastShapes } from '../../src/core/shape.js';
import { broadcast as referenceBroadcast, expectClose, sizeOf } from '../helpers/reference.js';

/** Property tests of the shape rules and of algebraic identities, on the CPU backend. */
const shape = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });
const floats = (n: number) =>
  fc.array(fc.float({ min: -8, max: 8, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });
const tensorArb = shape.filter((s) => sizeOf(s) <= 64).chain((s) => floats(sizeOf(s)).map((v) => ({ s, v })));
const pair = shape
  .filter((s) => sizeOf(s) <= 64)
  .chain((s) => fc.tuple(fc.constant(s), floats(sizeOf(s)), floats(sizeOf(s))));

describe('broadcasting shape rules', () => {
  it('agree with the reference, are symmetric, and reject exactly the incompatible pairs', () => {
    fc.assert(
      fc.property(shape, shape, (a, b) => {
        let expected: number[] | null = null;
        try {
          expected = referenceBroadcast(a, b);
        } catch {
          expected = null;
        }
        if (expected === null) {
          expect(() => broadcastShapes('op', a, b)).toThrow(/cannot be broadcast/);
        } else {
          expect(broadcastShapes('op', a, b)).toEqual(expected);
          expect(broadcastShapes('op', b, a)).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a shape broadcasts with itself, with [] and with all-ones to itself', () => {
    fc.assert(
      fc.property(shape, (s) => {
        expect(broadcastShapes('op', s, s)).toEqual(s);
        expect(broadcastShapes('op', s, [])).toEqual(s);
        expect(
          broadcastShapes(
            'op',
            s.map(() => 1),
            s,
          ),
        ).toEqual(s);
      }),
    );
  });
});

describe('algebraic identities', () => {
  it('addition and multiplication commute; a − a = 0; a · 1 = a; −(−a) = a', async () => {
    await fc.assert(
      fc.asyncProperty(pair, async ([s, x, y]) => {
        const a = at.tensor(x, { shape: s });
        const b = at.tensor(y, { shape: s });
        expect(Array.from(await a.add(b).data())).toEqual(Array.from(await b.add(a).data()));
        expect(Array.from(await a.mul(b).data())).toEqual(Array.from(await b.mul(a).data()));
        expect(Array.from(await a.sub(a).data()).every((v) => v === 0)).toBe(true);
        expect(Array.from(await a.mul(1).data())).toEqual(Array.from(await a.data()));
        expect(Array.from(await a.neg().neg().data())).toEqual(Array.from(await a.data()));
      }),
      { numRuns: 60 },
    );
  });

  it('exp(log x) = x, sqrt(x)² = x, and softmax rows sum to 1', async () => {
    await fc.assert(
      fc.asyncProperty(tensorArb, async ({ s, v }) => {
        const x = at.tensor(
          v.map((e) => Math.abs(e) + 0.1),
          { shape: s },
        );
        expectClose(await x.log().exp().data(), await x.data(), { rtol: 1e-6, atol: 1e-6 }, 'exp(log x)');
        expectClose(await x.sqrt().square().data(), await x.data(), { rtol: 1e-6, atol: 1e-6 }, 'sqrt²');
        if (s.length > 0 && sizeOf(s) > 0) {
          const sums = await at.tensor(v, { shape: s }).softmax(-1).sum(-1).data();
          expectClose(sums, new Array(sums.length).fill(1), { rtol: 1e-6, atol: 1e-6 }, 'softmax rows');
        }
      }),
      { numRuns: 60 },
    );
  });

  it('reductions compose: the total equals the sum of partial sums; transpose twice is the identity', async () => {
    await fc.assert(
      fc.asyncProperty(
        tensorArb.filter(({ s }) => s.length >= 2),
        async ({ s, v }) => {
          const x = at.tensor(v, { shape: s });
          const total = await x.sum().item();
          const partial = await x.sum(0).sum().item();
          expect(Math.abs(total - partial)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(total)));
          expect(Array.from(await x.transpose(0, 1).transpose(0, 1).data())).toEqual(Array.from(await x.data()));
          if (sizeOf(s) === 0) {
            expect(total).toBe(0);
            expect(() => x.max()).toThrow(/cannot reduce over an empty axis/);
            return;
          }
          expect(await x.logsumexp().item()).toBeGreaterThanOrEqual((await x.max().item()) - 1e-5);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('matmul is associative and distributes over addition (within float32 rounding)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        async (m, k, n, p, seed) => {
          const a = at.randn([m, k], { seed });
          const b = at.randn([k, n], { seed: seed + 1 });
          const c = at.randn([n, p], { seed: seed + 2 });
          const d = at.randn([k, n], { seed: seed + 3 });
          expectClose(
            await a.matmul(b).matmul(c).data(),
            await a.matmul(b.matmul(c)).data(),
            { rtol: 1e-4, atol: 1e-4 },
            '(ab)c',
          );
          expectClose(
            await a.matmul(b.add(d)).data(),
            await a.matmul(b).add(a.matmul(d)).data(),
            { rtol: 1e-4, atol: 1e-4 },
            'a(b+d)',
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});
