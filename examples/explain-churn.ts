/**
 * Churn you can explain: which factors drive a churn model overall, and why one customer is at
 * risk. Trains the logistic ChurnClassifier (and a small MLP) on a customer table, then shows
 *   1. permutation importance: how much ROC-AUC drops when one column is shuffled, with intervals;
 *   2. the logistic model's coefficients, per original unit (per month of tenure, per dollar);
 *   3. three customers (highest, middle and lowest risk) explained in words, with the check that
 *      their contributions add up to the model's output (exact for the logistic model, integrated
 *      gradients within a stated tolerance for the MLP).
 *
 *   npm run build
 *   npx tsx --tsconfig tsconfig.build.json examples/explain-churn.ts [WA_Fn-UseC_-Telco-Customer-Churn.csv]
 *
 * With a path the example reads the IBM Telco churn CSV (Churn = Yes/No); without one it uses the
 * churn table of attune's seeded synthetic shop.
 */
import * as at from 'attune';

export interface ExplainChurnOptions {
  /** Telco-style CSV; the synthetic shop when absent. */
  path?: string;
  /** Customers in the synthetic shop (ignored with a path); default 4000. */
  customers?: number;
  epochs?: number;
  seed?: number;
  /** Also train an MLP and explain the same customers with integrated gradients; default true. */
  mlp?: boolean;
  log?: (line: string) => void;
}

export interface ExplainChurnResult {
  rocAuc: number;
  importance: at.metrics.FeatureImportance[];
  coefficients: at.models.ChurnCoefficients;
  /** The three customers, explained by the logistic model. */
  customers: at.models.ChurnExplanation[];
  /** The same customers explained by the MLP (integrated gradients), when trained. */
  mlpCustomers?: at.models.ChurnExplanation[];
  /** The largest |Σ contributions − (logit − baseline logit)| over the customers shown, per model. */
  gap: { logistic: number; mlp?: number };
}

const TELCO_NUMERIC = ['tenure', 'MonthlyCharges', 'TotalCharges', 'SeniorCitizen'];
const TELCO_CATEGORICAL = [
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

type Columns = Record<string, at.data.Cell[]>;

async function loadTable(path: string | undefined, customers: number, seed: number) {
  if (path) {
    const table = await at.data.readCsvTable(path);
    const columns: Columns = {};
    for (const name of [...TELCO_NUMERIC, ...TELCO_CATEGORICAL]) columns[name] = table.column(name);
    const labels = at.data.binaryTarget(table.column('Churn'), 'Yes', 'No');
    return { columns, numeric: TELCO_NUMERIC, categorical: TELCO_CATEGORICAL, labels };
  }
  const shop = at.data.syntheticShop({ customers, seed });
  // The latent `segment` column is left out: a real shop would not know it.
  const { segment: _hidden, ...columns } = shop.churn.columns;
  const numeric = ['tenure', 'recency', 'frequency', 'monetary', 'sessions', 'views', 'carts'];
  return { columns: columns as Columns, numeric, categorical: ['plan'], labels: shop.churn.label };
}

/** Row indices split 80/20 within each class, so train and test keep the churn rate. */
function stratifiedSplit(labels: Uint8Array, seed: number): { train: number[]; test: number[] } {
  const rng = new at.data.Rng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const rows = rng.shuffle([...labels.keys()].filter((i) => labels[i] === cls));
    rows.forEach((r, j) => (j % 5 === 0 ? test : train).push(r));
  }
  return { train, test };
}

