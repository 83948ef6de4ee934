/**
 * Churn prediction on the IBM Telco Customer Churn data (7,043 customers, 26.5% churn) with
 * stratified 5-fold cross-validation (seed 0). Per fold the TabularEncoder is fitted on the
 * training rows only (numerics standardized, TotalCharges' 11 blanks median-imputed with an
 * indicator, categoricals one-hot); the ChurnClassifier trains on 80% of the training rows and
 * calibrates on the other 20%. Reports ROC-AUC, PR-AUC, log loss, Brier and ECE before and after
 * calibration, top-decile lift, and fit time per fold.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/churn.ts [--no-webgpu] [--gpu-folds=1]
 *
 * Published anchor (same data, 5-fold ROC-AUC): logistic regression about 0.842-0.845, gradient
 * boosting 0.839-0.846. Data are read from ../shared/datasets/telco-churn (never copied here).
 * Writes bench-results/churn.{json,md}.
 */
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import { environment, fmt, markdownTable, writeResults, probeWebGPU } from './harness.js';
import { TELCO_CATEGORICAL as CATEGORICAL, TELCO_NUMERIC as NUMERIC, TELCO_PATH as PATH } from './telco.js';

interface Contender {
  name: string;
  backend: at.BackendName;
  options: at.models.ChurnClassifierOptions;
}

type Metrics = { rocAuc: number; prAuc: number; logLoss: number; brier: number; ece: number; liftAtDecile: number };

function stratifiedFolds(y: Uint8Array, k: number, seed: number): Int32Array {
  const rng = new at.data.Rng(seed);
  const fold = new Int32Array(y.length);
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) rows.push(i);
    rng.shuffle(rows);
    rows.forEach((r, j) => (fold[r] = j % k));
  }
  return fold;
}

function pick<T>(col: readonly T[], rows: number[]): T[] {
  return rows.map((r) => col[r]!);
}

