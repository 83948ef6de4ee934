import { describe, expect, it } from 'vitest';
import { NumericalError } from '../../src/core/errors.js';
import { BPR, MatrixFactorization } from '../../src/models/index.js';
import { plantedClusters, plantedRatings } from './synthetic.js';

/** A learning rate far too large makes SGD blow up; fit must say so, never hand back NaN. */
describe('training that diverges is an error, not NaN predictions', () => {
  it('MatrixFactorization with a huge learning rate throws NumericalError naming lr', async () => {
    const { data } = plantedRatings({ users: 40, items: 30, rank: 2, density: 0.5, noise: 0.1, seed: 1 });
    const mf = new MatrixFactorization({ factors: 4, epochs: 30, lr: 50, reg: 0 });
    await expect(mf.fit(data)).rejects.toThrow(NumericalError);
    await expect(
      new MatrixFactorization({ factors: 4, epochs: 30, lr: 50, reg: 0 }).fit(data, { onEpoch: () => {} }),
    ).rejects.toThrow(/MatrixFactorization\.fit: training diverged: .*lower lr \(now 50\)/);
  });

  it('BPR with a huge learning rate throws NumericalError too', async () => {
    const { data } = plantedClusters({ users: 40, items: 30, groups: 3, perUser: 6, seed: 2 });
    await expect(new BPR({ factors: 4, epochs: 30, lr: 1e6, reg: 0 }).fit(data)).rejects.toThrow(NumericalError);
  });
});
