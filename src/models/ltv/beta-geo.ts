import { NumericalError, ValueError } from '../../core/errors.js';
import { checkNumber } from '../../core/checks.js';
import { FitControl, type FitControlOptions } from '../../core/fit-control.js';
import { type ModelState, configObject, registerModelType } from '../../io/models.js';
import { configNumber, fileParams } from './ltv-io.js';
import { nelderMeadControlled } from './optimize.js';
import { hyp2f1, lnBeta, lnGamma } from './special.js';
import { checkHistory, type PurchaseHistory } from './summary.js';

/** The four BG/NBD parameters: purchase rate ~ Gamma(r, α), dropout probability ~ Beta(a, b). */
export interface BetaGeoParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Options of {@link BetaGeo}. */
export interface BetaGeoOptions {
  /** Optimizer iteration limit; default 8000. Not converging is a NumericalError. */
  maxIterations?: number;
  /** Starting point; default r = α = a = b = 1 (α scaled to the mean age T). */
  init?: Partial<BetaGeoParams>;
}

/**
 * The BG/NBD "buy till you die" model (Fader, Hardie and Lee 2005): while alive a customer buys
 * as a Poisson process with rate λ ~ Gamma(r, α); after each purchase they drop out with
 * probability p ~ Beta(a, b). Fitted by maximum likelihood (Nelder-Mead on the log-parameters,
 * started twice) on a {@link PurchaseHistory}; the time unit is the history's. `at.save` and
 * `at.load` store and rebuild a fitted model.
 *
 * @example
 * const bg = await new at.models.BetaGeo().fit(summary);
 * bg.params; bg.expectedPurchases(52); bg.probabilityAlive(summary);
 */
export class BetaGeo {
  /** Fitted parameters; NaN before fit. */
  params: BetaGeoParams = { r: Number.NaN, alpha: Number.NaN, a: Number.NaN, b: Number.NaN };
  /** Total log-likelihood of the fitted data (the paper's LL). */
  logLikelihood = Number.NaN;
  /** Optimizer iterations the fit took. */
  iterations = 0;
  private readonly maxIterations: number;
  private readonly init: Partial<BetaGeoParams>;

  constructor(options: BetaGeoOptions = {}) {
    this.maxIterations = checkNumber('BetaGeo', 'maxIterations', options.maxIterations ?? 8000, {
      integer: true,
      min: 1,
    });
    this.init = options.init ?? {};
    for (const [k, v] of Object.entries(this.init))
      checkNumber('BetaGeo', `init.${k}`, v as number, { positive: true });
  }

  /**
   * Fits the parameters by maximum likelihood; resolves to this model. A customer whose row is
   * impossible (NaN, recency after T, a repeat buyer with recency 0) is a DataError naming them.
   * Each optimizer iteration counts as a batch for `options` (progress, yielding, abort); an
   * abort or a failure leaves the model as it was before the call.
   */
  async fit(history: PurchaseHistory, options: FitControlOptions = {}): Promise<this> {
    const op = 'BetaGeo.fit';
    const control = new FitControl(options, this.maxIterations);
    const n = checkHistory(op, history);
    let meanT = 0;
    for (let i = 0; i < n; i++) meanT += history.T[i]! / n;
    const start = [this.init.r ?? 1, this.init.alpha ?? Math.max(meanT / 10, 1e-3), this.init.a ?? 1, this.init.b ?? 1];
    const negLL = (logp: number[]) => {
      const [r, alpha, a, b] = logp.map(Math.exp) as [number, number, number, number];
      return -betaGeoLogLikelihood({ r, alpha, a, b }, history);
    };
    const res = await nelderMeadControlled(
      negLL,
      start.map(Math.log),
      { maxIterations: this.maxIterations, op },
      control,
    );
    const [r, alpha, a, b] = res.x.map(Math.exp) as [number, number, number, number];
    if (!Number.isFinite(-res.value)) throw new NumericalError(`${op}: the fitted log-likelihood is not finite`);
    this.params = { r, alpha, a, b };
    this.logLikelihood = -res.value;
    this.iterations = res.iterations;
    return this;
  }

  private fitted(op: string): BetaGeoParams {
    if (Number.isNaN(this.params.r)) throw new ValueError(`${op}: the model is not fitted; call fit first`);
    return this.params;
  }