export async function main(options: ExplainChurnOptions = {}): Promise<ExplainChurnResult> {
  const { customers = 4000, epochs = 60, seed = 1, mlp = true, log = console.log } = options;
  const { columns, numeric, categorical, labels } = await loadTable(options.path, customers, seed);
  const { train, test } = stratifiedSplit(labels, seed);
  const rowsOf = (rows: number[]): Columns =>
    Object.fromEntries(Object.entries(columns).map(([name, col]) => [name, rows.map((r) => col[r])]));
  const labelsOf = (rows: number[]) => Uint8Array.from(rows, (r) => labels[r]!);

  // Numbers z-scored, categories one-hot, statistics from the training rows only. Setting
  // clf.encoder lets the model explain raw rows and speak in original units and categories.
  const encoder = new at.data.TabularEncoder({ numeric, categorical, missing: 'median' });
  const Xtrain = encoder.fitTransform(rowsOf(train));
  const Xtest = encoder.transform(rowsOf(test));
  const clf = await new at.models.ChurnClassifier({ epochs, lr: 0.02, seed }).fit(Xtrain, labelsOf(train));
  clf.encoder = encoder;
  const p = await clf.predictProba(Xtest);
  const rocAuc = at.metrics.rocAuc(labelsOf(test), p);
  log(`${train.length} training and ${test.length} test customers; test ROC-AUC ${rocAuc.toFixed(3)}`);

  // 1. Permutation importance: a one-hot block (all of Contract) is shuffled as one feature.
  const source = Xtest.names.map((n) => n.split('=')[0]!);
  const features = [...new Set(source)].map((name) => ({
    name,
    columns: source.flatMap((s, c) => (s === name ? [c] : [])),
  }));
  const imp = await at.metrics.permutationImportance(
    (m) => clf.predictProba(m),
    Xtest,
    labelsOf(test),
    at.metrics.rocAuc,
    { features, repeats: 5, seed },
  );
  log('\nWhat the model relies on (ROC-AUC drop when the column is shuffled, 95% interval):');
  for (const f of imp.features.slice(0, 6))
    log(`  ${f.name.padEnd(18)} ${f.importance.toFixed(4)}  [${f.lo.toFixed(4)}, ${f.hi.toFixed(4)}]`);

  // 2. Coefficients per original unit: odds multiplier per month, per dollar, per category.
  const coefficients = await clf.coefficients();
  log('\nLargest logistic coefficients (on the z-score; then per original unit, and the odds multiplier per unit):');
  const byWeight = [...coefficients.features].sort((a, b) => Math.abs(b.coefficient) - Math.abs(a.coefficient));
  for (const c of byWeight.slice(0, 6))
    log(
      `  ${c.name.padEnd(34)} ${c.coefficient.toFixed(3).padStart(7)}   ${c.perUnit.toPrecision(3).padStart(9)} per unit   odds ×${c.oddsRatio.toPrecision(4)}`,
    );

  // 3. Three customers: the highest risk, the middle and the lowest of the test rows.
  const order = [...p.keys()].sort((a, b) => p[b]! - p[a]!);
  const picked = [order[0]!, order[order.length >> 1]!, order[order.length - 1]!];
  const raw = rowsOf(picked.map((i) => test[i]!));
  const shown = await clf.explain(raw, { top: 3 });
  const gapOf = (xs: at.models.ChurnExplanation[]) => Math.max(...xs.map((e) => Math.abs(e.gap)));
  log('\nThree customers, logistic model (contributions exact):');
  for (const e of shown) {
    log(`  ${e.summary}`);
    const sum = e.contributions.reduce((s, r) => s + r.contribution, 0);
    log(`    check: contributions sum to ${sum.toFixed(4)}; logit − average ${(e.logit - e.baselineLogit).toFixed(4)}`);
  }
  const result: ExplainChurnResult = {
    rocAuc,
    importance: imp.features,
    coefficients,
    customers: shown,
    gap: { logistic: gapOf(shown) },
  };
  clf.dispose();

  if (mlp) {
    const net = await new at.models.ChurnClassifier({
      hidden: [16],
      epochs: Math.ceil(epochs / 2),
      lr: 0.01,
      seed,
    }).fit(Xtrain, labelsOf(train));
    net.encoder = encoder;
    const tolerance = 0.01;
    const mlpShown = await net.explain(raw, { top: 3, tolerance });
    log(`\nThe same customers, MLP [16] (integrated gradients, sums within ${tolerance} of the logit):`);
    for (const e of mlpShown) log(`  ${e.summary}\n    check: gap ${e.gap.toExponential(2)}`);
    result.mlpCustomers = mlpShown;
    result.gap.mlp = gapOf(mlpShown);
    net.dispose();
  }
  return result;
}

const isMain =
  typeof process !== 'undefined' &&
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  await at.ready({ backend: 'cpu' });
  await main({ path: process.argv[2] });
}
