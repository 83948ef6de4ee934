/**
 * Which factors drive the Telco churn model: permutation importance (ROC-AUC drop, 10 seeded
 * shuffles per feature, one-hot blocks shuffled together) of the churn benchmark's logistic
 * regression + Platt, fitted on a stratified 80% (seed 0) and scored on the other 20%. Baseline
 * in the same run: a column of uniform noise added to the features, whose importance is what
 * "no signal" looks like.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/churn-importance.ts
 *
 * Writes bench-results/churn-importance.{json,md}.
 */
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import { environment, markdownTable, writeResults } from './harness.js';
import { TELCO_CATEGORICAL as CATEGORICAL, TELCO_NUMERIC, TELCO_PATH as PATH, fitTelcoLogistic } from './telco.js';

const NUMERIC = [...TELCO_NUMERIC, 'random control'];

export async function runChurnImportance(): Promise<{ markdown: string }> {
  await at.ready({ backend: 'cpu' });
  const table = await at.data.readCsvTable(PATH);
  const y = at.data.binaryTarget(table.column('Churn'), 'Yes', 'No');
  const rng = new at.data.Rng(0);
  const columns: Record<string, string[]> = {};
  for (const c of [...NUMERIC, ...CATEGORICAL])
    columns[c] = c === 'random control' ? Array.from(y, () => String(rng.float())) : table.column(c);
  const test: number[] = [];
  const train: number[] = [];
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) rows.push(i);
    rng.shuffle(rows);
    rows.forEach((r, j) => (j % 5 === 0 ? test : train).push(r));
  }
  const sub = (rows: number[]) =>
    Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, rows.map((r) => v[r]!)]));
  const enc = new at.data.TabularEncoder({ numeric: NUMERIC, categorical: CATEGORICAL, missing: 'median' });
  const Xtr = enc.fitTransform(sub(train));
  const Xte = enc.transform(sub(test));
  const clf = await fitTelcoLogistic(Xtr, y, train);
  // One feature per source column: TotalCharges with its missing indicator, each one-hot block.
  const source = Xte.names.map((n) => n.split('=')[0]!);
  const features = [...new Set(source)].map((name) => ({
    name,
    columns: source.flatMap((s, c) => (s === name ? [c] : [])),
  }));
  const yte = Float64Array.from(test, (r) => y[r]!);
  const t0 = performance.now();
  const imp = await at.metrics.permutationImportance(
    (m) => clf.predictProba({ data: m.data, cols: m.cols }),
    { data: Xte.data, cols: Xte.cols },
    yte,
    at.metrics.rocAuc,
    { features, repeats: 10, seed: 0 },
  );
  const ms = performance.now() - t0;
  clf.dispose();
  const control = imp.features.find((f) => f.name === 'random control')!;
  const markdown = [
    '# What drives the Telco churn model: permutation importance',
    '',
    `Logistic regression + Platt on a stratified 80% (${train.length} customers), scored on the other ${test.length}: ROC-AUC ${imp.baseline.toFixed(4)}. 10 shuffles per feature (seed 0), one-hot blocks shuffled together; ${(ms / 1000).toFixed(1)} s.`,
    `Baseline: a column of uniform noise ("random control"), importance ${control.importance.toFixed(4)} [${control.lo.toFixed(4)}, ${control.hi.toFixed(4)}].`,
    '',
    markdownTable(
      ['rank', 'feature', 'ROC-AUC drop', '95% interval', 'sd over shuffles'],
      imp.features.map((f, i) => [
        i + 1,
        f.name,
        f.importance.toFixed(4),
        `[${f.lo.toFixed(4)}, ${f.hi.toFixed(4)}]`,
        f.std.toFixed(4),
      ]),
    ),
  ].join('\n');
  const out = writeResults('churn-importance', { environment: environment(), ...imp }, markdown);
  console.log(`\n${markdown}\n\nwrote ${out.md}`);
  return { markdown };
}

export const run = runChurnImportance;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runChurnImportance();
