import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MfArrays, mfBprKernel, mfSgdKernel } from '../../src/backends/cpu/mf.js';
import { WasmKernels } from '../../src/backends/wasm/index.js';
import { expectClose } from '../helpers/reference.js';

function data(n: number, seed: number, scale = 0.3): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(i * 1.31 + seed * 4.7) * scale);
  return out;
}

/** Ids in [0, n) with repeats, so later rows see earlier rows' updates of the same table row. */
const ids = (rows: number, n: number, seed: number) => Int32Array.from({ length: rows }, (_, r) => (r * seed + 3) % n);

function tables(U: number, I: number, k: number): MfArrays {
  return { p: data(U * k, 1), q: data(I * k, 2), bu: data(U, 3, 0.1), bi: data(I, 4, 0.1) };
}

const copy = (t: MfArrays): MfArrays => ({ p: t.p.slice(), q: t.q.slice(), bu: t.bu.slice(), bi: t.bi.slice() });

function expectTables(got: MfArrays, want: MfArrays, what: string): void {
  for (const key of ['p', 'q', 'bu', 'bi'] as const)
    expectClose(got[key], want[key], { rtol: 1e-4, atol: 2e-6 }, `${key} ${what}`);
}

describe('WebAssembly MF SGD and BPR against the TypeScript kernels', () => {
  const kernels = new WasmKernels();

  it('SGD matches row by row on repeated users and items, with and without biases and loss', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4, 8, 12, 32, 64),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        fc.boolean(),
        (k, count, start, biases, withLoss) => {
          const [U, I, rows] = [7, 11, start + count];
          const t = tables(U, I, k);
          const [users, items] = [ids(rows, U, 5), ids(rows, I, 7)];
          const ratings = data(rows, 9, 2).map((x) => x + 3);
          const info = { k, start, count, lr: 0.05, reg: 0.02, lrBias: 0.03, regBias: 0.01, mean: 3.1, biases };
          const [want, got] = [copy(t), copy(t)];
          const [lw, lg] = withLoss ? [new Float32Array(rows), new Float32Array(rows)] : [undefined, undefined];
          mfSgdKernel(want, users, items, ratings, lw, info);
          expect(kernels.mfSgd(got, users, items, ratings, lg, info)).toBe(true);
          const what = JSON.stringify({ k, count, start, biases });
          expectTables(got, want, what);
          if (lw && lg) expectClose(lg, lw, { rtol: 1e-4, atol: 1e-6 }, `loss ${what}`);
          // The update did something: a test of an update that changes nothing cannot fail.
          expect(got.p).not.toEqual(t.p);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('BPR matches row by row, including a row whose negative is its positive', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4, 16, 64),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        (k, count, start, withLoss) => {
          const [U, I, rows] = [6, 9, start + count];
          const t = tables(U, I, k);
          const [users, pos, neg] = [ids(rows, U, 5), ids(rows, I, 4), ids(rows, I, 7)];
          neg[start] = pos[start]!;
          const info = { k, start, count, lr: 0.08, reg: 0.01, regBias: 0.02 };
          const [want, got] = [copy(t), copy(t)];
          const [lw, lg] = withLoss ? [new Float32Array(rows), new Float32Array(rows)] : [undefined, undefined];
          mfBprKernel(want, users, pos, neg, lw, info);
          expect(kernels.mfBpr(got, users, pos, neg, lg, info)).toBe(true);
          const what = JSON.stringify({ k, count, start });
          expectTables(got, want, what);
          if (lw && lg) expectClose(lg, lw, { rtol: 1e-4, atol: 1e-6 }, `loss ${what}`);
          expect(got.q).not.toEqual(t.q);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('leaves k off the f32x4 width to the TypeScript kernels', () => {
    const t = tables(2, 2, 3);
    const info = { k: 3, start: 0, count: 1, lr: 0.1, reg: 0, lrBias: 0, regBias: 0, mean: 0, biases: false };
    expect(kernels.mfSgd(t, Int32Array.of(0), Int32Array.of(1), Float32Array.of(1), undefined, info)).toBe(false);
  });
});
