import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/core/errors.js';
import { randomSplit } from '../../src/data/split.js';
import { rmse } from '../../src/metrics/regression.js';
import { ALS, BaselineOnly, loadRecommender, saveRecommender } from '../../src/models/index.js';
import { plantedRatings } from './synthetic.js';

const NOISE = 0.1;
const planted = plantedRatings({ users: 120, items: 90, rank: 3, density: 0.4, noise: NOISE });
const split = randomSplit(planted.data, 0.2, { seed: 3 });

describe('ALS (explicit)', () => {
  it('recovers a planted rank-3 matrix: held-out RMSE near the noise, far below the biases', async () => {
    const losses: number[] = [];
    const als = await new ALS({ factors: 6, epochs: 15, reg: 0.01, clip: false }).fit(split.train, {
      onEpoch: (e) => void losses.push(e.loss),
    });
    expect(losses).toHaveLength(15);
    // Each half-step is an exact minimization, so the training loss never rises.
    for (let e = 1; e < losses.length; e++) expect(losses[e]!).toBeLessThanOrEqual(losses[e - 1]! + 1e-4);
    const err = rmse(split.test.values, als.predictIndices(split.test.users, split.test.items));
    const base = await new BaselineOnly({ epochs: 30 }).fit(split.train);
    const baseErr = rmse(split.test.values, base.predictIndices(split.test.users, split.test.items));
    expect(err).toBeLessThan(2 * NOISE);
    expect(baseErr).toBeGreaterThan(3 * err);
  });

  it('saves and loads, and checks its options', async () => {
    const als = await new ALS({ factors: 3, epochs: 3 }).fit(split.train);
    const back = loadRecommender(saveRecommender(als));
    expect(back.predict(['u1'], ['i2'])).toEqual(als.predict(['u1'], ['i2']));
    expect(() => new ALS({ reg: 0 })).toThrow(ValueError);
    expect(() => new ALS({ factors: 1.5 })).toThrow(/option factors must be an integer/);
  });
});
