import { describe, expect, it } from 'vitest';
import type { FitProgress } from '../../src/core/fit-control.js';
import { BPR, type FactorModel, ImplicitALS, MatrixFactorization, SVDpp } from '../../src/models/index.js';
import { plantedRatings } from './synthetic.js';

// 40 000 ratings: with 16 384 rows per CPU batch an MF epoch is 3 batches.
const { data } = plantedRatings({ users: 400, items: 200, rank: 3, density: 0.5, noise: 0.1 });

/** Fits with an abort raised from onProgress at (epoch, batch); returns what progress saw. */
async function abortAt(m: FactorModel, epoch: number, batch: number): Promise<{ seen: FitProgress[]; error: unknown }> {
  const ctl = new AbortController();
  const seen: FitProgress[] = [];
  let error: unknown;
  try {
    await m.fit(data, {
      signal: ctl.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.epoch === epoch && p.batch === batch) ctl.abort();
      },
    });
  } catch (e) {
    error = e;
  }
  return { seen, error };
}

describe('FitControl in the recommender fits', () => {
  const cases: [string, () => FactorModel, number][] = [
    ['MatrixFactorization', () => new MatrixFactorization({ factors: 4, epochs: 5 }), 3],
    ['BPR', () => new BPR({ factors: 4, epochs: 5 }), 3],
    ['SVDpp', () => new SVDpp({ factors: 4, epochs: 5 }), 7],
    ['ImplicitALS', () => new ImplicitALS({ factors: 4, epochs: 5 }), 2],
  ];
  for (const [name, make, batches] of cases) {
    it(`${name}: an abort rejects with AbortError at the next batch boundary and the model still recommends`, async () => {
      const m = make();
      const { seen, error } = await abortAt(m, 2, 1);
      expect((error as Error).name).toBe('AbortError');
      // Nothing ran after the batch that saw the abort.
      expect(seen).toHaveLength(batches + 1);
      expect(seen.at(-1)).toMatchObject({ epoch: 2, batch: 1, batches, epochs: 5 });
      expect(seen.at(-1)!.fraction).toBeCloseTo((1 + 1 / batches) / 5, 6);
      expect(m.fitted).toBe(true);
      const recs = await m.recommend(data.userIds.id(0), { k: 5 });
      expect(recs).toHaveLength(5);
      for (const r of recs) expect(Number.isFinite(r.score)).toBe(true);
    });
  }

  it('an aborted MF keeps the tables of its last batch: they differ from the initial ones', async () => {
    const zero = await new MatrixFactorization({ factors: 4, epochs: 0 }).fit(data);
    const m = new MatrixFactorization({ factors: 4, epochs: 5 });
    await abortAt(m, 1, 2);
    const a = m.factors().userFactors;
    const b = zero.factors().userFactors;
    expect(a.length).toBe(b.length);
    expect(a.some((v, j) => v !== b[j])).toBe(true);
  });

  it('timers fire during an MF fit with yieldEvery', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await new MatrixFactorization({ factors: 8, epochs: 6 }).fit(data, { yieldEvery: 1 });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
