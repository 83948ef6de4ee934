import { ValueError, fmtValue } from '../core/errors.js';
import { chiSquareSf, kolmogorovSf } from '../experiments/distributions.js';
import { checkBins, checkFinite } from './validate.js';

/** Options for {@link psi}. */
export interface PsiOptions {
  /** Number of bins; default 10. */
  bins?: number;
  /**
   * `'quantile'` (default): edges at the expected sample's quantiles, so each bin holds about
   * the same share of it; repeated edges (heavy ties) merge, giving fewer bins. `'uniform'`:
   * equal-width bins over the expected sample's range; actual values outside it fall in the
   * end bins.
   */
  binning?: 'quantile' | 'uniform';
  /** Floor for a bin's share, so an empty bin gives a large finite term instead of Infinity; default 1e-4. */
  eps?: number;
}

/**
 * Population stability index between a reference sample `expected` (training data, last
 * quarter) and a new sample `actual`: sum over bins of (a - e) * ln(a / e), with a and e the
 * two samples' shares of each bin. Rules of thumb: < 0.1 stable, 0.1-0.25 moderate shift,
 * > 0.25 large shift. NaN or infinite values, or an empty sample, are a ValueError.
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>, options: PsiOptions = {}): number {
  const op = 'psi';
  const bins = options.bins ?? 10;
  const eps = options.eps ?? 1e-4;
  checkBins(op, bins);
  if (!(eps > 0 && eps < 1)) throw new ValueError(`${op}: eps must be in (0, 1); got ${fmtValue(eps)}`);
  if (expected.length === 0) throw new ValueError(`${op}: expected is empty`);
  if (actual.length === 0) throw new ValueError(`${op}: actual is empty`);
  checkFinite(op, 'expected', expected);
  checkFinite(op, 'actual', actual);
  const sorted = Float64Array.from(expected).sort();
  const edges = options.binning === 'uniform' ? uniformEdges(sorted, bins) : quantileEdges(sorted, bins);
  const e = shares(expected, edges);
  const a = shares(actual, edges);
  let s = 0;
  for (let b = 0; b < e.length; b++) {
    const eb = Math.max(e[b]!, eps);
    const ab = Math.max(a[b]!, eps);
    s += (ab - eb) * Math.log(ab / eb);
  }
  return s;
}

/** Inner edges (bins - 1 of them, fewer after merging repeats); bin = number of edges ≤ x. */
function quantileEdges(sorted: Float64Array, bins: number): number[] {
  const edges: number[] = [];
  for (let j = 1; j < bins; j++) {
    const q = sorted[Math.floor((j * sorted.length) / bins)]!;
    if (q > sorted[0]! && (edges.length === 0 || q > edges[edges.length - 1]!)) edges.push(q);
  }
  return edges;
}

function uniformEdges(sorted: Float64Array, bins: number): number[] {
  const lo = sorted[0]!;
  const hi = sorted[sorted.length - 1]!;
  if (hi === lo) return [];
  return Array.from({ length: bins - 1 }, (_, j) => lo + ((j + 1) * (hi - lo)) / bins);
}

function shares(x: ArrayLike<number>, edges: number[]): Float64Array {
  const out = new Float64Array(edges.length + 1);
  for (let i = 0; i < x.length; i++) {
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid]! <= x[i]!) lo = mid + 1;
      else hi = mid;
    }
    out[lo]!++;
  }
  for (let b = 0; b < out.length; b++) out[b]! /= x.length;
  return out;
}

/** A two-sample test of whether two samples come from one distribution. */
export interface DriftTest {
  /** KS: the largest gap between the two empirical CDFs; chi-square: Pearson's statistic. */
  statistic: number;
  pValue: number;
  /** `'exact'` or `'asymptotic'` (KS), `'chi-square'` (categorical). */
  method: 'exact' | 'asymptotic' | 'chi-square';
  /** Degrees of freedom (chi-square only). */
  df?: number;
}

