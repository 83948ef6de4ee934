import { ValueError, fmtValue } from '../core/errors.js';
import { checkRange } from '../core/checks.js';
import {
  betaCdf,
  betaPdf,
  betaQuantile,
  bisect,
  logBeta,
  normalCdf,
  normalPdf,
  normalQuantile,
} from './distributions.js';
import { type Counts, type Decision, type MeanInput, checkCounts, checkResult, fmtNum, toMeanStats } from './result.js';

/** A Bayesian reading of two arms. */
export interface BayesResult {
  /** `'beta-binomial'` for rates, `'normal'` for means. */
  model: 'beta-binomial' | 'normal';
  /** Posterior mean of treatment - control. */
  effect: number;
  /** Equal-tailed credible interval of treatment - control. */
  interval: [number, number];
  credibility: number;
  /** Posterior probability that treatment beats control, P(θt > θc). */
  probabilityToBeat: number;
  /**
   * Expected loss of each choice: `treatment` = E[max(θc - θt, 0)], what shipping the treatment
   * costs on average if it is in fact worse; `control` = E[max(θt - θc, 0)].
   */
  expectedLoss: { treatment: number; control: number };
  /** Each arm's posterior mean and credible interval. */
  control: { mean: number; interval: [number, number] };
  treatment: { mean: number; interval: [number, number] };
  /** The probability a decision needs (default 0.95). */
  threshold: number;
  /** `'treatment better'` when probabilityToBeat ≥ threshold, `'control better'` when ≤ 1 - threshold. */
  decision: Decision;
  summary(): string;
}

/** Options of the Bayesian readings. */
export interface BayesOptions {
  /** Mass of the credible intervals; default 0.95. */
  credibility?: number;
  /** Probability to beat control needed for a decision; default 0.95. */
  threshold?: number;
}

/** Options of {@link bayesProportions}. */
export interface BetaBinomialOptions extends BayesOptions {
  /** Beta prior shared by both arms; default { alpha: 1, beta: 1 } (uniform). */
  prior?: { alpha: number; beta: number };
}

/**
 * P(X > Y) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2). Exact finite sum when a1 is an integer
 * (Evan Miller's formula), by symmetry when a2 is; otherwise Simpson's rule over Y's density.
 */
