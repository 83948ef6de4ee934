import { ValueError, fmtValue } from '../core/errors.js';
import type { BayesResult } from '../experiments/bayes.js';
import { studentQuantile } from '../experiments/distributions.js';
import type { MeansTestResult } from '../experiments/means.js';
import type { ArmResult } from '../experiments/multiple.js';
import type { ProportionTestResult } from '../experiments/proportions.js';
import { type Decision, fmtNum, type MeanStats } from '../experiments/result.js';
import type { ExperimentArm, ExperimentReadout, ExperimentResult, ExperimentTest } from './types.js';

/**
 * Maps a result object of `at.experiments` onto the arms the report draws, each with its
 * estimate and interval, and a verdict sentence taken from the test itself:
 *
 * - `twoProportionTest`: each arm's conversion rate with its Wilson interval;
 * - `welchTest` and `cuped`: each arm's mean with its t interval (CUPED: the adjusted means);
 * - `bayesProportions` / `bayesMeans`: each arm's posterior mean with its credible interval;
 * - `compareArms`: the control and every treatment arm, each verdict Holm-corrected as the
 *   result says.
 *
 * The verdict is the test's decision (p-value or posterior probability), which is stricter than
 * reading overlapping bars: two 95% intervals can overlap while the difference is significant.
 */
export function experimentFromTest(readout: ExperimentReadout): ExperimentResult {
  const op = 'report.experiments';
  const { name, result } = readout;
  if (result === null || typeof result !== 'object')
    throw new ValueError(`${op}: "${name}" result must be an at.experiments result object; got ${fmtValue(result)}`);
  const control = readout.controlName ?? 'control';
  const treatment = readout.treatmentName ?? 'treatment';
  if (isSingle(result)) {
    const single = singleArms(result, control, treatment);
    return {
      name,
      metric: readout.metric ?? single.metric,
      level: single.level,
      arms: single.arms,
      verdict: single.verdict,
    };
  }
  const names = Object.keys(result);
  if (names.length === 0) throw new ValueError(`${op}: "${name}" compareArms result has no arms`);
  const results = names.map((n) => result[n]!);
  for (const [i, r] of results.entries())
    if (r === null || typeof r !== 'object' || !('rawPValue' in r))
      throw new ValueError(
        `${op}: "${name}" is neither a test result nor a compareArms record (arm "${names[i]}" has no rawPValue)`,
      );
  const first = singleArms(results[0]!, control, names[0]!);
  const arms: ExperimentArm[] = [first.arms[0]!];
  const verdicts: string[] = [];
  results.forEach((r, i) => {
    arms.push(singleArms(r, control, names[i]!).arms[1]!);
    verdicts.push(`${inWords(r.decision, control, names[i]!)} (corrected p = ${fmtNum(r.pValue)})`);
  });
  return {
    name,
    metric: readout.metric ?? first.metric,
    level: first.level,
    arms,
    verdict: `Each arm against "${control}", corrected for testing several arms at once: ${verdicts.join('; ')}.`,
  };
}

type SingleTest = ProportionTestResult | MeansTestResult | BayesResult;

function isSingle(r: ExperimentTest): r is SingleTest {
  return 'control' in r && 'treatment' in r && typeof (r as { decision?: unknown }).decision === 'string';
}

function singleArms(
  r: SingleTest | ArmResult<ProportionTestResult | MeansTestResult>,
  control: string,
  treatment: string,
): { metric: string; level: number; arms: ExperimentArm[]; verdict: string } {
  if ('model' in r) {
    // Bayesian: posterior means with equal-tailed credible intervals.
    const arm = (label: string, a: { mean: number; interval: [number, number] }): ExperimentArm => ({
      arm: label,
      estimate: a.mean,
      lower: a.interval[0],
      upper: a.interval[1],
    });
    return {
      metric: r.model === 'beta-binomial' ? 'conversion rate (posterior)' : 'mean outcome (posterior)',
      level: r.credibility,
      arms: [arm(control, r.control), arm(treatment, r.treatment)],
      verdict: `The chance that "${treatment}" beats "${control}" is ${(r.probabilityToBeat * 100).toFixed(1)}%: ${inWords(r.decision, control, treatment)} (the decision needs ${(r.threshold * 100).toFixed(0)}%).`,
    };
  }
  const verdict = `The test reads ${inWords(r.decision, control, treatment)}: ${r.effectName} ${fmtNum(r.effect)}, ${Math.round(r.confidence * 1000) / 10}% interval [${fmtNum(r.interval[0])}, ${fmtNum(r.interval[1])}], p = ${fmtNum(r.pValue)}.`;
  if ('rate' in r.control) {
    const t = (r as ProportionTestResult).treatment;
    const arm = (label: string, a: { rate: number; interval: [number, number] }): ExperimentArm => ({
      arm: label,
      estimate: a.rate,
      lower: a.interval[0],
      upper: a.interval[1],
    });
    return {
      metric: 'conversion rate',
      level: r.confidence,
      arms: [arm(control, r.control), arm(treatment, t)],
      verdict,
    };
  }
  const m = r as MeansTestResult;
  return {
    metric: 'mean outcome',
    level: r.confidence,
    arms: [meanArm(control, m.control, r.confidence), meanArm(treatment, m.treatment, r.confidence)],
    verdict,
  };
}

/** A decision in the arms' own names: '"B" is better than "A"'. */
function inWords(decision: Decision, control: string, treatment: string): string {
  if (decision === 'treatment better') return `"${treatment}" is better than "${control}"`;
  if (decision === 'control better') return `"${control}" is better than "${treatment}"`;
  return `no significant difference between "${control}" and "${treatment}"`;
}

/** An arm's mean with its t interval at `confidence` (a single value gets a zero-width interval). */
function meanArm(label: string, s: MeanStats, confidence: number): ExperimentArm {
  const half = s.n > 1 ? studentQuantile(1 - (1 - confidence) / 2, s.n - 1) * Math.sqrt(s.variance / s.n) : 0;
  return { arm: label, estimate: s.mean, lower: s.mean - half, upper: s.mean + half };
}