/** Two-sample sizes up to this product get the exact KS p-value; above it Kolmogorov's limit is accurate. */
const KS_EXACT_CELLS = 1e6;

/**
 * Two-sample Kolmogorov–Smirnov test for a numeric feature: D = max |F_ref(x) - F_cur(x)|, and
 * the two-sided p-value, exact (the lattice-path count of Hodges, 1958) when
 * n_ref·n_cur ≤ 1e6, else from Kolmogorov's limiting distribution at √(n·m/(n+m))·D. The same D
 * and exact p as scipy's `ks_2samp(method='exact')`; the large-sample p is scipy's `kstwobign`.
 */
export function ksTest(reference: ArrayLike<number>, current: ArrayLike<number>): DriftTest {
  const op = 'ksTest';
  if (reference.length === 0) throw new ValueError(`${op}: reference is empty`);
  if (current.length === 0) throw new ValueError(`${op}: current is empty`);
  checkFinite(op, 'reference', reference);
  checkFinite(op, 'current', current);
  const a = Float64Array.from(reference).sort();
  const b = Float64Array.from(current).sort();
  const n = a.length;
  const m = b.length;
  // Walk both sorted samples; at each distinct value both CDFs have taken every tie (so ties never open a gap).
  let i = 0;
  let j = 0;
  let gap = 0; // max |i·m - j·n|, in integer units of 1/(n·m)
  while (i < n || j < m) {
    const v = Math.min(i < n ? a[i]! : Number.POSITIVE_INFINITY, j < m ? b[j]! : Number.POSITIVE_INFINITY);
    while (i < n && a[i] === v) i++;
    while (j < m && b[j] === v) j++;
    gap = Math.max(gap, Math.abs(i * m - j * n));
  }
  const statistic = gap / (n * m);
  if (n * m <= KS_EXACT_CELLS) return { statistic, pValue: ksExact(n, m, gap), method: 'exact' };
  const en = (n * m) / (n + m);
  return { statistic, pValue: kolmogorovSf(Math.sqrt(en) * statistic), method: 'asymptotic' };
}

/**
 * P(D ≥ h/(n·m)) under H0: one minus the share of monotone lattice paths from (0, 0) to (n, m)
 * that stay strictly inside |i·m - j·n| < h. Counted as probabilities (each cell the share of
 * paths reaching it that stayed inside), so no binomial coefficient overflows.
 */
function ksExact(n: number, m: number, h: number): number {
  if (h === 0) return 1;
  const u = new Float64Array(m + 1);
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      if (Math.abs(i * m - j * n) >= h) u[j] = 0;
      else if (i === 0 && j === 0) u[j] = 1;
      else u[j] = (i * u[j]! + j * (j > 0 ? u[j - 1]! : 0)) / (i + j);
    }
  }
  return Math.min(1, Math.max(0, 1 - u[m]!));
}

/** Category counts of a categorical sample. */
function countCategories(op: string, name: string, x: ArrayLike<string | number>): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if ((typeof v !== 'string' && typeof v !== 'number') || Number.isNaN(v))
      throw new ValueError(`${op}: ${name}[${i}] must be a category (string or number); got ${fmtValue(v)}`);
    const k = String(v);
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

/**
 * Chi-square test of homogeneity for a categorical feature: the reference and current category
 * counts as a 2 × K table (K = categories seen in either sample), Pearson's statistic with K - 1
 * degrees of freedom and no continuity correction, as scipy's `chi2_contingency(correction=False)`.
 * A single category in both samples gives statistic 0 and p = 1.
 */
