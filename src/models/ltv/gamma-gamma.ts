import { DataError, ShapeError, ValueError, fmtValue } from '../../core/errors.js';
import { checkNumber } from '../../core/checks.js';
import { FitControl, type FitControlOptions } from '../../core/fit-control.js';
import { type ModelState, configObject, registerModelType } from '../../io/models.js';
import { configNumber, fileParams } from './ltv-io.js';
import { nelderMeadControlled } from './optimize.js';
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
 * correlate only weakly before relying on it). `at.save` and `at.load` store and rebuild a
 * fitted model.
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

  /**
   * Fits p, q, v on the repeat buyers of `history`; resolves to this model. A customer whose
   * row is impossible (a negative, zero or NaN order value for a repeat buyer, a fractional
   * frequency) is a DataError naming them. Each optimizer iteration counts as a batch for
   * `options` (progress, yielding, abort); an abort or a failure leaves the model as it was.
   */
  async fit(history: SpendHistory, options: FitControlOptions = {}): Promise<this> {
    const op = 'GammaGamma.fit';
    const control = new FitControl(options, this.maxIterations);
    const rows = repeatBuyers(op, history);
    if (rows.x.length < 3)
      throw new ValueError(`${op}: needs at least 3 customers with repeat purchases; got ${fmtValue(rows.x.length)}`);
    let mean = 0;
    for (const m of rows.m) mean += m / rows.m.length;
    const negLL = (lp: number[]) => {
      const [p, q, v] = lp.map(Math.exp) as [number, number, number];
      return -gammaGammaLogLikelihood({ p, q, v }, rows.x, rows.m);
    };
    const res = await nelderMeadControlled(
      negLL,
      [0, 0, Math.log(mean)],
      { maxIterations: this.maxIterations, op },
      control,
    );
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

  /** The fitted model as `at.save` writes it: options and fit statistics as config, the parameters as a tensor. */
  saveState(): ModelState {
    const { p, q, v } = this.params;
    if (Number.isNaN(p)) throw new ValueError('save: the GammaGamma is not fitted; call await fit(history) first');
    return {
      type: 'GammaGamma',
      config: {
        options: { maxIterations: this.maxIterations },
        logLikelihood: this.logLikelihood,
        customersUsed: this.customersUsed,
      },
      tensors: { params: { dtype: 'float64', shape: [3], data: Float64Array.of(p, q, v) } },
    };
  }

  /** The parameters and fit statistics as plain JSON. */
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

/** One customer's frequency and mean order value; a DataError names the row, column and value. */
function checkValues(op: string, i: number, x: number, m: number): void {
  if (!Number.isInteger(x) || x < 0)
    throw new DataError(`${op}: customer ${i} (row ${i}): frequency[${i}] = ${fmtValue(x)} must be a whole number ≥ 0`);
  if (x > 0 && !(m > 0 && Number.isFinite(m)))
    throw new DataError(
      `${op}: customer ${i} (row ${i}): monetary[${i}] = ${fmtValue(m)} must be a finite number > 0 for a repeat buyer (frequency ${x})`,
    );
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

// at.load rebuilds a GammaGamma: the options pass the constructor's checks, the parameters must
// be three finite positive numbers.
registerModelType('GammaGamma', {
  cls: GammaGamma,
  load(config, tensors) {
    const op = 'load GammaGamma';
    const c = configObject(op, 'attune.config', config);
    const model = new GammaGamma(configObject(op, 'options', c.options) as GammaGammaOptions);
    model.params = fileParams(op, tensors, ['p', 'q', 'v'] as const);
    model.logLikelihood = configNumber(c.logLikelihood);
    model.customersUsed = Number.isSafeInteger(c.customersUsed) ? (c.customersUsed as number) : 0;
    return model;
  },
});
