/**
 * Churn prediction on a customer table: encode mixed columns with TabularEncoder, train a
 * ChurnClassifier (logistic regression, Platt-calibrated on held-out rows), and report ranking
 * quality (ROC-AUC, PR-AUC, lift), probability quality (log loss, Brier) and calibration (ECE
 * before and after Platt scaling, plus a reliability table).
 *
 *   npm run build
 *   npx tsx --tsconfig tsconfig.build.json examples/churn.ts [WA_Fn-UseC_-Telco-Customer-Churn.csv]
 *
 * With a path the example reads the IBM Telco churn CSV (label column Churn = Yes/No; the
 * blank TotalCharges of new customers are imputed). Without one it uses the churn table of
 * attune's seeded synthetic shop.
 */
import * as at from 'attune';

export interface ChurnExampleOptions {
  /** Telco-style CSV; the synthetic shop when absent. */
  path?: string;
  /** Customers in the synthetic shop (ignored with a path); default 4000. */
  customers?: number;
  epochs?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface ChurnExampleResult {
  source: string;
  trainRows: number;
  testRows: number;
  features: string[];
  report: at.models.ChurnReport;
  /** The same test rows scored before calibration. */
  uncalibrated: at.models.ChurnReport;
}

type Columns = Record<string, at.data.Cell[]>;

/** A table as named columns, the encoder's options for it, and the 0/1 labels. */
async function loadTable(path: string | undefined, customers: number, seed: number) {
  if (path) {
    const table = await at.data.readCsvTable(path);
    const numeric = ['tenure', 'MonthlyCharges', 'TotalCharges', 'SeniorCitizen'];
    const categorical = [
      'gender',
      'Partner',
      'Dependents',
      'PhoneService',
      'MultipleLines',
      'InternetService',
      'OnlineSecurity',
      'OnlineBackup',
      'DeviceProtection',
      'TechSupport',
      'StreamingTV',
      'StreamingMovies',
      'Contract',
      'PaperlessBilling',
      'PaymentMethod',
    ];
    const columns: Columns = {};
    for (const name of [...numeric, ...categorical]) columns[name] = table.column(name);
    return {
      source: path,
      columns,
      numeric,
      categorical,
      labels: at.data.binaryTarget(table.column('Churn'), 'Yes', 'No'),
    };
  }
  const shop = at.data.syntheticShop({ customers, seed });
  // The latent `segment` column is left out: a real shop would not know it.
  const { segment: _hidden, ...columns } = shop.churn.columns;
  return {
    source: `synthetic shop (${customers} customers, seed ${seed})`,
    columns: columns as Columns,
    numeric: ['tenure', 'recency', 'frequency', 'monetary', 'sessions', 'views', 'carts'],
    categorical: ['plan'],
    labels: shop.churn.label,
  };
}

/** Row indices split 75/25 within each class, so train and test keep the churn rate. */
function stratifiedSplit(labels: Uint8Array, seed: number): { train: number[]; test: number[] } {
  const rng = new at.data.Rng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const rows = rng.shuffle([...labels.keys()].filter((i) => labels[i] === cls));
    const cut = Math.round(rows.length * 0.25);
    test.push(...rows.slice(0, cut));
    train.push(...rows.slice(cut));
  }
  return { train, test };
}

export async function main(options: ChurnExampleOptions = {}): Promise<ChurnExampleResult> {
  const { customers = 4000, epochs = 60, seed = 1, log = console.log } = options;
  const { source, columns, numeric, categorical, labels } = await loadTable(options.path, customers, seed);
  const { train, test } = stratifiedSplit(labels, seed);
  const rowsOf = (rows: number[]): Columns =>
    Object.fromEntries(Object.entries(columns).map(([name, col]) => [name, rows.map((r) => col[r])]));
  const labelsOf = (rows: number[]): Uint8Array => Uint8Array.from(rows, (r) => labels[r]!);
  log(
    `${source}: ${labels.length} customers, churn rate ${((100 * labels.reduce((s, v) => s + v, 0)) / labels.length).toFixed(1)}%`,
  );

  // 1. Numbers are z-scored and categories one-hot encoded, with statistics from the training
  //    rows only. Missing numbers get the training median plus a `<column>=missing` indicator.
  const encoder = new at.data.TabularEncoder({ numeric, categorical, missing: 'median' });
  const Xtrain = encoder.fitTransform(rowsOf(train));
  const Xtest = encoder.transform(rowsOf(test));
  log(`${Xtrain.cols} features after encoding; ${train.length} training rows, ${test.length} test rows`);

  // 2. Logistic regression trained with Adam. 20% of the training rows are held out to fit the
  //    Platt scaling p = sigmoid(a·logit + b), never the rows the weights were trained on.
  const clf = new at.models.ChurnClassifier({ hidden: [], epochs, lr: 0.02, calibration: 'platt', seed });
  await clf.fit(Xtrain, labelsOf(train), { validation: 0.2 });

  // 3. Score the untouched test rows, with and without calibration.
  const report = await clf.evaluate(Xtest, labelsOf(test));
  const uncalibrated = await clf.evaluate(Xtest, labelsOf(test), { calibrated: false });
  clf.dispose();
  log(
    `\nROC-AUC ${report.rocAuc.toFixed(3)}   PR-AUC ${report.prAuc.toFixed(3)} (base rate ${report.baseRate.toFixed(3)})`,
  );
  log(`log loss ${report.logLoss.toFixed(4)}   Brier ${report.brier.toFixed(4)}`);
  log(`ECE ${report.ece.toFixed(4)} calibrated, ${uncalibrated.ece.toFixed(4)} before Platt scaling`);
  log(
    `top 10% by risk: ${(100 * report.precisionAtDecile).toFixed(1)}% churn (lift ${report.liftAtDecile.toFixed(2)}×), ${(100 * report.recallAtDecile).toFixed(1)}% of all churners`,
  );

  // 4. Reliability table: in each band of predicted risk, how many actually churned.
  log('\npredicted   rows   mean p   observed');
  const c = report.calibration;
  for (let b = 0; b < c.count.length; b++) {
    if (c.count[b] === 0) continue;
    log(
      `${c.edges[b]!.toFixed(1)}–${c.edges[b + 1]!.toFixed(1)}   ${String(c.count[b]).padStart(5)}   ${c.meanPredicted[b]!.toFixed(3)}    ${c.fractionPositive[b]!.toFixed(3)}`,
    );
  }
  return { source, trainRows: train.length, testRows: test.length, features: Xtrain.names, report, uncalibrated };
}

const isMain =
  typeof process !== 'undefined' &&
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  await at.ready({ backend: 'cpu' });
  await main({ path: process.argv[2] });
}
