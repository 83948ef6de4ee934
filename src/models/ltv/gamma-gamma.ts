import { ShapeError, ValueError, fmtValue } from '../../core/errors.js';
import { checkNumber } from '../../core/checks.js';
import { nelderMead } from './optimize.js';
import { lnGamma } from './special.js';

/** Gamma-Gamma parameters: spend per order ~ Gamma(p, ν), ν ~ Gamma(q, v) across customers. */
export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

/** Repeat purchases and their mean value per customer (customers without repeats are skipped). */
export interface SpendHistory {
  frequency: ArrayLike<number>;
  monetary: ArrayLike<number>;
}

/** Options of {@link GammaGamma}. */
export interface GammaGammaOptions {
  /** Optimizer iteration limit; default 6000. Not converging is a NumericalError. */
  maxIterations?: number;
}

/**
 * The Gamma-Gamma model of spend per order (Fader, Hardie and Lee 2005, "RFM and CLV"): a
 * customer's order values are Gamma(p, ν) around their own mean, and ν varies across customers
 * as Gamma(q, v). Fitted by maximum likelihood on the customers with at least one repeat
 * purchase (the model assumes spend is independent of purchase frequency; check that the two
 * correlate only weakly before relying on it).
 */
export class GammaGamma {
  params: GammaGammaParams = { p: Number.NaN, q: Number.NaN, v: Number.NaN };
  logLikelihood = Number.NaN;
  /** Customers the fit used (those with frequency > 0). */
  customersUsed = 0;
  private readonly maxIterations: number;

  constructor(options: GammaGammaOptions = {}) {
    this.maxIterations = checkNumber('GammaGamma', 'maxIterations', options.maxIterations ?? 6000, {
      integer: true,
      min: 1,
    });
  }

  /** Fits p, q, v on the repeat buyers of `history`; returns this model. */
  fit(history: SpendHistory): this {
    const op = 'GammaGamma.fit';
    const rows = repeatBuyers(op, history);
    if (rows.x.length < 3)
      throw new ValueError(`${op}: needs at least 3 customers with repeat purchases; got ${fmtValue(rows.x.length)}`);
    let mean = 0;
    for (const m of rows.m) mean += m / rows.m.length;
    const negLL = (lp: number[]) => {
      const [p, q, v] = lp.map(Math.exp) as [number, number, number];
      return -gammaGammaLogLikelihood({ p, q, v }, rows.x, rows.m);
    };
    const res = nelderMead(negLL, [0, 0, Math.log(mean)], { maxIterations: this.maxIterations, op });
    const [p, q, v] = res.x.map(Math.exp) as [number, number, number];
    this.params = { p, q, v };
    this.logLikelihood = -res.value;
    this.customersUsed = rows.x.length;
    return this;
  }

  /**
   * Expected mean order value of each customer, E[M | x, m̄] = (p (v + x m̄)) / (p x + q − 1):
   * a weighted mean of the population mean p v / (q − 1) and the customer's own m̄. Customers
   * without repeat purchases get the population mean. Needs q > 1.
   */
  expectedAverageValue(history: SpendHistory): Float64Array {
    const op = 'GammaGamma.expectedAverageValue';
    const { p, q, v } = this.params;
    if (Number.isNaN(p)) throw new ValueError(`${op}: the model is not fitted; call fit first`);
    if (!(q > 1)) throw new ValueError(`${op}: the population mean spend is infinite for q ≤ 1; got q ${q}`);
    const n = history.frequency.length;
    if (history.monetary.length !== n)
      throw new ShapeError(`${op}: frequency has ${n} customers, monetary ${history.monetary.length}`);
    return Float64Array.from({ length: n }, (_, i) => {
      const x = history.frequency[i]!;
      const m = history.monetary[i]!;
      checkValues(op, i, x, m);
      return x > 0 ? (p * (v + x * m)) / (p * x + q - 1) : (p * v) / (q - 1);
    });
  }

  toJSON(): { params: GammaGammaParams; logLikelihood: number } {
    return { params: { ...this.params }, logLikelihood: this.logLikelihood };
  }

  /** A model with the given parameters, as if fitted. */
  static fromParams(params: GammaGammaParams): GammaGamma {
    for (const k of ['p', 'q', 'v'] as const) checkNumber('GammaGamma.fromParams', k, params[k], { positive: true });
    const m = new GammaGamma();
    m.params = { ...params };
    return m;
  }
}

function checkValues(op: string, i: number, x: number, m: number): void {
  if (!Number.isInteger(x) || x < 0)
    throw new ValueError(`${op}: frequency[${i}] must be a whole number ≥ 0; got ${fmtValue(x)}`);
  if (x > 0 && !(m > 0 && Number.isFinite(m)))
    throw new ValueError(`${op}: monetary[${i}] must be a finite number > 0 for a repeat buyer; got ${fmtValue(m)}`);
}

function repeatBuyers(op: string, h: SpendHistory): { x: number[]; m: number[] } {
  const n = h.frequency.length;
  if (h.monetary.length !== n)
    throw new ShapeError(`${op}: frequency has ${n} customers, monetary ${h.monetary.length}`);
  const x: number[] = [];
  const m: number[] = [];
  for (let i = 0; i < n; i++) {
    checkValues(op, i, h.frequency[i]!, h.monetary[i]!);
    if (h.frequency[i]! > 0) {
      x.push(h.frequency[i]!);
      m.push(h.monetary[i]!);
    }
  }
  return { x, m };
}

/**
 * Gamma-Gamma log-likelihood of repeat buyers' (x, m̄), the density of the mean of x Gamma(p, ν)
 * order values with ν integrated out:
 * ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m̄ + px ln x − (px+q) ln(x m̄ + v).
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, x: ArrayLike<number>, m: ArrayLike<number>): number {
  const { p, q, v } = params;
  const lq = lnGamma(q);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const px = p * x[i]!;
    total +=
      lnGamma(px + q) -
      lnGamma(px) -
      lq +
      q * Math.log(v) +
      (px - 1) * Math.log(m[i]!) +
      px * Math.log(x[i]!) -
      (px + q) * Math.log(x[i]! * m[i]! + v);
  }
  return total;
}
