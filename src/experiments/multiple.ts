import { ValueError, fmtValue } from '../core/errors.js';
import { checkOneOf } from '../core/checks.js';
import { type MeansTestResult, welchTest } from './means.js';
import { type ProportionTestResult, twoProportionTest } from './proportions.js';
import { type Counts, type MeanInput, type TestOptions, alphaOf, decide, fmtNum } from './result.js';

/**
 * Holm's step-down adjustment of a family of p-values (controls the family-wise error rate, and
 * is uniformly more powerful than Bonferroni). Returns adjusted p-values in the input order, the
 * same as statsmodels' `multipletests(method='holm')`.
 */
export function holm(pValues: ArrayLike<number>): Float64Array {
  const m = pValues.length;
  if (m === 0) throw new ValueError('holm: pValues is empty');
  for (let i = 0; i < m; i++) {
    const p = pValues[i]!;
    if (!(p >= 0 && p <= 1)) throw new ValueError(`holm: pValues[${i}] must be in [0, 1]; got ${fmtValue(p)}`);
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => pValues[a]! - pValues[b]!);
  const out = new Float64Array(m);
  let running = 0;
  for (let k = 0; k < m; k++) {
    const i = order[k]!;
    running = Math.max(running, Math.min(1, (m - k) * pValues[i]!));
    out[i] = running;
  }
  return out;
}

/** Options of {@link compareArms}. */
export interface CompareArmsOptions extends TestOptions {
  /** Family-wise correction of the arms' p-values: `'holm'` (default) or `'none'`. */
  correction?: 'holm' | 'none';
}

/** One arm's test in a multi-arm comparison, with its raw and corrected p-values. */
export type ArmResult<R> = R & {
  /** The p-value before correction (`pValue` is the corrected one). */
  rawPValue: number;
};

/**
 * Tests every treatment arm against one control, correcting the family of p-values (Holm by
 * default) so that "some arm won" keeps its error rate at alpha. Arms are `Counts` (two-proportion
 * z-tests) or outcomes / `{ mean, variance, n }` (Welch tests), all of one kind. Each result's
 * `pValue` and `decision` are the corrected ones; `rawPValue` keeps the uncorrected value.
 * Intervals are per-arm at 1 - alpha.
 */
export function compareArms(
  control: Counts,
  arms: Record<string, Counts>,
  options?: CompareArmsOptions,
): Record<string, ArmResult<ProportionTestResult>>;
export function compareArms(
  control: MeanInput,
  arms: Record<string, MeanInput>,
  options?: CompareArmsOptions,
): Record<string, ArmResult<MeansTestResult>>;
export function compareArms(
  control: Counts | MeanInput,
  arms: Record<string, Counts | MeanInput>,
  options: CompareArmsOptions = {},
): Record<string, ArmResult<ProportionTestResult | MeansTestResult>> {
  const op = 'compareArms';
  const alpha = alphaOf(op, options);
  const correction = checkOneOf(op, 'correction', options.correction ?? 'holm', ['holm', 'none'] as const);
  const names = Object.keys(arms ?? {});
  if (names.length === 0) throw new ValueError(`${op}: arms is empty; give at least one treatment arm`);
  const isCounts = (x: unknown): x is Counts => typeof x === 'object' && x !== null && 'successes' in x;
  const results = names.map((name) => {
    const arm = arms[name]!;
    if (isCounts(control) !== isCounts(arm))
      throw new ValueError(`${op}: arm ${JSON.stringify(name)} is not the same kind (counts or outcomes) as control`);
    return isCounts(control)
      ? twoProportionTest(control, arm as Counts, { alpha })
      : welchTest(control, arm as MeanInput, { alpha });
  });
  const adjusted = correction === 'holm' ? holm(results.map((r) => r.pValue)) : results.map((r) => r.pValue);
  const out: Record<string, ArmResult<ProportionTestResult | MeansTestResult>> = {};
  names.forEach((name, i) => {
    const r = results[i]!;
    const p = adjusted[i]!;
    const decision = decide(p, r.effect, alpha);
    const armResult = { ...r, pValue: p, rawPValue: r.pValue, decision };
    Object.defineProperty(armResult, 'summary', {
      enumerable: false,
      value: () =>
        `${name}: ${r.summary().replace(/, p = \S+ -> .*$/, '')}, p = ${fmtNum(r.pValue)}` +
        (correction === 'holm' ? `, Holm-adjusted over ${names.length} arms p = ${fmtNum(p)}` : ' (uncorrected)') +
        ` -> ${decision} (alpha ${alpha})`,
    });
    out[name] = armResult as ArmResult<ProportionTestResult | MeansTestResult>;
  });
  return out;
}