export function chiSquareTest(reference: ArrayLike<string | number>, current: ArrayLike<string | number>): DriftTest {
  const op = 'chiSquareTest';
  if (reference.length === 0) throw new ValueError(`${op}: reference is empty`);
  if (current.length === 0) throw new ValueError(`${op}: current is empty`);
  const r = countCategories(op, 'reference', reference);
  const c = countCategories(op, 'current', current);
  const cats = [...new Set([...r.keys(), ...c.keys()])];
  const nr = reference.length;
  const nc = current.length;
  let statistic = 0;
  for (const k of cats) {
    const total = (r.get(k) ?? 0) + (c.get(k) ?? 0);
    const er = (total * nr) / (nr + nc);
    const ec = (total * nc) / (nr + nc);
    statistic += ((r.get(k) ?? 0) - er) ** 2 / er + ((c.get(k) ?? 0) - ec) ** 2 / ec;
  }
  const df = cats.length - 1;
  return { statistic, pValue: df > 0 ? chiSquareSf(statistic, df) : 1, method: 'chi-square', df };
}

/** PSI over categories: the shares of each category seen in either sample (floored at `eps`). */
export function categoricalPsi(
  expected: ArrayLike<string | number>,
  actual: ArrayLike<string | number>,
  eps = 1e-4,
): number {
  const op = 'categoricalPsi';
  if (expected.length === 0) throw new ValueError(`${op}: expected is empty`);
  if (actual.length === 0) throw new ValueError(`${op}: actual is empty`);
  const e = countCategories(op, 'expected', expected);
  const a = countCategories(op, 'actual', actual);
  let s = 0;
  for (const k of new Set([...e.keys(), ...a.keys()])) {
    const eb = Math.max((e.get(k) ?? 0) / expected.length, eps);
    const ab = Math.max((a.get(k) ?? 0) / actual.length, eps);
    s += (ab - eb) * Math.log(ab / eb);
  }
  return s;
}

/** Thresholds of {@link driftReport}. */
export interface DriftReportOptions {
  /** PSI from which a (significant) shift counts as moderate; default 0.1. */
  moderate?: number;
  /** PSI from which a (significant) shift counts as major; default 0.25. */
  major?: number;
  /** A shift counts only if its KS / chi-square p-value is below this; default 0.01. */
  alpha?: number;
  /** Share of features with at least moderate drift that calls for retraining; default 0.3. */
  retrainShare?: number;
  /** Bins for the numeric PSI; default 10. */
  bins?: number;
}

/** One feature's drift. */
export interface FeatureDrift {
  feature: string;
  kind: 'numeric' | 'categorical';
  /** Population stability index (quantile bins for numeric features, categories otherwise). */
  psi: number;
  /** KS test (numeric) or chi-square test (categorical). */
  test: DriftTest;
  /** `'major'` / `'moderate'` by PSI when the test is significant, else `'stable'`. */
  severity: 'stable' | 'moderate' | 'major';
}

/** What {@link driftReport} found. */
export interface DriftReport {
  features: FeatureDrift[];
  /** `'retrain'`, `'monitor'` (some moderate drift) or `'no action'`. */
  recommendation: 'retrain' | 'monitor' | 'no action';
  /** Why, in words. */
  reasons: string[];
  thresholds: Required<Omit<DriftReportOptions, 'bins'>>;
  summary(): string;
}

/** One feature column for {@link driftReport}: numbers (numeric) or strings (categorical). */
export type DriftColumn = ArrayLike<number> | ArrayLike<string>;

/**
 * Compares every feature of `current` (this week's scoring data) with `reference` (the training
 * data): PSI for the size of the shift and a test for whether it is more than noise (KS for
 * numeric columns, chi-square for categorical ones). A feature drifts when its test is
 * significant and its PSI passes a threshold, because on large samples a test alone flags
 * shifts too small to matter. The recommendation is `'retrain'` when any feature has major
 * drift or at least `retrainShare` of them drift, `'monitor'` when some drift moderately.
 *
 * Columns are arrays of numbers (numeric) or strings (categorical), keyed by feature name; both
 * tables must have the same features.
 */
