import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { ValueError } from '../../src/core/errors.js';
import { conformanceBackends, onBackend, tol } from '../helpers/backends.js';

const { WeightAverage } = at.optim;

/** a ← d·a + (1 − d)·p with d = min(decay, (1 + t)/(10 + t)), in float64, over the given values of p. */
function reference(start: number[], values: number[][], decay: number): number[] {
  const a = [...start];
  values.forEach((p, k) => {
    const t = k + 1;
    const d = Math.min(decay, (1 + t) / (10 + t));
    for (let i = 0; i < a.length; i++) a[i] = d * a[i]! + (1 - d) * p[i]!;
  });
  return a;
}

function close(got: ArrayLike<number>, want: number[], rtol: number, atol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(atol + rtol * Math.abs(want[i]!));
}

for (const path of conformanceBackends()) {
  describe(`WeightAverage on ${path}`, () => {
    onBackend(path);
    const { rtol, atol } = tol(path);

    it('tracks the ramped moving average over 30 steps and swaps it in and out', async () => {
      const start = [0.5, -1, 2, 3, -0.25, 1.5];
      const p = at.tensor(start, { shape: [2, 3], requiresGrad: true });
      const avg = new WeightAverage([p], 0.9);
      const values: number[][] = [];
      for (let t = 0; t < 30; t++) {
        const next = start.map((v, i) => v + Math.sin(t * 0.7 + i) * (1 + t / 10));
        values.push(next);
        p.assign(at.tensor(next, { shape: [2, 3] }));
        at.scope(() => avg.update());
      }
      const want = reference(start, values, 0.9);
      const live = values[values.length - 1]!;
      // Inside withAverage the parameter holds the average; afterwards the live weights again.
      const inside = await avg.withAverage(async () => Array.from(await p.data()));
      close(inside, want, rtol, atol);
      close(await p.data(), live.map(Math.fround), 0, 0);
      const copies = avg.copies();
      close(await copies[0]!.data(), want, rtol, atol);
      copies[0]!.dispose();
      avg.copyInto();
      close(await p.data(), want, rtol, atol);
      // The ramp: the first update weighs the new value by 1 − 2/11, not by 1 − decay.
      const q = at.tensor([0, 0]);
      const first = new WeightAverage([q], 0.999);
      q.assign(at.tensor([11, 22]));
      first.update();
      first.copyInto();
      close(await q.data(), [9, 18], rtol, atol);
      first.dispose();
      avg.dispose();
      p.dispose();
      q.dispose();
    });
  });
}

describe('WeightAverage options', () => {
  it('refuses a decay outside [0, 1) by name', () => {
    const p = at.tensor([1]);
    expect(() => new WeightAverage([p], 1)).toThrow(ValueError);
    expect(() => new WeightAverage([p], -0.1)).toThrow(/WeightAverage: decay must be a number in \[0, 1\); got -0.1/);
    p.dispose();
  });
});
