import { ValueError, fmtValue } from '../core/errors.js';
import { normalQuantile, normalSf } from './distributions.js';
import {
  type Counts,
  type MeanInput,
  type TestResult,
  checkCounts,
  checkResult,
  fmtNum,
  makeResult,
  toMeanStats,
} from './result.js';

/** Options of {@link SequentialTest}. */
export interface SequentialOptions {
  /**
   * Standard deviation of the normal mixing distribution over effects, on the effect's scale
   * (an absolute difference in rates or means). Fix it before the data: roughly the size of
   * effect you hope to find (the design's MDE). Smaller tau detects small effects sooner and
   * large ones later. Required.
   */
  tau: number;
  /** Significance level; the confidence sequence covers the effect at every look with 1 - alpha. Default 0.05. */
  alpha?: number;
}

/** One look of a sequential test: the shared fields, with always-valid p and interval. */
export interface SequentialResult extends TestResult {
  /** 1-based number of this look. */
  look: number;
  /** The mixture likelihood ratio Λ at this look (statistic holds the same value). */
  likelihoodRatio: number;
  /** Standard error of the effect at this look. */
  se: number;
}

/**
 * The mixture sequential probability ratio test (mSPRT; Johari, Pekelis and Walsh, "Always
 * valid inference", 2017) for the difference of two arms, so a team can read an experiment
 * every day and stop whenever it is significant without inflating false positives.
 *
 * At each look, with effect estimate d and its variance s², the mixture likelihood ratio of
 * H1: θ ~ N(0, τ²) against H0: θ = 0 is Λ = √(s²/(s²+τ²)) · exp(τ²d² / (2s²(s²+τ²))). Under H0 it
 * is a martingale, so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α: the always-valid p-value is the
 * running minimum of 1/Λ, and the confidence sequence (the θ where Λ(d - θ) < 1/α) is intersected
 * with the earlier ones. A naive z-test repeated at each look has no such guarantee.
 * test/experiments/sequential.test.ts simulates 30 daily looks of A/A tests: naive peeking
 * rejects far more than alpha, the mSPRT stays below it.
 *
 * Feed cumulative data (all users so far) at each look: counts for rates, outcomes or
 * `{ mean, variance, n }` for means.
 *
 * @example
 * const seq = new at.experiments.SequentialTest({ tau: 0.01, alpha: 0.05 });
 * for (const day of days) {
 *   const r = seq.look(day.control, day.treatment); // cumulative counts
 *   if (r.decision !== 'no significant difference') break; // safe to stop here
 * }
 */
export class SequentialTest {
  readonly tau: number;
  readonly alpha: number;
  private looks = 0;
  private minP = 1;
  private lo = Number.NEGATIVE_INFINITY;
  private hi = Number.POSITIVE_INFINITY;

  constructor(options: SequentialOptions) {
    const op = 'SequentialTest';
    const tau = options?.tau;
    if (typeof tau !== 'number' || !(tau > 0) || !Number.isFinite(tau))
      throw new ValueError(`${op}: tau must be a positive number (the effect size scale); got ${fmtValue(tau)}`);
    const alpha = options.alpha ?? 0.05;
    if (!(alpha > 0 && alpha < 1)) throw new ValueError(`${op}: alpha must be in (0, 1); got ${fmtValue(alpha)}`);
    this.tau = tau;
    this.alpha = alpha;
  }

  /** Number of looks taken so far. */
  get lookCount(): number {
    return this.looks;
  }

  /** One look at cumulative data; returns the always-valid reading so far. */
  look(control: Counts | MeanInput, treatment: Counts | MeanInput): SequentialResult {
    const op = 'SequentialTest.look';
    const { d, v } = effectAndVariance(op, control, treatment);
    return this.lookAt(d, v);
  }

