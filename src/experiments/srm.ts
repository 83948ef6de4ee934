import { ValueError, fmtValue } from '../core/errors.js';
import { chiSquareSf } from './distributions.js';
import { wilsonInterval } from './proportions.js';
import { checkResult, fmtNum } from './result.js';

/** What {@link sampleRatioMismatch} found. */
export interface SrmResult {
  /** Pearson's chi-square statistic of the observed arm sizes against the planned split. */
  statistic: number;
  df: number;
  pValue: number;
  /** Arm sizes expected under the planned split. */
  expected: number[];
  /** Observed share minus planned share, per arm (the effect). */
  effect: number[];
  /** 95% Wilson interval of each arm's observed share, minus its planned share. */
  interval: [number, number][];
  /** The threshold used; SRM checks use a strict one (default 0.001) because they run on every test. */
  alpha: number;
  /** `'sample ratio mismatch'` when pValue < alpha: the split is broken, distrust the test's result. */
  decision: 'sample ratio mismatch' | 'no mismatch detected';
  summary(): string;
}

/**
 * Sample-ratio-mismatch check: a chi-square goodness-of-fit test of the users each arm received
 * against the planned split (equal by default). A mismatch means assignment or logging is
 * broken, and the experiment's comparison cannot be trusted. Same as scipy's `chisquare`.
 *
 * @param counts users per arm, e.g. `[21306, 21307, 21387]`.
 * @param planned planned shares or weights per arm (normalized), default equal.
 */
export function sampleRatioMismatch(
  counts: ArrayLike<number>,
  planned?: ArrayLike<number>,
  options: { alpha?: number } = {},
): SrmResult {
  const op = 'sampleRatioMismatch';
  const k = counts.length;
  if (k < 2) throw new ValueError(`${op}: counts needs at least 2 arms; got ${fmtValue(counts)}`);
  const alpha = options.alpha ?? 0.001;
  if (!(alpha > 0 && alpha < 1)) throw new ValueError(`${op}: alpha must be in (0, 1); got ${fmtValue(alpha)}`);
  const weights = planned ?? Array.from({ length: k }, () => 1);
  if (weights.length !== k)
    throw new ValueError(`${op}: planned has ${weights.length} shares for ${k} arms; give one per arm`);
  let total = 0;
  let wsum = 0;
  for (let i = 0; i < k; i++) {
    const c = counts[i]!;
    if (!Number.isInteger(c) || c < 0)
      throw new ValueError(`${op}: counts[${i}] must be a non-negative integer; got ${fmtValue(c)}`);
    const w = weights[i]!;
    if (!(w > 0) || !Number.isFinite(w))
      throw new ValueError(`${op}: planned[${i}] must be a positive number; got ${fmtValue(w)}`);
    total += c;
    wsum += w;
  }
  if (total === 0) throw new ValueError(`${op}: every arm is empty (all counts 0)`);
  const expected: number[] = [];
  const effect: number[] = [];
  const interval: [number, number][] = [];
  let stat = 0;
  for (let i = 0; i < k; i++) {
    const e = (total * weights[i]!) / wsum;
    expected.push(e);
    effect.push(counts[i]! / total - weights[i]! / wsum);
    const [lo, hi] = wilsonInterval({ successes: counts[i]!, trials: total });
    interval.push([lo - weights[i]! / wsum, hi - weights[i]! / wsum]);
    stat += (counts[i]! - e) ** 2 / e;
  }
  const pValue = chiSquareSf(stat, k - 1);
  checkResult(op, { statistic: stat, pValue });
  const decision = pValue < alpha ? 'sample ratio mismatch' : 'no mismatch detected';
  const result = { statistic: stat, df: k - 1, pValue, expected, effect, interval, alpha, decision } as SrmResult;
  Object.defineProperty(result, 'summary', {
    enumerable: false,
    value: () =>
      `sample ratio check: chi-square ${fmtNum(stat)} on ${k - 1} df, p = ${fmtNum(pValue)} -> ${decision} ` +
      `(alpha ${alpha}); observed ${Array.from(counts).join(' / ')}, expected ${expected.map((e) => e.toFixed(1)).join(' / ')}`,
  });
  return result;
}
