/**
 * Customer lifetime value: from a raw purchase log to expected purchases, the chance each
 * customer is still active, and a discounted one-year value, with a calibration/holdout check.
 *
 *   npm run build
 *   npx tsx --tsconfig tsconfig.build.json examples/lifetime-value.ts [CDNOW_sample.txt | orders.csv]
 *
 * A CDNOW file (`CDNOW_master.txt` or `CDNOW_sample.txt`) is read with loadCdnow and split at
 * 1997-09-30; any other CSV needs the columns customer, date and value and is split at its
 * midpoint. Without a path the example simulates a shop whose customers follow the BG/NBD story
 * (a purchase rate per customer, a chance to leave after each purchase), so the fitted
 * parameters can be compared with the true ones.
 */
import * as at from 'attune';

export interface LifetimeValueExampleOptions {
  path?: string;
  /** Simulated customers (ignored with a path); default 2000. */
  customers?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface LifetimeValueExampleResult {
  summary: at.data.TransactionSummary;
  model: at.models.CustomerValue;
  holdoutPredicted: number;
  holdoutActual: number;
  /** True generating parameters (simulation only). */
  truth?: { r: number; alpha: number; a: number; b: number };
  top: { customer: string | number; clv: number; pAlive: number; purchases: number }[];
}

const DAY = 86_400_000;
const TRUTH = { r: 0.5, alpha: 6, a: 0.9, b: 3 };

/** Gamma(shape, 1) by Marsaglia and Tsang, with the boost for shape < 1. */
function gamma(rng: at.data.Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * rng.float() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const n = Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
    const v = (1 + c * n) ** 3;
    if (v > 0 && Math.log(1 - rng.float()) < 0.5 * n * n + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A year and a half of purchases: customers join in the first 12 weeks, buy at rate λ ~ Gamma(r, α) a week, leave with p ~ Beta(a, b) after each repeat purchase. */
function simulateShop(customers: number, seed: number): { customer: string[]; date: number[]; value: number[] } {
  const rng = new at.data.Rng(seed, 'lifetime-value example');
  const out = { customer: [] as string[], date: [] as number[], value: [] as number[] };
  const start = Date.UTC(2024, 0, 1);
  const end = 78 * 7;
  for (let c = 0; c < customers; c++) {
    const lambda = gamma(rng, TRUTH.r) / TRUTH.alpha / 7; // per day
    const x = gamma(rng, TRUTH.a);
    const p = x / (x + gamma(rng, TRUTH.b));
    const spend = 15 + 30 * rng.float();
    let day = Math.floor(rng.float() * 84);
    for (let n = 0; ; n++) {
      out.customer.push(`c${c}`);
      out.date.push(start + Math.floor(day) * DAY);
      out.value.push(Math.round(spend * (0.5 + rng.float()) * 100) / 100);
      if (n > 0 && rng.float() < p) break; // the story: a customer may leave after each repeat purchase
      day += -Math.log(1 - rng.float()) / lambda;
      if (day >= end) break;
    }
  }
  return out;
}

export async function main(options: LifetimeValueExampleOptions = {}): Promise<LifetimeValueExampleResult> {
  const { customers = 2000, seed = 1, log = console.log } = options;
  let summary: at.data.TransactionSummary;
  if (options.path && /cdnow/i.test(options.path)) {
    const cdnow = await at.data.loadCdnow(options.path);
    summary = at.data.summarizeTransactions(cdnow, { date: 'time', value: 'amount', calibrationEnd: '1997-09-30' });
  } else if (options.path) {
    const table = await at.data.readCsvTable(options.path);
    const days = table.column('date').map((d) => at.data.parseDate(d));
    const mid = new Date((Math.min(...days) + Math.max(...days)) / 2);
    summary = at.data.summarizeTransactions(table, { calibrationEnd: mid });
  } else {
    // 1. A raw log: one row per purchase (customer, date, value), as a shop exports it.
    const shop = simulateShop(customers, seed);
    // 2. Per-customer summaries in weeks: repeat purchases, time of the last one, age, mean order value,
    //    with the first 39 weeks for fitting and the rest held out.
    summary = at.data.summarizeTransactions(shop, { calibrationEnd: Date.UTC(2024, 0, 1) + 38 * 7 * DAY });
  }
  log(
    `${summary.customers.length} customers; ${summary.frequency.filter((x) => x > 0).length} bought again in calibration`,
  );

  // 3. Fit how often customers buy and when they leave (BG/NBD), and how much they spend (Gamma-Gamma).
  const model = await at.models.CustomerValue.fit(summary);
  const { r, alpha, a, b } = model.purchases.params;
  log(
    `BG/NBD r ${r.toFixed(3)}, alpha ${alpha.toFixed(3)}, a ${a.toFixed(3)}, b ${b.toFixed(3)}; log-likelihood ${model.purchases.logLikelihood.toFixed(1)}`,
  );
  if (!options.path) log(`  (simulated with r ${TRUTH.r}, alpha ${TRUTH.alpha}, a ${TRUTH.a}, b ${TRUTH.b})`);

  // 4. Check the forecast on the holdout weeks the model never saw.
  const check = at.models.calibrationHoldout(model.purchases, summary);
  log(`holdout repeat purchases: predicted ${check.holdoutPredicted.toFixed(0)}, actual ${check.holdoutActual}`);

  // 5. One-year value per customer, discounted at 10% a year, and who is worth calling.
  const f = model.forecast(summary, { horizon: 52, discountRate: 1.1 ** (1 / 52) - 1 });
  const order = Array.from(f.lifetimeValue.keys()).sort((i, j) => f.lifetimeValue[j]! - f.lifetimeValue[i]!);
  const top = order.slice(0, 5).map((i) => ({
    customer: summary.customers[i]!,
    clv: f.lifetimeValue[i]!,
    pAlive: f.probabilityAlive[i]!,
    purchases: f.purchases[i]!,
  }));
  log('most valuable customers for the next year:');
  for (const t of top)
    log(
      `  ${t.customer}: $${t.clv.toFixed(2)} (P(active) ${t.pAlive.toFixed(2)}, ${t.purchases.toFixed(1)} purchases expected)`,
    );
  return {
    summary,
    model,
    holdoutPredicted: check.holdoutPredicted,
    holdoutActual: check.holdoutActual,
    truth: options.path ? undefined : TRUTH,
    top,
  };
}

const isMain =
  typeof process !== 'undefined' &&
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) await main({ path: process.argv[2] });
