import { checkInt } from '../core/checks.js';
import { ShapeError, ValueError } from '../core/errors.js';
import { Rng } from '../core/random.js';

/** A row-major feature matrix as the predict function receives it. */
export interface FeatureMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Options of {@link permutationImportance}. */
export interface PermutationImportanceOptions {
  /** Shuffles per feature; default 5. */
  repeats?: number;
  /** Seed of the shuffles; default 0. */
  seed?: number;
  /**
   * Features as named column groups permuted together (a one-hot block is one feature); default
   * one feature per column, named by `names` or `x0`, `x1`, ...
   */
  features?: readonly { name: string; columns: readonly number[] }[];
  /** Column names when `features` is not given. */
  names?: readonly string[];
  /** Whether larger metric values are better (ROC-AUC: true; log loss: false); default true. */
  higherIsBetter?: boolean;
}

/** One feature's importance: how much the metric worsens when its columns are shuffled. */
export interface FeatureImportance {
  name: string;
  /** Mean drop in the metric over the repeats (positive: the model relies on it). */
  importance: number;
  /** Standard deviation of the drop over the repeats. */
  std: number;
  /** Normal-approximation 95% interval of the mean drop: importance ± 1.96 std / √repeats. */
  lo: number;
  hi: number;
  drops: number[];
}

/**
 * Permutation importance (Breiman 2001; Fisher, Rudin and Dominici 2019) for any model: the
 * metric on (X, y) as given, then again with one feature's columns shuffled across rows (the
 * link to y broken, the marginal kept), `repeats` times per feature with the library's Rng.
 * Works with anything that maps a feature matrix to scores; `metric(yTrue, scores)` is any
 * metric such as rocAuc. Features are sorted by importance, largest first.
 *
 * @example
 * const imp = await at.metrics.permutationImportance((X) => clf.predictProba(X), { data: X.data, cols: X.cols }, y, at.metrics.rocAuc, { features });
 */
export async function permutationImportance(
  predict: (x: FeatureMatrix) => ArrayLike<number> | Promise<ArrayLike<number>>,
  x: { data: ArrayLike<number>; cols: number },
  y: ArrayLike<number>,
  metric: (yTrue: ArrayLike<number>, scores: ArrayLike<number>) => number,
  options: PermutationImportanceOptions = {},
): Promise<{ baseline: number; features: FeatureImportance[] }> {
  const op = 'permutationImportance';
  const cols = checkInt(op, 'x.cols', x.cols, 1);
  if (x.data.length % cols !== 0)
    throw new ShapeError(`${op}: x.data has ${x.data.length} values, not a multiple of cols ${cols}`);
  const rows = x.data.length / cols;
  if (rows !== y.length) throw new ShapeError(`${op}: x has ${rows} rows but y has ${y.length}`);
  if (rows < 2) throw new ValueError(`${op}: needs at least 2 rows to shuffle`);
  const repeats = checkInt(op, 'repeats', options.repeats ?? 5, 1);
  const sign = options.higherIsBetter === false ? -1 : 1;
  if (options.names && options.names.length !== cols)
    throw new ShapeError(`${op}: names has ${options.names.length} entries for ${cols} columns`);
  const features =
    options.features ?? Array.from({ length: cols }, (_, c) => ({ name: options.names?.[c] ?? `x${c}`, columns: [c] }));
  for (const f of features) {
    if (f.columns.length === 0) throw new ValueError(`${op}: feature ${JSON.stringify(f.name)} names no columns`);
    for (const c of f.columns)
      if (!Number.isInteger(c) || c < 0 || c >= cols)
        throw new ValueError(`${op}: feature ${JSON.stringify(f.name)} names column ${c}, outside [0, ${cols})`);
  }
  const base = Float64Array.from(x.data);
  const score = async (data: Float64Array) => {
    const s = await predict({ data, rows, cols });
    if (s.length !== rows) throw new ShapeError(`${op}: predict returned ${s.length} scores for ${rows} rows`);
    const m = metric(y, s);
    if (!Number.isFinite(m)) throw new ValueError(`${op}: the metric returned ${m}`);
    return m;
  };
  const baseline = await score(base);
  const rng = new Rng(options.seed ?? 0, op, 'shuffle');
  const out: FeatureImportance[] = [];
  for (const f of features) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const perm = rng.permutation(rows);
      const data = Float64Array.from(base);
      for (let i = 0; i < rows; i++) for (const c of f.columns) data[i * cols + c] = base[perm[i]! * cols + c]!;
      drops.push(sign * (baseline - (await score(data))));
    }
    const mean = drops.reduce((a, b) => a + b, 0) / repeats;
    const std = repeats > 1 ? Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / (repeats - 1)) : 0;
    const half = (1.96 * std) / Math.sqrt(repeats);
    out.push({ name: f.name, importance: mean, std, lo: mean - half, hi: mean + half, drops });
  }
  out.sort((a, b) => b.importance - a.importance);
  return { baseline, features: out };
}
