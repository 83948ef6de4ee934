import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { conformanceBackends, onBackend, tol } from '../helpers/backends.js';
import { expectClose, matmulRef, sizeOf } from '../helpers/reference.js';

function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(i * 1.618 + seed) * 2);
  return out;
}

const gelu = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

for (const backend of conformanceBackends()) {
  describe(`matmul conformance on ${backend}`, () => {
    onBackend(backend);
    const { rtol, atol } = tol(backend);

    it('matches the naive product for random sizes', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 70 }),
          fc.integer({ min: 1, max: 70 }),
          fc.integer({ min: 1, max: 70 }),
          async (m, k, n) => {
            const a = data(m * k, 1);
            const b = data(k * n, 2);
            const out = at.matmul(at.tensor(a, { shape: [m, k] }), at.tensor(b, { shape: [k, n] }));
            expect(out.shape).toEqual([m, n]);
            expectClose(
              await out.data(),
              matmulRef(a, b, m, k, n),
              { rtol: rtol * 10, atol: atol * 100 },
              `matmul ${m}x${k}x${n}`,
            );
          },
        ),
        { numRuns: backend === 'cpu' ? 30 : 10 },
      );
    });

    it('broadcasts batch dims and shares a rank-2 operand', async () => {
      const a = data(2 * 3 * 4 * 5, 3);
      const b = data(3 * 5 * 6, 4);
      const out = at.matmul(at.tensor(a, { shape: [2, 3, 4, 5] }), at.tensor(b, { shape: [3, 5, 6] }));
      expect(out.shape).toEqual([2, 3, 4, 6]);
      const got = await out.data();
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++) {
          const ref = matmulRef(
            a.subarray((i * 3 + j) * 20, (i * 3 + j + 1) * 20),
            b.subarray(j * 30, (j + 1) * 30),
            4,
            5,
            6,
          );
          expectClose(
            got.subarray((i * 3 + j) * 24, (i * 3 + j + 1) * 24),
            ref,
            { rtol, atol: atol * 10 },
            `batch ${i},${j}`,
          );
        }
      const shared = at.matmul(at.tensor(a, { shape: [6, 4, 5] }), at.tensor(b.subarray(0, 30), { shape: [5, 6] }));
      const sg = await shared.data();
      for (let i = 0; i < 6; i++) {
        expectClose(
          sg.subarray(i * 24, (i + 1) * 24),
          matmulRef(a.subarray(i * 20, (i + 1) * 20), b.subarray(0, 30), 4, 5, 6),
          { rtol, atol: atol * 10 },
          `shared ${i}`,
        );
      }
    });

    it('handles vectors like numpy (GEMV and dot)', async () => {
      const A = at.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const v = at.tensor([1, 0, -1]);
      const mv = at.matmul(A, v);
      expect(mv.shape).toEqual([2]);
      expect(Array.from(await mv.data())).toEqual([-2, -2]);
      const vm = at.matmul(at.tensor([1, 1]), A);
      expect(vm.shape).toEqual([3]);
      expect(Array.from(await vm.data())).toEqual([5, 7, 9]);
      const dot = at.matmul(v, v);
      expect(dot.shape).toEqual([]);
      expect(await dot.item()).toBe(2);
    });

    it('linear fuses bias and activation like x @ Wᵀ + b', async () => {
      const x = data(5 * 7, 5);
      const w = data(3 * 7, 6);
      const bias = data(3, 7);
      const wT = Array.from({ length: 21 }, (_, i) => w[(i % 3) * 7 + Math.floor(i / 3)]!);
      const base = matmulRef(x, wT, 5, 7, 3).map((v, i) => v + bias[i % 3]!);
      const acts: [at.Activation, (v: number) => number][] = [
        ['none', (v) => v],
        ['relu', (v) => Math.max(v, 0)],
        ['tanh', Math.tanh],
        ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
        ['gelu', gelu],
      ];
      for (const [act, f] of acts) {
        const y = at.linear(at.tensor(x, { shape: [5, 7] }), at.tensor(w, { shape: [3, 7] }), at.tensor(bias), act);
        expectClose(await y.data(), base.map(f), { rtol: 1e-3, atol: 1e-4 }, `linear ${act}`);
      }
      const y3 = at.linear(at.tensor(x.subarray(0, 28), { shape: [2, 2, 7] }), at.tensor(w, { shape: [3, 7] }));
      expect(y3.shape).toEqual([2, 2, 3]);
    });

    it('names both shapes when inner dimensions differ', () => {
      expect(() => at.matmul(at.zeros([2, 3]), at.zeros([4, 5]))).toThrow(
        'matmul: a has shape [2,3] and b has shape [4,5]; inner dimensions 3 and 4 must match',
      );
      expect(sizeOf([2, 3])).toBe(6);
    });
  });
}