  /**
   * Expected purchases of a newly acquired customer in (0, t]:
   * E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]. Needs a > 1 for the
   * closed form's constant; for a ≤ 1 it is still the limit of the same expression.
   */
  expectedPurchases(t: number): number {
    const { r, alpha, a, b } = this.fitted('BetaGeo.expectedPurchases');
    checkNumber('BetaGeo.expectedPurchases', 't', t, { min: 0 });
    if (t === 0) return 0;
    const z = t / (alpha + t);
    return ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z));
  }

  /**
   * Expected purchases in the next t units of each customer of `history` (FHL 2005, eq. 10),
   * given their frequency, recency and age.
   */
  conditionalExpectedPurchases(t: number, history: PurchaseHistory): Float64Array {
    const op = 'BetaGeo.conditionalExpectedPurchases';
    const { r, alpha, a, b } = this.fitted(op);
    checkNumber(op, 't', t, { min: 0 });
    const n = checkHistory(op, history);
    const out = new Float64Array(n);
    if (t === 0) return out;
    for (let i = 0; i < n; i++) {
      const x = history.frequency[i]!;
      const T = history.T[i]!;
      const z = t / (alpha + T + t);
      const head =
        ((a + b + x - 1) / (a - 1)) *
        (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z));
      out[i] = head * aliveOdds(r, alpha, a, b, x, history.recency[i]!, T);
    }
    return out;
  }

  /** P(alive at T | x, t_x, T) for each customer: 1 / (1 + δ(x>0) a/(b+x−1) ((α+T)/(α+t_x))^(r+x)). */
  probabilityAlive(history: PurchaseHistory): Float64Array {
    const op = 'BetaGeo.probabilityAlive';
    const { r, alpha, a, b } = this.fitted(op);
    const n = checkHistory(op, history);
    return Float64Array.from({ length: n }, (_, i) =>
      aliveOdds(r, alpha, a, b, history.frequency[i]!, history.recency[i]!, history.T[i]!),
    );
  }

  /** P(X(t) = x): the probability that a new customer makes exactly x purchases in (0, t] (FHL 2005, eq. 8). */
  probabilityOfPurchases(x: number, t: number): number {
    const op = 'BetaGeo.probabilityOfPurchases';
    const { r, alpha, a, b } = this.fitted(op);
    checkNumber(op, 'x', x, { integer: true, min: 0 });
    checkNumber(op, 't', t, { min: 0 });
    if (t === 0) return x === 0 ? 1 : 0;
    const lp = Math.log(alpha / (alpha + t));
    const lq = Math.log(t / (alpha + t));
    const nbd = (j: number) => Math.exp(lnGamma(r + j) - lnGamma(r) - lnGamma(j + 1) + r * lp + j * lq);
    let p = Math.exp(lnBeta(a, b + x) - lnBeta(a, b)) * nbd(x);
    if (x > 0) {
      let tail = 0;
      for (let j = 0; j < x; j++) tail += nbd(j);
      p += Math.exp(lnBeta(a + 1, b + x - 1) - lnBeta(a, b)) * (1 - tail);
    }
    return p;
  }

  /** The fitted model as `at.save` writes it: options and fit statistics as config, the parameters as a tensor. */
  saveState(): ModelState {
    const { r, alpha, a, b } = this.fitted('save');
    return {
      type: 'BetaGeo',
      config: {
        options: { maxIterations: this.maxIterations, init: this.init },
        logLikelihood: this.logLikelihood,
        iterations: this.iterations,
      },
      tensors: { params: { dtype: 'float64', shape: [4], data: Float64Array.of(r, alpha, a, b) } },
    };
  }

  /** The parameters and fit statistics as plain JSON. */
  toJSON(): { params: BetaGeoParams; logLikelihood: number } {
    return { params: { ...this.params }, logLikelihood: this.logLikelihood };
  }

  /** A model with the given parameters, as if fitted (for scoring with published parameters). */
  static fromParams(params: BetaGeoParams): BetaGeo {
    for (const k of ['r', 'alpha', 'a', 'b'] as const)
      checkNumber('BetaGeo.fromParams', k, params[k], { positive: true });
    const m = new BetaGeo();
    m.params = { ...params };
    return m;
  }
}

function aliveOdds(r: number, alpha: number, a: number, b: number, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  return 1 / (1 + (a / (b + x - 1)) * Math.exp((r + x) * Math.log((alpha + T) / (alpha + tx))));
}

/**
 * The BG/NBD log-likelihood of a purchase history (FHL 2005, eq. 6), summed over customers:
 * ln[ B(a,b+x)/B(a,b) · Γ(r+x)α^r / (Γ(r)(α+T)^(r+x)) + δ(x>0) B(a+1,b+x−1)/B(a,b) · Γ(r+x)α^r / (Γ(r)(α+t_x)^(r+x)) ].
 */
export function betaGeoLogLikelihood(p: BetaGeoParams, history: PurchaseHistory): number {
  const { r, alpha, a, b } = p;
  const n = history.frequency.length;
  const lgr = lnGamma(r);
  const lab = lnGamma(a + b);
  const lb = lnGamma(b);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = history.frequency[i]!;
    const tx = history.recency[i]!;
    const T = history.T[i]!;
    const a1 = lnGamma(r + x) - lgr + r * Math.log(alpha);
    const a2 = lab + lnGamma(b + x) - lb - lnGamma(a + b + x);
    const a3 = -(r + x) * Math.log(alpha + T);
    let tail = a3;
    if (x > 0) {
      const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
      const m = Math.max(a3, a4);
      tail = m + Math.log(Math.exp(a3 - m) + Math.exp(a4 - m));
    }
    total += a1 + a2 + tail;
  }
  return total;
}

// at.load rebuilds a BetaGeo: the options pass the constructor's checks, the parameters must be
// four finite positive numbers.
registerModelType('BetaGeo', {
  cls: BetaGeo,
  load(config, tensors) {
    const op = 'load BetaGeo';
    const c = configObject(op, 'attune.config', config);
    const model = new BetaGeo(configObject(op, 'options', c.options) as BetaGeoOptions);
    model.params = fileParams(op, tensors, ['r', 'alpha', 'a', 'b'] as const);
    model.logLikelihood = configNumber(c.logLikelihood);
    model.iterations = Number.isSafeInteger(c.iterations) ? (c.iterations as number) : 0;
    return model;
  },
});
