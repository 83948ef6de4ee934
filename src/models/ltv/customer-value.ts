import { ShapeError } from '../../core/errors.js';
import { checkNumber } from '../../core/checks.js';
import type { FitControlOptions } from '../../core/fit-control.js';
import { BetaGeo, type BetaGeoOptions } from './beta-geo.js';
import { GammaGamma, type GammaGammaOptions } from './gamma-gamma.js';
import type { PurchaseHistory } from './summary.js';
import type { SpendHistory } from './gamma-gamma.js';

/** Options of {@link CustomerValue.forecast}. */
export interface LifetimeValueOptions {
  /** How far ahead, in the history's time unit (e.g. 52 weeks). */
  horizon: number;
  /** Length of one discounting period in that unit; default 1 (weekly steps for weekly data). */
  period?: number;
  /**
   * Discount rate per period; default 0. An annual rate R with weekly periods is
   * (1 + R)^(1/52) − 1.
   */
  discountRate?: number;
}

/** A customer's value forecast: expected purchases, order value and their discounted product. */
export interface CustomerValueForecast {
  purchases: Float64Array;
  averageValue: Float64Array;
  probabilityAlive: Float64Array;
  lifetimeValue: Float64Array;
}

/**
 * Customer lifetime value from a purchase model (BG/NBD: how many more purchases) and a spend
 * model (Gamma-Gamma: how much per purchase), the usual pairing: CLV = Σₖ (E[Y(k)] − E[Y(k−1)])
 * · E[M] / (1 + d)^k over the periods k of the horizon.
 *
 * @example
 * const cv = await at.models.CustomerValue.fit(summary);
 * const { lifetimeValue } = cv.forecast(summary, { horizon: 52, discountRate: 1.1 ** (1 / 52) - 1 });
 */
export class CustomerValue {
  constructor(
    readonly purchases: BetaGeo,
    readonly spend: GammaGamma,
  ) {}

  /**
   * Fits both models on one summary (spend on its repeat buyers), one after the other; `control`
   * (progress, yielding, abort) applies to each fit in turn.
   */
  static async fit(
    history: PurchaseHistory & SpendHistory,
    options: { betaGeo?: BetaGeoOptions; gammaGamma?: GammaGammaOptions } = {},
    control: FitControlOptions = {},
  ): Promise<CustomerValue> {
    const purchases = await new BetaGeo(options.betaGeo).fit(history, control);
    return new CustomerValue(purchases, await new GammaGamma(options.gammaGamma).fit(history, control));
  }

  /** Expected purchases, order value, P(alive) and discounted value over the horizon, per customer. */
  forecast(history: PurchaseHistory & SpendHistory, options: LifetimeValueOptions): CustomerValueForecast {
    const op = 'CustomerValue.forecast';
    const horizon = checkNumber(op, 'horizon', options.horizon, { positive: true });
    const period = checkNumber(op, 'period', options.period ?? 1, { positive: true });
    const d = checkNumber(op, 'discountRate', options.discountRate ?? 0, { min: 0 });
    if (history.monetary.length !== history.frequency.length)
      throw new ShapeError(
        `${op}: monetary has ${history.monetary.length} customers, frequency ${history.frequency.length}`,
      );
    const averageValue = this.spend.expectedAverageValue(history);
    const steps = Math.ceil(horizon / period - 1e-9);
    const n = history.frequency.length;
    const lifetimeValue = new Float64Array(n);
    let before: Float64Array = new Float64Array(n);
    for (let k = 1; k <= steps; k++) {
      const now = this.purchases.conditionalExpectedPurchases(Math.min(k * period, horizon), history);
      const factor = 1 / (1 + d) ** k;
      for (let i = 0; i < n; i++) lifetimeValue[i]! += (now[i]! - before[i]!) * averageValue[i]! * factor;
      before = now;
    }
    return {
      purchases: before,
      averageValue,
      probabilityAlive: this.purchases.probabilityAlive(history),
      lifetimeValue,
    };
  }
}