export function driftReport(
  reference: Record<string, DriftColumn>,
  current: Record<string, DriftColumn>,
  options: DriftReportOptions = {},
): DriftReport {
  const op = 'driftReport';
  const t = {
    moderate: options.moderate ?? 0.1,
    major: options.major ?? 0.25,
    alpha: options.alpha ?? 0.01,
    retrainShare: options.retrainShare ?? 0.3,
  };
  if (!(t.moderate > 0 && t.major >= t.moderate))
    throw new ValueError(`${op}: thresholds must satisfy 0 < moderate <= major; got ${fmtValue(t)}`);
  if (!(t.alpha > 0 && t.alpha < 1)) throw new ValueError(`${op}: alpha must be in (0, 1); got ${fmtValue(t.alpha)}`);
  if (!(t.retrainShare > 0 && t.retrainShare <= 1))
    throw new ValueError(`${op}: retrainShare must be in (0, 1]; got ${fmtValue(t.retrainShare)}`);
  const names = Object.keys(reference ?? {});
  if (names.length === 0) throw new ValueError(`${op}: reference has no features`);
  const missing = names.filter((k) => !(k in (current ?? {})));
  const extra = Object.keys(current ?? {}).filter((k) => !(k in reference));
  if (missing.length || extra.length)
    throw new ValueError(
      `${op}: reference and current must have the same features; missing in current: ${fmtValue(missing)}, only in current: ${fmtValue(extra)}`,
    );
  const features = names.map((feature): FeatureDrift => {
    const r = reference[feature]!;
    const c = current[feature]!;
    const numeric = typeof r[0] === 'number';
    if (numeric !== (typeof c[0] === 'number') && c.length > 0)
      throw new ValueError(
        `${op}: feature ${JSON.stringify(feature)} is numeric in one table and categorical in the other`,
      );
    const rowsOp = `${op} (${feature})`;
    if (r.length === 0 || c.length === 0)
      throw new ValueError(`${rowsOp}: the ${r.length === 0 ? 'reference' : 'current'} column is empty`);
    const test = numeric
      ? ksTest(r as ArrayLike<number>, c as ArrayLike<number>)
      : chiSquareTest(r as ArrayLike<string>, c as ArrayLike<string>);
    const score = numeric
      ? psi(r as ArrayLike<number>, c as ArrayLike<number>, { bins: options.bins ?? 10 })
      : categoricalPsi(r as ArrayLike<string>, c as ArrayLike<string>);
    const significant = test.pValue < t.alpha;
    const severity = !significant ? 'stable' : score >= t.major ? 'major' : score >= t.moderate ? 'moderate' : 'stable';
    return { feature, kind: numeric ? 'numeric' : 'categorical', psi: score, test, severity };
  });
  const major = features.filter((f) => f.severity === 'major').map((f) => f.feature);
  const drifted = features.filter((f) => f.severity !== 'stable').map((f) => f.feature);
  const reasons: string[] = [];
  if (major.length) reasons.push(`major drift (PSI >= ${t.major}) in ${major.join(', ')}`);
  if (drifted.length / features.length >= t.retrainShare)
    reasons.push(`${drifted.length} of ${features.length} features drifted (>= ${t.retrainShare * 100}%)`);
  const recommendation = reasons.length ? 'retrain' : drifted.length ? 'monitor' : 'no action';
  if (!reasons.length) reasons.push(drifted.length ? `moderate drift in ${drifted.join(', ')}` : 'no feature drifted');
  const report = { features, recommendation, reasons, thresholds: t } as DriftReport;
  Object.defineProperty(report, 'summary', {
    enumerable: false,
    value: () =>
      [
        `drift report: ${recommendation} (${reasons.join('; ')})`,
        ...features.map(
          (f) =>
            `  ${f.feature} [${f.kind}]: PSI ${f.psi.toFixed(3)}, ${f.kind === 'numeric' ? 'KS D' : 'chi-square'} ` +
            `${f.test.statistic.toPrecision(4)}, p = ${f.test.pValue.toExponential(2)} -> ${f.severity}`,
        ),
      ].join('\n'),
  });
  return report;
}
