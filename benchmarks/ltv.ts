/**
 * Customer lifetime value on the CDNOW 1/10 sample (2,357 customers, Fader, Hardie and Lee
 * 2005): weeks as the unit, calibration to 1997-09-30 (39 weeks), holdout to 1998-06-30
 * (39 weeks). Fits BG/NBD and Gamma-Gamma, prints the parameters next to the published anchors,
 * the log-likelihood, the tracking tables (cumulative repeat purchases, predicted vs actual, per
 * week) and the fit times. Baseline in the same run: each customer's calibration purchase rate
 * x / T carried forward (the "naive rate" forecast).
 *
 *   node --import tsx benchmarks/ltv.ts [--reps=3]
 *
 * The data are read from ../shared/datasets/cdnow (never copied into the repo).
 * Writes bench-results/ltv.{json,md}.
 */
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import { environment, fmt, markdownTable, median, writeResults } from './harness.js';

const PATH = fileURLToPath(new URL('../../shared/datasets/cdnow/CDNOW_sample.txt', import.meta.url));

const ANCHORS = {
  bg: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, ll: -9582.4 },
  gg: { p: 6.25, q: 3.74, v: 15.45 },
};

export async function runLtv(argv: readonly string[] = process.argv.slice(2)): Promise<{ markdown: string }> {
  const reps = Number(argv.find((a) => a.startsWith('--reps='))?.split('=')[1] ?? 3);
  const log = await at.data.loadCdnow(PATH);
  const summary = at.data.summarizeTransactions(log, {
    date: 'time',
    value: 'amount',
    calibrationEnd: '1997-09-30',
    observationEnd: '1998-06-30',
    unit: 'week',
  });
  const repeatBuyers = summary.frequency.filter((x) => x > 0).length;
  const bgTimes: number[] = [];
  const ggTimes: number[] = [];
  let bg!: at.models.BetaGeo;
  let gg!: at.models.GammaGamma;
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    bg = await new at.models.BetaGeo().fit(summary);
    bgTimes.push(performance.now() - t0);
    t0 = performance.now();
    gg = await new at.models.GammaGamma().fit(summary);
    ggTimes.push(performance.now() - t0);
  }
  const rel = (x: number, y: number) => `${((100 * (x - y)) / y).toFixed(2)}%`;
  const paramRows: (string | number)[][] = [
    ...(['r', 'alpha', 'a', 'b'] as const).map((k) => [
      `BG/NBD ${k}`,
      fmt(bg.params[k], 4),
      ANCHORS.bg[k],
      rel(bg.params[k], ANCHORS.bg[k]),
    ]),
    [
      'BG/NBD log-likelihood',
      fmt(bg.logLikelihood, 2),
      ANCHORS.bg.ll,
      `${fmt(bg.logLikelihood - ANCHORS.bg.ll, 2)} (abs)`,
    ],
    ...(['p', 'q', 'v'] as const).map((k) => [
      `Gamma-Gamma ${k}`,
      fmt(gg.params[k], 4),
      ANCHORS.gg[k],
      rel(gg.params[k], ANCHORS.gg[k]),
    ]),
  ];
  const report = at.models.calibrationHoldout(bg, summary);
  // Baseline: the calibration rate x / T carried forward (a customer with one purchase only gets 0).
  const naive = Float64Array.from(summary.frequency, (x, i) => (summary.T[i]! > 0 ? x / summary.T[i]! : 0));
  let calCount = 0;
  for (const t of summary.repeatTimes) if (t <= 0) calCount++;
  const naiveAt = (t: number) => naive.reduce((s, v) => s + v * t, 0);
  const holdoutRows = report.holdout.map((row) => [
    row.period,
    fmt(row.predicted, 1),
    fmt(naiveAt(Math.min(row.period, summary.holdoutLength)), 1),
    row.actual,
    rel(row.predicted, row.actual),
  ]);
  const cohortRows = report.cohort
    .filter((row) => row.period % 4 === 0 || row.period === report.cohort.length || row.period === 39)
    .map((row) => [
      row.period,
      row.holdout ? 'holdout' : 'calibration',
      fmt(row.predicted, 1),
      row.actual,
      rel(row.predicted, row.actual),
    ]);
  const week78 = report.cohort[report.cohort.length - 1]!;
  const mae = (pred: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < summary.holdoutFrequency.length; i++) s += Math.abs(pred[i]! - summary.holdoutFrequency[i]!);
    return s / summary.holdoutFrequency.length;
  };
  const L = summary.holdoutLength;
  const naiveHoldout = naive.map((v) => v * L);
  const cv = new at.models.CustomerValue(bg, gg);
  const forecast = cv.forecast(summary, { horizon: 52, discountRate: 1.1 ** (1 / 52) - 1 });
  const clvTotal = forecast.lifetimeValue.reduce((s, v) => s + v, 0);
  const markdown = [
    '# Customer lifetime value: BG/NBD + Gamma-Gamma on the CDNOW sample',
    '',
    `${log.customer.length} transactions; ${summary.customers.length} customers, ${repeatBuyers} repeat buyers in calibration; weeks; calibration to 1997-09-30, holdout ${L} weeks to 1998-06-30; same-day purchases merged.`,
    '',
    '## Parameters against the anchors (Fader, Hardie and Lee 2005; lifetimes docs)',
    '',
    markdownTable(['parameter', 'attune', 'anchor', 'difference'], paramRows),
    '',
    `Fit time (median of ${reps}): BG/NBD ${fmt(median(bgTimes), 1)} ms (${bg.iterations} Nelder-Mead iterations), Gamma-Gamma ${fmt(median(ggTimes), 1)} ms.`,
    '',
    '## Cohort tracking: cumulative repeat purchases since the cohort began (every 4th week)',
    '',
    markdownTable(['week', 'period', 'BG/NBD predicted', 'actual', 'error'], cohortRows),
    '',
    `Week ${week78.period} (the end of the data): predicted ${fmt(week78.predicted, 1)}, actual ${week78.actual}, error ${rel(week78.predicted, week78.actual)}.`,
    '',
    "## Holdout tracking: cumulative repeat purchases after calibrationEnd, per week, from each customer's history",
    '',
    markdownTable(['holdout week', 'BG/NBD (conditional)', 'naive rate x/T', 'actual', 'BG/NBD error'], holdoutRows),
    '',
    `Holdout total (week 78): BG/NBD ${fmt(report.holdoutPredicted, 1)}, naive rate ${fmt(naiveAt(L), 1)}, actual ${report.holdoutActual}. Per-customer mean absolute error: BG/NBD ${fmt(mae(report.perCustomer.predicted), 3)}, naive rate ${fmt(mae(naiveHoldout), 3)}.`,
    '',
    '## Mean holdout purchases by calibration frequency',
    '',
    markdownTable(
      ['calibration repeat purchases', 'customers', 'BG/NBD', 'actual'],
      report.byFrequency.map((r) => [r.frequency, r.customers, fmt(r.predicted, 3), fmt(r.actual, 3)]),
    ),
    '',
    `52-week CLV at 10% a year: total $${fmt(clvTotal, 0)} over ${summary.customers.length} customers (mean $${fmt(clvTotal / summary.customers.length, 2)}).`,
  ].join('\n');
  const out = writeResults(
    'ltv',
    {
      environment: environment(),
      betaGeo: { ...bg.params, logLikelihood: bg.logLikelihood, fitMs: median(bgTimes) },
      gammaGamma: { ...gg.params, fitMs: median(ggTimes), customers: gg.customersUsed },
      anchors: ANCHORS,
      cohort: report.cohort,
      holdout: report.holdout,
      byFrequency: report.byFrequency,
      calibrationRepeatPurchases: calCount,
    },
    markdown,
  );
  console.log(`\n${markdown}\n\nwrote ${out.md}`);
  return { markdown };
}

export const run = runLtv;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runLtv();
