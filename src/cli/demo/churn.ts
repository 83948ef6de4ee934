import { TabularEncoder } from '../../data/encoder.js';
import type { SyntheticShop } from '../../data/synthetic.js';
import { ChurnClassifier } from '../../models/churn.js';
import type { ReportInput } from '../../report/types.js';
import { Rng } from '../../core/random.js';
import { stratifiedSplit } from '../../data/split.js';
import { fmt, fmtInt, fmtPct, section, table } from './format.js';
import type { DemoResult, DemoSizes } from './options.js';

/** A calibrated MLP churn classifier on a stratified split, reported on the test rows. */
export async function churnSection(
  shop: SyntheticShop,
  size: DemoSizes,
  seed: number,
  log: (line: string) => void,
  charts: ReportInput,
): Promise<DemoResult['churn']> {
  section(log, 'Churn');
  const cols = shop.churn.columns;
  const numeric = ['tenure', 'recency', 'frequency', 'monetary', 'sessions', 'views', 'carts'] as const;
  // The latent segment is left out: a real shop would not know it.
  const { train: trainRows, test: testRows } = stratifiedSplit(
    shop.churn.label,
    0.3,
    new Rng(seed, 'attune demo --seed'),
  );
  const pickRows = (rows: number[]): Record<string, (string | number)[]> => {
    const out: Record<string, (string | number)[]> = { plan: rows.map((r) => cols.plan[r]!) };
    for (const c of numeric) out[c] = rows.map((r) => cols[c][r]!);
    return out;
  };
  const enc = new TabularEncoder({ numeric, categorical: ['plan'] });
  const Xtrain = enc.fitTransform(pickRows(trainRows));
  const Xtest = enc.transform(pickRows(testRows));
  const yTrain = Uint8Array.from(trainRows, (r) => shop.churn.label[r]!);
  const yTest = Uint8Array.from(testRows, (r) => shop.churn.label[r]!);
  const clf = await new ChurnClassifier({
    hidden: [16],
    epochs: size.churnEpochs,
    lr: 0.02,
    calibration: 'platt',
    seed,
  }).fit(Xtrain, yTrain);
  const report = await clf.evaluate(Xtest, yTest);
  const raw = await clf.evaluate(Xtest, yTest, { calibrated: false });
  const state = clf.calibratorState;
  const platt = state && 'a' in state ? { a: state.a, b: state.b } : null;
  charts.churn = { labels: yTest, probabilities: await clf.predictProba(Xtest) };
  charts.training = [...(charts.training ?? []), { model: 'churn MLP', epochs: clf.history }];
  clf.dispose();
  log(`${Xtrain.cols} features (${Xtrain.names.join(', ')})`);
  log(
    `stratified split: ${fmtInt(trainRows.length)} train (20% of it held out for Platt scaling) / ${fmtInt(testRows.length)} test; MLP (16 ReLU units), ${size.churnEpochs} epochs of Adam`,
  );
  if (platt)
    log(
      `Platt scaling on the held-out 20%: p = sigmoid(${fmt(platt.a, 3)}·logit ${platt.b < 0 ? '−' : '+'} ${fmt(Math.abs(platt.b), 3)})`,
    );
  table(
    log,
    ['metric (test set)', 'value'],
    [
      ['ROC-AUC', fmt(report.rocAuc, 3)],
      ['PR-AUC', `${fmt(report.prAuc, 3)}  (base rate ${fmt(report.baseRate, 3)})`],
      ['Brier score', fmt(report.brier, 4)],
      ['log loss', fmt(report.logLoss, 4)],
      ['ECE (10 bins)', `${fmt(report.ece, 4)}  (before calibration ${fmt(raw.ece, 4)})`],
      [
        'lift, top decile',
        `${fmt(report.liftAtDecile, 2)}×  (${fmtPct(report.precisionAtDecile)} churn there; ${fmtPct(report.recallAtDecile)} of all churners)`,
      ],
    ],
    'll',
  );
  const cal = report.calibration;
  const calRows: string[][] = [];
  for (let b = 0; b < cal.count.length; b++) {
    if (cal.count[b] === 0) continue;
    calRows.push([
      `${fmt(cal.edges[b]!, 1)}–${fmt(cal.edges[b + 1]!, 1)}`,
      fmtInt(cal.count[b]!),
      fmt(cal.meanPredicted[b]!, 3),
      fmt(cal.fractionPositive[b]!, 3),
    ]);
  }
  log('reliability (calibrated):');
  table(log, ['predicted', 'rows', 'mean p', 'observed'], calRows, 'lrrr');
  return {
    trainRows: trainRows.length,
    testRows: testRows.length,
    features: Xtrain.names,
    report,
    eceUncalibrated: raw.ece,
    platt,
  };
}
