import type { Interactions } from '../data/interactions.js';
import { kFold } from '../data/split.js';
import { mae, rmse } from './regression.js';

/** What crossValidate needs from a model: fit on interactions, predict index pairs of the same id maps. */
export interface RatingModel {
  fit(data: Interactions): Promise<unknown>;
  predictIndices(users: Int32Array, items: Int32Array): Float32Array;
  dispose?(): void;
}

export interface FoldResult {
  fold: number;
  rmse: number;
  mae: number;
  /** Wall time of `fit` in milliseconds. */
  fitMs: number;
  /** Wall time of predicting the test fold in milliseconds. */
  testMs: number;
  trainRows: number;
  testRows: number;
}

export interface CrossValidation {
  folds: FoldResult[];
  mean: { rmse: number; mae: number; fitMs: number };
  std: { rmse: number; mae: number };
}

/**
 * K-fold cross-validation of a rating model (RMSE and MAE per fold), as Surprise's
 * `cross_validate` does: rows are split by {@link kFold} with `seed`, a fresh model from
 * `factory` is fitted on each training side and scored on the held-out side. Items or users
 * that only occur in a test fold keep their untrained parameters (the biases' prior), as in
 * Surprise. `onFold` sees each fold's result as it finishes; `maxFolds` stops after that many
 * folds (for slow contenders in benchmarks).
 */
export async function crossValidate(
  factory: (fold: number) => RatingModel,
  data: Interactions,
  options: { folds?: number; seed?: number; maxFolds?: number; onFold?: (r: FoldResult) => void } = {},
): Promise<CrossValidation> {
  const splits = kFold(data, options.folds ?? 5, { seed: options.seed ?? 0 });
  const folds: FoldResult[] = [];
  const run = Math.min(splits.length, options.maxFolds ?? splits.length);
  for (let f = 0; f < run; f++) {
    const { train, test } = splits[f]!;
    const model = factory(f);
    const t0 = performance.now();
    await model.fit(train);
    const t1 = performance.now();
    const pred = model.predictIndices(test.users, test.items);
    const t2 = performance.now();
    model.dispose?.();
    const r: FoldResult = {
      fold: f,
      rmse: rmse(test.values, pred),
      mae: mae(test.values, pred),
      fitMs: t1 - t0,
      testMs: t2 - t1,
      trainRows: train.length,
      testRows: test.length,
    };
    folds.push(r);
    options.onFold?.(r);
  }
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]): number => Math.sqrt(avg(xs.map((x) => (x - avg(xs)) ** 2)));
  return {
    folds,
    mean: {
      rmse: avg(folds.map((r) => r.rmse)),
      mae: avg(folds.map((r) => r.mae)),
      fitMs: avg(folds.map((r) => r.fitMs)),
    },
    std: { rmse: sd(folds.map((r) => r.rmse)), mae: sd(folds.map((r) => r.mae)) },
  };
}