export function probBetaGreater(a1: number, b1: number, a2: number, b2: number): number {
  if (Number.isInteger(a1) && a1 <= 1e6) {
    let s = 0;
    const base = logBeta(a2, b2);
    for (let i = 0; i < a1; i++) s += Math.exp(logBeta(a2 + i, b1 + b2) - Math.log(b1 + i) - logBeta(1 + i, b1) - base);
    return clamp01(s);
  }
  if (Number.isInteger(a2) && a2 <= 1e6) return clamp01(1 - probBetaGreater(a2, b2, a1, b1));
  return clamp01(
    simpson(
      (y) => betaPdf(y, a2, b2) * (1 - betaCdf(y, a1, b1)),
      betaQuantile(1e-13, a2, b2),
      betaQuantile(1 - 1e-13, a2, b2),
      4000,
    ),
  );
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function simpson(f: (x: number) => number, a: number, b: number, n: number): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

function bayesOpts(op: string, o: BayesOptions): { credibility: number; threshold: number } {
  const credibility = o.credibility ?? 0.95;
  const threshold = o.threshold ?? 0.95;
  checkRange(op, 'credibility', credibility, Number.MIN_VALUE, 1);
  checkRange(op, 'threshold', threshold, 0.5, 1);
  return { credibility, threshold };
}

function finish(op: string, r: Omit<BayesResult, 'decision' | 'summary'>): BayesResult {
  checkResult(op, {
    effect: r.effect,
    lower: r.interval[0],
    upper: r.interval[1],
    probabilityToBeat: r.probabilityToBeat,
    lossTreatment: r.expectedLoss.treatment,
    lossControl: r.expectedLoss.control,
  });
  const p = r.probabilityToBeat;
  const decision: Decision =
    p >= r.threshold ? 'treatment better' : p <= 1 - r.threshold ? 'control better' : 'no significant difference';
  const out = { ...r, decision } as BayesResult;
  Object.defineProperty(out, 'summary', {
    enumerable: false,
    value: () =>
      `Bayesian (${r.model}): treatment - control = ${fmtNum(r.effect)}, ${Math.round(r.credibility * 1000) / 10}% ` +
      `credible interval [${fmtNum(r.interval[0])}, ${fmtNum(r.interval[1])}], P(treatment beats control) = ` +
      `${p.toFixed(4)}, expected loss if shipped ${fmtNum(r.expectedLoss.treatment)} -> ${decision} (threshold ${r.threshold})`,
  });
  return out;
}

/**
 * Beta-binomial reading of two conversion rates: with a Beta prior, each arm's posterior is
 * Beta(prior.alpha + successes, prior.beta + failures). Returns the probability that treatment
 * beats control (exact for integer posterior parameters), the expected loss of each choice
 * (closed form through the same probability), each arm's credible interval, and a credible
 * interval for the difference (the difference's CDF integrated numerically and inverted).
 */
export function bayesProportions(control: Counts, treatment: Counts, options: BetaBinomialOptions = {}): BayesResult {
  const op = 'bayesProportions';
  const { credibility, threshold } = bayesOpts(op, options);
  checkCounts(op, 'control', control);
  checkCounts(op, 'treatment', treatment);
  const prior = options.prior ?? { alpha: 1, beta: 1 };
  if (!(prior.alpha > 0 && prior.beta > 0 && Number.isFinite(prior.alpha) && Number.isFinite(prior.beta)))
    throw new ValueError(`${op}: prior must be { alpha, beta } with both > 0; got ${fmtValue(prior)}`);
  const ac = prior.alpha + control.successes;
  const bc = prior.beta + control.trials - control.successes;
  const atr = prior.alpha + treatment.successes;
  const bt = prior.beta + treatment.trials - treatment.successes;
  const mc = ac / (ac + bc);
  const mt = atr / (atr + bt);
  const pBeat = probBetaGreater(atr, bt, ac, bc);
  // E[max(C - T, 0)] = E[C·1(C > T)] - E[T·1(C > T)], each a P(·>·) with one shape raised by 1.
  const lossT = Math.max(0, mc * probBetaGreater(ac + 1, bc, atr, bt) - mt * probBetaGreater(ac, bc, atr + 1, bt));
  const lossC = Math.max(0, mt * probBetaGreater(atr + 1, bt, ac, bc) - mc * probBetaGreater(atr, bt, ac + 1, bc));
  const tail = (1 - credibility) / 2;
  return finish(op, {
    model: 'beta-binomial',
    effect: mt - mc,
    interval: [diffQuantile(ac, bc, atr, bt, tail), diffQuantile(ac, bc, atr, bt, 1 - tail)],
    credibility,
    probabilityToBeat: pBeat,
    expectedLoss: { treatment: lossT, control: lossC },
    control: { mean: mc, interval: [betaQuantile(tail, ac, bc), betaQuantile(1 - tail, ac, bc)] },
    treatment: { mean: mt, interval: [betaQuantile(tail, atr, bt), betaQuantile(1 - tail, atr, bt)] },
    threshold,
  });
}

/** The q-quantile of T - C, T ~ Beta(at, bt), C ~ Beta(ac, bc): P(T - C ≤ δ) = ∫ f_C(c) F_T(c + δ) dc. */
function diffQuantile(ac: number, bc: number, at: number, bt: number, q: number): number {
  const lo = betaQuantile(1e-12, ac, bc);
  const hi = betaQuantile(1 - 1e-12, ac, bc);
  const n = 1000;
  const h = (hi - lo) / n;
  const xs = new Float64Array(n + 1);
  const ws = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    xs[i] = lo + i * h;
    ws[i] = ((i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * h * betaPdf(xs[i]!, ac, bc)) / 3;
  }
  const cdf = (d: number) => {
    let s = 0;
    for (let i = 0; i <= n; i++) s += ws[i]! * betaCdf(xs[i]! + d, at, bt);
    return s;
  };
  return bisect((d) => cdf(d) - q, -1, 1, false);
}

/** Options of {@link bayesMeans}. */
export interface NormalModelOptions extends BayesOptions {
  /**
   * Standard deviation of a normal prior on the effect, centred at 0 (shrinks small-sample
   * effects toward none). Default: none (a flat prior; the posterior is the likelihood).
   */
  priorSd?: number;
}

/**
 * Normal-model reading of two means (revenue per user): each arm's mean is approximately
 * normal with variance s²/n, so the difference has posterior N(d, se²) under a flat prior (or
 * shrunk by a N(0, priorSd²) prior). Closed forms: P(beat) = Φ(d/se); expected loss of
 * shipping = se·φ(d/se) - d·Φ(-d/se).
 */
export function bayesMeans(control: MeanInput, treatment: MeanInput, options: NormalModelOptions = {}): BayesResult {
  const op = 'bayesMeans';
  const { credibility, threshold } = bayesOpts(op, options);
  const c = toMeanStats(op, 'control', control);
  const t = toMeanStats(op, 'treatment', treatment);
  for (const [name, s] of [
    ['control', c],
    ['treatment', t],
  ] as const)
    if (s.n < 2) throw new ValueError(`${op}: ${name} has ${s.n} value; a variance needs at least 2`);
  const vc = c.variance / c.n;
  const vt = t.variance / t.n;
  if (vc + vt === 0) throw new ValueError(`${op}: zero variance: both arms are constant`);
  let d = t.mean - c.mean;
  let v = vc + vt;
  if (options.priorSd !== undefined) {
    const ps = options.priorSd;
    if (!(ps > 0) || !Number.isFinite(ps))
      throw new ValueError(`${op}: priorSd must be a positive number; got ${fmtValue(ps)}`);
    const post = 1 / (1 / v + 1 / (ps * ps));
    d = (d * post) / v;
    v = post;
  }
  const se = Math.sqrt(v);
  const z = normalQuantile(1 - (1 - credibility) / 2);
  const armInterval = (m: number, vv: number): [number, number] => [m - z * Math.sqrt(vv), m + z * Math.sqrt(vv)];
  return finish(op, {
    model: 'normal',
    effect: d,
    interval: [d - z * se, d + z * se],
    credibility,
    probabilityToBeat: normalCdf(d / se),
    expectedLoss: {
      treatment: se * normalPdf(d / se) - d * normalCdf(-d / se),
      control: se * normalPdf(d / se) + d * normalCdf(d / se),
    },
    control: { mean: c.mean, interval: armInterval(c.mean, vc) },
    treatment: { mean: t.mean, interval: armInterval(t.mean, vt) },
    threshold,
  });
}