export async function runChurn(argv: readonly string[] = process.argv.slice(2)): Promise<{ markdown: string }> {
  const useGpu = !argv.includes('--no-webgpu');
  const gpuFolds = Number(argv.find((a) => a.startsWith('--gpu-folds='))?.split('=')[1] ?? 1);
  const table = await at.data.readCsvTable(PATH);
  const y = at.data.binaryTarget(table.column('Churn'), 'Yes', 'No');
  const columns: Record<string, string[]> = {};
  for (const c of [...NUMERIC, ...CATEGORICAL]) columns[c] = table.column(c);
  const { ok: gpuOk, note: gpuNote } = await probeWebGPU(useGpu);
  const lr: at.models.ChurnClassifierOptions = {
    hidden: [],
    epochs: 60,
    lr: 0.01,
    weightDecay: 1e-4,
    seed: 0,
    calibration: 'platt',
  };
  const contenders: Contender[] = [
    { name: 'logistic regression + Platt', backend: 'cpu', options: lr },
    { name: 'logistic regression + isotonic', backend: 'cpu', options: { ...lr, calibration: 'isotonic' } },
    {
      name: 'MLP [16] + Platt',
      backend: 'cpu',
      options: { hidden: [16], epochs: 30, lr: 0.003, weightDecay: 1e-3, seed: 0, calibration: 'platt' },
    },
    ...(gpuOk ? [{ name: 'logistic regression + Platt', backend: 'webgpu' as const, options: lr }] : []),
  ];
  const folds = stratifiedFolds(y, 5, 0);
  const results: { name: string; backend: string; folds: number; raw: Metrics; calibrated: Metrics; fitMs: number }[] =
    [];
  for (const c of contenders) {
    await at.ready({ backend: c.backend });
    const nFolds = c.backend === 'webgpu' ? Math.min(gpuFolds, 5) : 5;
    const raw: Metrics[] = [];
    const cal: Metrics[] = [];
    let fitMs = 0;
    for (let f = 0; f < nFolds; f++) {
      const trainRows: number[] = [];
      const testRows: number[] = [];
      for (let i = 0; i < y.length; i++) (folds[i] === f ? testRows : trainRows).push(i);
      const sub = (rows: number[]): Record<string, string[]> =>
        Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, pick(v, rows)]));
      const enc = new at.data.TabularEncoder({ numeric: NUMERIC, categorical: CATEGORICAL, missing: 'median' });
      const Xtr = enc.fitTransform(sub(trainRows));
      const Xte = enc.transform(sub(testRows));
      const ytr = Uint8Array.from(trainRows, (r) => y[r]!);
      const yte = Uint8Array.from(testRows, (r) => y[r]!);
      const t0 = performance.now();
      const clf = await new at.models.ChurnClassifier({ ...c.options, backend: c.backend }).fit(Xtr, ytr);
      fitMs += performance.now() - t0;
      const keep = (r: at.models.ChurnReport): Metrics => ({
        rocAuc: r.rocAuc,
        prAuc: r.prAuc,
        logLoss: r.logLoss,
        brier: r.brier,
        ece: r.ece,
        liftAtDecile: r.liftAtDecile,
      });
      raw.push(keep(await clf.evaluate(Xte, yte, { calibrated: false })));
      cal.push(keep(await clf.evaluate(Xte, yte)));
      clf.dispose();
    }
    const mean = (ms: Metrics[]): Metrics => {
      const out = { rocAuc: 0, prAuc: 0, logLoss: 0, brier: 0, ece: 0, liftAtDecile: 0 };
      for (const m of ms) for (const k of Object.keys(out) as (keyof Metrics)[]) out[k] += m[k] / ms.length;
      return out;
    };
    results.push({
      name: c.name,
      backend: c.backend,
      folds: nFolds,
      raw: mean(raw),
      calibrated: mean(cal),
      fitMs: fitMs / nFolds,
    });
    console.log(`${c.name} [${c.backend}]: AUC ${mean(cal).rocAuc.toFixed(4)}`);
  }
  const md = markdownTable(
    [
      'model',
      'backend',
      'folds',
      'ROC-AUC',
      'PR-AUC',
      'log loss raw → cal',
      'Brier raw → cal',
      'ECE raw → cal',
      'lift@10%',
      'fit ms/fold',
    ],
    results.map((r) => [
      r.name,
      r.backend,
      r.folds,
      r.calibrated.rocAuc.toFixed(4),
      r.calibrated.prAuc.toFixed(4),
      `${r.raw.logLoss.toFixed(4)} → ${r.calibrated.logLoss.toFixed(4)}`,
      `${r.raw.brier.toFixed(4)} → ${r.calibrated.brier.toFixed(4)}`,
      `${r.raw.ece.toFixed(4)} → ${r.calibrated.ece.toFixed(4)}`,
      r.calibrated.liftAtDecile.toFixed(2),
      fmt(r.fitMs, 0),
    ]),
  );
  const lrCpu = results[0]!;
  const markdown = [
    '# Telco churn: stratified 5-fold cross-validation',
    '',
    `${y.length} customers, churn rate ${((100 * y.reduce((s, v) => s + v, 0)) / y.length).toFixed(1)}%. WebGPU adapter: ${gpuNote}.`,
    'Metrics are fold means on the held-out fold; "raw" is the network\'s sigmoid output, "cal" after calibration on 20% of the training fold.',
    'SwiftShader runs WGSL on the CPU: its times show that the kernels work, not what a GPU does.',
    'A row with fewer than 5 folds (webgpu, --gpu-folds) averages only the first folds, so compare it with care.',
    '',
    md,
    '',
    `Anchor: logistic regression 5-fold ROC-AUC about 0.842-0.845; attune logistic regression: ${lrCpu.calibrated.rocAuc.toFixed(4)}.`,
  ].join('\n');
  const out = writeResults('churn', { environment: environment(), webgpu: gpuNote, results }, markdown);
  console.log(`\n${markdown}\n\nwrote ${out.md}`);
  return { markdown };
}

export const run = runChurn;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runChurn();
