import { DataError, ValueError, fmtValue } from '../core/errors.js';
import type { Interactions } from './interactions.js';
import { Rng } from '../core/random.js';

/** A train/test pair. Both sides share the id maps of the source, so indices agree. */
export interface Split {
  /** Rows to fit on. */
  train: Interactions;
  /** Rows to evaluate on. */
  test: Interactions;
}

/** Options for the random splits. */
export interface SeedOptions {
  /** Non-negative integer seed; default 0. The same seed gives the same split everywhere. */
  seed?: number;
}

/**
 * K-fold cross-validation over rows: rows are shuffled with `seed` and dealt into `k` folds
 * whose sizes differ by at most one. Fold f's test set is fold f and its train set is the rest,
 * so every row is in exactly one test set. Rows keep their original order within each side.
 * `k` must be an integer in [2, length].
 */
export function kFold(data: Interactions, k: number, options: SeedOptions = {}): Split[] {
  const n = data.length;
  if (!Number.isInteger(k) || k < 2 || k > n) {
    throw new ValueError(`kFold: k must be an integer in [2, ${n}] (the number of rows); got ${fmtValue(k)}`);
  }
  const perm = new Rng(options.seed ?? 0, 'kFold').permutation(n);
  const fold = new Int32Array(n);
  for (let j = 0; j < n; j++) fold[perm[j]!] = j % k;
  const splits: Split[] = [];
  for (let f = 0; f < k; f++) splits.push(splitBy(data, (r) => fold[r] === f));
  return splits;
}

/**
 * A seeded random split: `round(length * testFraction)` rows go to test. Throws a ValueError
 * unless `testFraction` is in (0, 1) and both sides get at least one row.
 */
export function randomSplit(data: Interactions, testFraction: number, options: SeedOptions = {}): Split {
  const n = data.length;
  const nTest = testCount('randomSplit', n, testFraction);
  const perm = new Rng(options.seed ?? 0, 'randomSplit').permutation(n);
  const inTest = new Uint8Array(n);
  for (let j = 0; j < nTest; j++) inTest[perm[j]!] = 1;
  return splitBy(data, (r) => inTest[r] === 1);
}

/** Where {@link temporalSplit} cuts: a fraction of the latest rows, or a time. */
export type TemporalSplitOptions =
  | {
      /** Share of the latest rows to test on, in (0, 1). */
      testFraction: number;
      cutoffTime?: never;
    }
  | {
      /** Rows at or after this time are test rows. */
      cutoffTime: number;
      testFraction?: never;
    };

/**
 * A global split in time, so no training row comes after a test row. With `cutoffTime`, rows
 * with time < cutoff train and the rest test. With `testFraction`, the cutoff is the time of the
 * row that starts the latest `round(length * testFraction)` rows; rows tied with it all go to
 * test, so the test side can be slightly larger than asked. Throws a ValueError when the data
 * have no times or when either side would be empty.
 */
export function temporalSplit(data: Interactions, options: TemporalSplitOptions): Split {
  const times = data.times;
  if (!times) throw new ValueError('temporalSplit: the interactions have no times; load them with a time column');
  let cutoff: number;
  if (options.cutoffTime !== undefined) {
    cutoff = options.cutoffTime;
    if (!Number.isFinite(cutoff))
      throw new ValueError(`temporalSplit: cutoffTime must be a finite number; got ${fmtValue(cutoff)}`);
  } else if (options.testFraction !== undefined) {
    const n = data.length;
    const nTest = testCount('temporalSplit', n, options.testFraction);
    const sorted = Float64Array.from(times).sort();
    cutoff = sorted[n - nTest]!;
  } else {
    throw new ValueError('temporalSplit: give options.testFraction or options.cutoffTime');
  }
  const split = splitBy(data, (r) => times[r]! >= cutoff);
  if (split.train.length === 0 || split.test.length === 0) {
    throw new ValueError(
      `temporalSplit: cutoff time ${cutoff} leaves the ${split.train.length === 0 ? 'train' : 'test'} side empty`,
    );
  }
  return split;
}

/**
 * Leave-last-out, the usual protocol for next-item recommendation: each user's latest
 * interaction (greatest time; ties and missing times go by input order, so the later row is
 * "latest") goes to test, the rest to train. Users with a single interaction stay wholly in
 * train, so every test user also appears in train. Throws a DataError when no user has two or
 * more interactions.
 */
export function leaveLastOut(data: Interactions): Split {
  const g = data.byUser();
  const inTest = new Uint8Array(data.length);
  let count = 0;
  for (let u = 0; u < data.numUsers; u++) {
    const lo = g.offsets[u]!;
    const hi = g.offsets[u + 1]!;
    if (hi - lo >= 2) {
      inTest[g.rows[hi - 1]!] = 1;
      count++;
    }
  }
  if (count === 0)
    throw new DataError('leaveLastOut: no user has two or more interactions, so the test side would be empty');
  return splitBy(data, (r) => inTest[r] === 1);
}

/**
 * Row indices split within each class of binary `labels` (0 or 1; other values go to neither
 * side): `round(count * testFraction)` of each class's rows, drawn with `rng`, go to test, so
 * both sides keep the positive rate. Both index lists come back sorted. The churn classifier's
 * validation split and the CLI's churn test split both use it.
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  testFraction: number,
  rng: Rng,
): { train: number[]; test: number[] } {
  if (!(testFraction > 0 && testFraction < 1))
    throw new ValueError(`stratifiedSplit: testFraction must be in (0, 1); got ${fmtValue(testFraction)}`);
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) rows.push(i);
    rng.shuffle(rows);
    const n = Math.round(rows.length * testFraction);
    test.push(...rows.slice(0, n));
    train.push(...rows.slice(n));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

function testCount(op: string, n: number, fraction: number): number {
  if (!(fraction > 0 && fraction < 1))
    throw new ValueError(`${op}: testFraction must be in (0, 1); got ${fmtValue(fraction)}`);
  const nTest = Math.round(n * fraction);
  if (nTest < 1 || nTest > n - 1) {
    throw new ValueError(
      `${op}: testFraction ${fraction} of ${n} rows gives ${nTest} test rows; both sides need at least one`,
    );
  }
  return nTest;
}

function splitBy(data: Interactions, isTest: (row: number) => boolean): Split {
  const train: number[] = [];
  const test: number[] = [];
  for (let r = 0; r < data.length; r++) (isTest(r) ? test : train).push(r);
  return { train: data.subset(train), test: data.subset(test) };
}
