import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { DataError, NumericalError } from '../../src/core/errors.js';
import { Interactions } from '../../src/data/interactions.js';
import { BPR, ChurnClassifier, KMeans, MatrixFactorization } from '../../src/models/index.js';
import { plantedClusters, plantedRatings } from './synthetic.js';

/**
 * Issue 10, bad values in training data: every fit refuses NaN, infinite, out-of-range and
 * mis-typed inputs with a DataError naming the row and column, and a fit that diverges throws a
 * NumericalError and leaves the weights of the earlier fit as they were.
 */

const grid = (rows: number, cols: number): number[][] =>
  Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => Math.sin(r * 3 + c) * 2));

describe('fit refuses bad values with a DataError naming row and column', () => {
  const bad: [string, unknown][] = [
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['null', null],
    ['a string', '3'],
    ['undefined', undefined],
    ['a boolean', true],
  ];
  for (const [what, value] of bad) {
    it(`ChurnClassifier.fit and KMeans.fit: ${what} at row 4, column 2`, async () => {
      const X = grid(10, 3) as unknown[][];
      X[4]![2] = value;
      const y = Array.from({ length: 10 }, (_, i) => i % 2);
      const rowCol = /X\[4\]\[2\] must be a (finite )?number \(row 4, column 2\)/;
      const churn = new ChurnClassifier({ epochs: 1, calibration: 'none' });
      await expect(churn.fit(X as number[][], y)).rejects.toThrow(DataError);
      await expect(churn.fit(X as number[][], y)).rejects.toThrow(rowCol);
      await expect(new KMeans({ k: 2 }).fit(X as number[][])).rejects.toThrow(DataError);
      await expect(new KMeans({ k: 2 }).fit(X as number[][])).rejects.toThrow(rowCol);
      // The flat form names the same cell.
      const flat = { data: (X as unknown[][]).flat() as number[], cols: 3 };
      await expect(new KMeans({ k: 2 }).fit(flat)).rejects.toThrow(rowCol);
    });
  }

  it('a finite value past the float32 range (it would train as Infinity) is out of range', async () => {
    const X = grid(4, 2);
    X[3]![1] = 1e39;
    await expect(new KMeans({ k: 1 }).fit(X)).rejects.toThrow(DataError);
    await expect(new ChurnClassifier({ calibration: 'none' }).fit(X, [0, 1, 0, 1])).rejects.toThrow(
      /X\[3\]\[1\] is outside the float32 range \(row 3, column 1\); got 1e\+39/,
    );
  });

  it('a NaN in a tensor input is refused the same way', async () => {
    const X = at.tensor([1, 2, 3, Number.NaN, 5, 6], { shape: [3, 2] });
    await expect(new KMeans({ k: 1 }).fit(X)).rejects.toThrow(
      /X\[1\]\[1\] must be a finite number \(row 1, column 1\)/,
    );
    X.dispose();
  });

  it('ChurnClassifier.fit: a label other than 0/1 is a DataError naming the row', async () => {
    const X = grid(6, 2);
    await expect(new ChurnClassifier({ calibration: 'none' }).fit(X, [0, 1, 0, 2, 1, 0])).rejects.toThrow(DataError);
    await expect(new ChurnClassifier({ calibration: 'none' }).fit(X, [0, 1, 0, 2, 1, 0])).rejects.toThrow(
      /y\[3\] must be 0 or 1 .*\(row 3\); got 2/,
    );
    await expect(
      new ChurnClassifier({ calibration: 'none' }).fit(X, [0, 1, Number.NaN, 1, 1, 0] as number[]),
    ).rejects.toThrow(/\(row 2\); got NaN/);
  });

  it('recommenders: Interactions refuse bad cells by row, and fit refuses anything but Interactions', async () => {
    expect(() => Interactions.fromArrays({ users: ['a', 'b'], items: ['x', 'y'], values: [1, Number.NaN] })).toThrow(
      /row 1: value must be a finite number; got NaN/,
    );
    expect(() => Interactions.fromArrays({ users: ['a', 'b'], items: ['x', 'y'], values: [1, Infinity] })).toThrow(
      DataError,
    );
    const rows = [{ user: 'a', item: 'x', value: 1 }];
    await expect(new MatrixFactorization().fit(rows as never)).rejects.toThrow(DataError);
    await expect(new BPR().fit(rows as never)).rejects.toThrow(/BPR\.fit: data must be Interactions/);
  });
});