  /** One look given the effect estimate `d` and its variance (squared standard error) directly. */
  lookAt(effect: number, variance: number): SequentialResult {
    const op = 'SequentialTest.look';
    if (!Number.isFinite(effect)) throw new ValueError(`${op}: effect must be finite; got ${fmtValue(effect)}`);
    if (!(variance > 0) || !Number.isFinite(variance))
      throw new ValueError(
        `${op}: zero variance (or not a finite positive variance: ${fmtValue(variance)}); wait for outcomes in both arms`,
      );
    const t2 = this.tau * this.tau;
    const logL = mixtureLogLR(effect, variance, t2);
    const lr = Math.exp(Math.min(logL, 700));
    this.minP = Math.min(this.minP, Math.min(1, Math.exp(-logL)));
    const r = csRadius(variance, t2, this.alpha);
    this.lo = Math.max(this.lo, effect - r);
    this.hi = Math.min(this.hi, effect + r);
    // The intersection can go empty only when the null model is badly wrong; keep it a point then.
    if (this.lo > this.hi) this.lo = this.hi = effect;
    this.looks++;
    checkResult(op, { logLikelihoodRatio: logL });
    const look = this.looks;
    return makeResult(
      op,
      {
        test: 'mSPRT (always valid)',
        effectName: 'difference (treatment - control)',
        effect,
        interval: [this.lo, this.hi],
        confidence: 1 - this.alpha,
        statistic: lr,
        pValue: this.minP,
        alpha: this.alpha,
      },
      { look, likelihoodRatio: lr, se: Math.sqrt(variance) },
      () => `look ${look}, likelihood ratio ${fmtNum(lr)}, tau ${this.tau}; p and interval stay valid under peeking`,
    ) as SequentialResult;
  }
}

/** ln Λ of the normal-mixture SPRT for estimate d with variance v and mixing variance t2. */
export function mixtureLogLR(d: number, v: number, t2: number): number {
  return 0.5 * Math.log(v / (v + t2)) + (t2 * d * d) / (2 * v * (v + t2));
}

/** Half-width of the mSPRT confidence sequence at one look. */
function csRadius(v: number, t2: number, alpha: number): number {
  return Math.sqrt(((2 * v * (v + t2)) / t2) * (Math.log(1 / alpha) + 0.5 * Math.log((v + t2) / v)));
}

function effectAndVariance(
  op: string,
  control: Counts | MeanInput,
  treatment: Counts | MeanInput,
): { d: number; v: number } {
  const isCounts = (x: unknown): x is Counts => typeof x === 'object' && x !== null && 'successes' in x;
  if (isCounts(control) && isCounts(treatment)) {
    checkCounts(op, 'control', control);
    checkCounts(op, 'treatment', treatment);
    const pc = control.successes / control.trials;
    const pt = treatment.successes / treatment.trials;
    return { d: pt - pc, v: (pc * (1 - pc)) / control.trials + (pt * (1 - pt)) / treatment.trials };
  }
  if (isCounts(control) || isCounts(treatment))
    throw new ValueError(`${op}: control and treatment must be the same kind (both counts or both outcomes)`);
  const c = toMeanStats(op, 'control', control as MeanInput);
  const t = toMeanStats(op, 'treatment', treatment as MeanInput);
  return { d: t.mean - c.mean, v: c.variance / c.n + t.variance / t.n };
}

/**
 * Lan–DeMets O'Brien–Fleming-type alpha spending: the share of a two-sided alpha a
 * group-sequential design may have spent by information fraction t ∈ (0, 1],
 * α(t) = 2 - 2Φ(z_{1-α/2} / √t). Almost nothing is spent early, all of alpha at t = 1.
 */
export function obrienFlemingSpending(t: number, alpha = 0.05): number {
  if (!(t > 0 && t <= 1)) throw new ValueError(`obrienFlemingSpending: t must be in (0, 1]; got ${fmtValue(t)}`);
  if (!(alpha > 0 && alpha < 1))
    throw new ValueError(`obrienFlemingSpending: alpha must be in (0, 1); got ${fmtValue(alpha)}`);
  return 2 * normalSf(normalQuantile(1 - alpha / 2) / Math.sqrt(t));
}
