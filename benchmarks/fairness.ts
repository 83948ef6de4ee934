/**
 * Group fairness of the Telco churn model (logistic regression + Platt, the churn benchmark's
 * settings) by gender and by senior-citizen status: out-of-fold probabilities from stratified
 * 5-fold cross-validation (seed 0), flagged at 0.5, measured with at.fairness.fairnessReport
 * (1,000 stratified bootstrap resamples, seed 0, 95% intervals). Baselines in the same run: the
 * same model trained without the gender and SeniorCitizen columns ("unaware"), and the churn
 * rates themselves (the base-rate gap any accurate model inherits).
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/fairness.ts
 *
 * Writes bench-results/fairness.{json,md}.
 */
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import { environment, markdownTable, writeResults } from './harness.js';
import {
  TELCO_CATEGORICAL as CATEGORICAL,
  TELCO_NUMERIC as NUMERIC,
  TELCO_PATH as PATH,
  fitTelcoLogistic,
} from './telco.js';

const SENSITIVE = ['gender', 'SeniorCitizen'];

async function outOfFold(
  columns: Record<string, string[]>,
  y: Uint8Array,
  numeric: string[],
  categorical: string[],
): Promise<Float64Array> {
  const rng = new at.data.Rng(0);
  const fold = new Int32Array(y.length);
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) rows.push(i);
    rng.shuffle(rows);
    rows.forEach((r, j) => (fold[r] = j % 5));
  }
  const prob = new Float64Array(y.length);
  for (let f = 0; f < 5; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < y.length; i++) (fold[i] === f ? test : train).push(i);
    const sub = (rows: number[]) =>
      Object.fromEntries([...numeric, ...categorical].map((c) => [c, rows.map((r) => columns[c]![r]!)]));
    const enc = new at.data.TabularEncoder({ numeric, categorical, missing: 'median' });
    const Xtr = enc.fitTransform(sub(train));
    const clf = await fitTelcoLogistic(Xtr, y, train);
    const p = await clf.predictProba(enc.transform(sub(test)));
    test.forEach((r, j) => (prob[r] = p[j]!));
    clf.dispose();
  }
  return prob;
}

const iv = (m: at.fairness.Interval, d = 3) => `${m.value.toFixed(d)} [${m.lo.toFixed(d)}, ${m.hi.toFixed(d)}]`;

export async function runFairness(): Promise<{ markdown: string }> {
  await at.ready({ backend: 'cpu' });
  const table = await at.data.readCsvTable(PATH);
  const y = at.data.binaryTarget(table.column('Churn'), 'Yes', 'No');
  const columns: Record<string, string[]> = {};
  for (const c of [...NUMERIC, ...CATEGORICAL]) columns[c] = table.column(c);
  const models = {
    'with gender and SeniorCitizen': await outOfFold(columns, y, NUMERIC, CATEGORICAL),
    'unaware (both columns dropped)': await outOfFold(
      columns,
      y,
      NUMERIC.filter((c) => !SENSITIVE.includes(c)),
      CATEGORICAL.filter((c) => !SENSITIVE.includes(c)),
    ),
  };
  const attributes = {
    gender: table.column('gender'),
    'senior citizen': table.column('SeniorCitizen').map((v) => (v === '1' ? 'senior' : 'not senior')),
  };
  const summary: (string | number)[][] = [];
  const groupRows: (string | number)[][] = [];
  const calRows: (string | number)[][] = [];
  const payload: Record<string, unknown> = {};
  for (const [attr, group] of Object.entries(attributes)) {
    for (const [name, yProb] of Object.entries(models)) {
      const r = at.fairness.fairnessReport({ yTrue: y, yProb, group, bootstrap: 1000, seed: 0 });
      payload[`${attr} / ${name}`] = r;
      summary.push([
        attr,
        name,
        iv(r.demographicParityDifference),
        iv(r.demographicParityRatio),
        iv(r.equalOpportunityDifference),
        iv(r.equalizedOddsDifference),
      ]);
      for (const g of r.groups)
        groupRows.push([
          attr,
          name,
          g.group,
          g.n,
          g.baseRate.toFixed(3),
          g.selectionRate.toFixed(3),
          g.tpr.toFixed(3),
          g.fpr.toFixed(3),
        ]);
      for (const c of r.calibration!)
        calRows.push([attr, name, c.group, c.meanPredicted.toFixed(3), c.observedRate.toFixed(3), iv(c.ece)]);
    }
    // The labels' own gap: what a perfect classifier's selection rates would show.
    const labels = at.fairness.fairnessReport({ yPred: y, group, bootstrap: 1000, seed: 0 });
    summary.push([
      attr,
      'baseline: actual churn (labels)',
      iv(labels.demographicParityDifference),
      iv(labels.demographicParityRatio),
      '-',
      '-',
    ]);
  }
  let auc = '';
  for (const [name, p] of Object.entries(models)) auc += `${name}: ROC-AUC ${at.metrics.rocAuc(y, p).toFixed(4)}. `;
  const markdown = [
    '# Fairness of the Telco churn model by gender and senior-citizen status',
    '',
    `${y.length} customers; logistic regression + Platt, out-of-fold (5-fold) probabilities flagged at 0.5. ${auc}`,
    'Intervals: 95% percentile bootstrap, 1,000 resamples within each group, seed 0.',
    '',
    markdownTable(
      [
        'attribute',
        'model',
        'demographic parity diff',
        'demographic parity ratio',
        'equal opportunity diff',
        'equalized odds diff',
      ],
      summary,
    ),
    '',
    markdownTable(['attribute', 'model', 'group', 'customers', 'churn rate', 'flagged rate', 'TPR', 'FPR'], groupRows),
    '',
    'Calibration by group:',
    '',
    markdownTable(['attribute', 'model', 'group', 'mean predicted', 'observed churn', 'ECE (10 bins)'], calRows),
  ].join('\n');
  const out = writeResults('fairness', { environment: environment(), reports: payload }, markdown);
  console.log(`\n${markdown}\n\nwrote ${out.md}`);
  return { markdown };
}

export const run = runFairness;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runFairness();