describe('a fit that diverges throws NumericalError and keeps the earlier weights', () => {
  it('MatrixFactorization: a second fit with a huge lr leaves the first fit predicting as before', async () => {
    const { data } = plantedRatings({ users: 40, items: 30, rank: 2, density: 0.5, noise: 0.1, seed: 1 });
    const good = new MatrixFactorization({ factors: 4, epochs: 5, lr: 0.01, seed: 3 });
    await good.fit(data);
    const users = ['u0', 'u1', 'u5'];
    const items = ['i0', 'i3', 'i7'];
    const before = good.predict(users, items);
    const state = good.allArrays();
    const copy = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, Array.from(v.data)]));
    // The same model object, refit with an lr that blows up.
    (good as unknown as { opts: { lr: number } }).opts.lr = 50;
    await expect(good.fit(data)).rejects.toThrow(NumericalError);
    expect(good.fitted).toBe(true);
    expect(Array.from(good.predict(users, items))).toEqual(Array.from(before));
    for (const [k, v] of Object.entries(good.allArrays())) expect(Array.from(v.data)).toEqual(copy[k]);
  });

  it('BPR: the same, and a model that never fitted stays unfitted and says so', async () => {
    const { data } = plantedClusters({ users: 40, items: 30, groups: 3, perUser: 6, seed: 2 });
    const bpr = new BPR({ factors: 4, epochs: 3, lr: 0.05, seed: 1 });
    await bpr.fit(data);
    const before = (await bpr.recommend(data.userIds.id(0), { k: 5 })).map((r) => r.item);
    (bpr as unknown as { opts: { lr: number } }).opts.lr = 1e6;
    await expect(bpr.fit(data)).rejects.toThrow(NumericalError);
    expect((await bpr.recommend(data.userIds.id(0), { k: 5 })).map((r) => r.item)).toEqual(before);

    const fresh = new BPR({ factors: 4, epochs: 30, lr: 1e6, reg: 0 });
    await expect(fresh.fit(data)).rejects.toThrow(NumericalError);
    expect(fresh.fitted).toBe(false);
    await expect(fresh.recommend(data.userIds.id(0))).rejects.toThrow(/not fitted; call await model\.fit/);
  });

  it('ChurnClassifier: a refit on data that overflows throws NumericalError and keeps the earlier network', async () => {
    const X = grid(40, 3);
    const y = X.map((r) => (r[0]! + r[1]! > 0 ? 1 : 0));
    const clf = new ChurnClassifier({ epochs: 3, calibration: 'none', seed: 1 });
    await clf.fit(X, y);
    const before = Array.from(await clf.predictProba(X.slice(0, 5)));
    // Finite inputs whose products overflow float32 make the loss infinite.
    const huge = X.map((r) => r.map((v) => v * 1.5e38));
    await expect(clf.fit(huge, y)).rejects.toThrow(NumericalError);
    expect(Array.from(await clf.predictProba(X.slice(0, 5)))).toEqual(before);
    clf.dispose();
  });

  it('NextItemModel: a refit that diverges throws NumericalError and puts the earlier weights back', async () => {
    const seqs = Array.from({ length: 24 }, (_, u) => Array.from({ length: 4 + (u % 3) }, (_, t) => (u + t) % 10));
    const m = new at.models.NextItemModel({ arch: 'lstm', numItems: 10, dim: 8, layers: 1, maxLen: 6, seed: 1 });
    await m.fit(seqs, { epochs: 1, batchSize: 8, lr: 1e-2 });
    const weights = async (): Promise<number[][]> =>
      Promise.all(m.parameters().map(async (p) => Array.from(await p.data())));
    const before = await weights();
    await expect(m.fit(seqs, { epochs: 3, batchSize: 8, lr: 1e30, clipNorm: 0 })).rejects.toThrow(NumericalError);
    expect(await weights()).toEqual(before);
    m.dispose();
  });
});
