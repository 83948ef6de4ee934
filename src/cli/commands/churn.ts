import { TabularEncoder } from '../../data/encoder.js';
import { parseNumber } from '../../data/csv.js';
import type { CsvTable } from '../../data/table.js';
import { ChurnClassifier } from '../../models/churn.js';
import { COMMON_HELP, COMMON_OPTIONS, UsageError, intOption, numberOption, parseCommand, required } from '../args.js';
import { InputError, column, readTable, withFile, writeRows } from '../files.js';
import { Rng } from '../../core/random.js';
import { stratifiedSplit } from '../../data/split.js';
import { type CommandIO, commonSettings, standardIO, writeExtras } from './common.js';

export const CHURN_HELP = `attune churn — the probability that each customer leaves, from a table of customers

usage: attune churn --data FILE --target COL [options]

  --data FILE          one row per customer: features and whether they churned
  --target COL         the churn column (Yes/No, 1/0 or true/false)
  --positive VALUE     the target value that means "churned" when it is not Yes, 1 or true
  --id COL             a customer id column, copied to the output and not used as a feature
  --drop COLS          comma-separated columns not to use
  --hidden N           hidden units of the network; default 16 (0: logistic regression)
  --epochs N           default 60
  --test-fraction X    customers held out to measure the model; default 0.2
  --out FILE           default churn.csv: id (or line), probability, churned, split
${COMMON_HELP}
Numeric columns are those whose every non-blank cell is a number (blanks get the median and a
missing flag); other columns are categories, one-hot encoded. A text column with more than
100 distinct values looks like an id and is left out (named on the output).

example:
  attune churn --data WA_Fn-UseC_-Telco-Customer-Churn.csv --target Churn --id customerID --report churn.html
`;

/** `attune churn`: encodes a customer table, fits a calibrated classifier, scores every customer. */
export async function churnCommand(argv: readonly string[], ioOverride?: CommandIO): Promise<Record<string, unknown>> {
  const cmd = 'churn';
  const v = parseCommand(cmd, argv, {
    ...COMMON_OPTIONS,
    data: { type: 'string' },
    target: { type: 'string' },
    positive: { type: 'string' },
    id: { type: 'string' },
    drop: { type: 'string' },
    hidden: { type: 'string' },
    epochs: { type: 'string' },
    'test-fraction': { type: 'string' },
  });
  const file = required(cmd, 'data', v.data);
  const target = required(cmd, 'target', v.target);
  const hidden = intOption(cmd, 'hidden', v.hidden, 16, 0, 4096);
  const epochs = intOption(cmd, 'epochs', v.epochs, 60, 1, 100_000);
  const testFraction = numberOption(cmd, 'test-fraction', v['test-fraction'], 0.2, 0.05, 0.5);
  const s = await commonSettings(cmd, v);
  const io = ioOverride ?? standardIO(s);
  const out = s.out ?? 'churn.csv';
  const t0 = performance.now();

  const table = await readTable(file, s.delimiter, s.header);
  const tc = column(table, file, target, 'target');
  const idc = v.id === undefined ? -1 : column(table, file, v.id, 'id');
  const dropped = new Set((v.drop ?? '').split(',').filter((c) => c !== ''));
  for (const d of dropped) column(table, file, d, 'drop');
  const y = labels(table, file, tc, v.positive);
  const { numeric, categorical, skipped } = featureColumns(table, new Set([tc, idc]), dropped);
  if (numeric.length + categorical.length === 0)
    throw new UsageError(`${file}: no feature columns are left besides the target`);
  const split = stratifiedSplit(y, testFraction, new Rng(s.seed, 'attune churn --seed'));
  const pick = (rows: number[]): Record<string, string[]> =>
    Object.fromEntries([...numeric, ...categorical].map((c) => [c, rows.map((r) => table.column(c)[r]!)]));
  const enc = new TabularEncoder({ numeric, categorical, missing: 'median' });
  const Xtrain = await withFile(file, () => enc.fitTransform(pick(split.train)));
  const all = Array.from({ length: table.rowCount }, (_, r) => r);
  const Xall = await withFile(file, () => enc.transform(pick(all)));
  const Xtest = enc.transform(pick(split.test));
  const yTrain = Uint8Array.from(split.train, (r) => y[r]!);
  const yTest = Uint8Array.from(split.test, (r) => y[r]!);
  io.log(
    `${file}: ${table.rowCount.toLocaleString('en-US')} customers, ${(100 * (y.reduce((a, b) => a + b, 0) / y.length)).toFixed(1)}% churned; ${numeric.length} numeric and ${categorical.length} categorical columns → ${Xtrain.cols} features${skipped.length ? `; left out ${skipped.join(', ')}` : ''}`,
  );

  const clf = new ChurnClassifier({
    hidden: hidden > 0 ? [hidden] : [],
    epochs,
    lr: 0.01,
    calibration: 'platt',
    seed: s.seed,
    backend: s.backend,
  });
  const bar = io.progress('fitting churn model');
  await clf.fit(Xtrain, yTrain, {
    onEpoch: (e) => bar.update(e.epoch / epochs, `epoch ${e.epoch}/${epochs} loss ${e.loss.toFixed(4)}`),
  });
  bar.done(`loss ${clf.history[clf.history.length - 1]?.loss.toFixed(4) ?? ''}`);
  const metrics = await clf.evaluate(Xtest, yTest);
  const p = await clf.predictProba(Xall);
  const testSet = new Set(split.test);
  const idCol = idc >= 0 ? table.columns[idc]! : null;
  const rows = all.map((r) => [idCol ? idCol[r]! : table.lines[r]!, p[r]!, y[r]!, testSet.has(r) ? 'test' : 'train']);
  await writeRows(out, [idCol ? table.header[idc]! : 'line', 'probability', 'churned', 'split'], rows);
  io.log(`${out}: churn probability of ${rows.length.toLocaleString('en-US')} customers`);
  io.log(
    `  held-out ${split.test.length} customers: ROC-AUC ${metrics.rocAuc.toFixed(3)}, PR-AUC ${metrics.prAuc.toFixed(3)} (base rate ${metrics.baseRate.toFixed(3)}), lift in the riskiest 10% ${metrics.liftAtDecile.toFixed(2)}×, ECE ${metrics.ece.toFixed(3)}`,
  );
  const testP = Float64Array.from(split.test, (r) => p[r]!);
  const written = await writeExtras(
    s,
    {
      title: `Churn model on ${file}`,
      summary: [
        `${table.rowCount} customers; ${Xtrain.cols} features; measured on ${split.test.length} held-out customers.`,
      ],
      churn: { labels: yTest, probabilities: testP },
      training: [
        { model: hidden > 0 ? `churn MLP (${hidden} units)` : 'churn logistic regression', epochs: clf.history },
      ],
    },
    clf,
    io,
  );
  clf.dispose();
  return {
    command: cmd,
    backend: s.backend,
    customers: table.rowCount,
    features: Xtrain.names,
    skipped,
    test: {
      rows: split.test.length,
      rocAuc: metrics.rocAuc,
      prAuc: metrics.prAuc,
      baseRate: metrics.baseRate,
      liftAtDecile: metrics.liftAtDecile,
      ece: metrics.ece,
    },
    out,
    seconds: (performance.now() - t0) / 1000,
    ...written,
  };
}

/** The target column as 0/1: Yes/No, 1/0, true/false, or `positive` against anything else. */
function labels(table: CsvTable, file: string, c: number, positive: string | undefined): Uint8Array {
  const cells = table.columns[c]!.map((x) => x.trim());
  const distinct = [...new Set(cells)];
  const pos =
    positive ?? ['Yes', 'yes', 'YES', '1', 'true', 'True', 'TRUE', 'churned'].find((x) => distinct.includes(x));
  if (pos === undefined || !distinct.includes(pos))
    throw new UsageError(
      `${file}, column "${table.header[c]}": ${positive === undefined ? 'no Yes, 1 or true value' : `no row has ${JSON.stringify(positive)}`}; its values are ${distinct.slice(0, 6).join(', ')}; say which means churned with --positive`,
    );
  const empty = cells.indexOf('');
  if (empty >= 0)
    throw new InputError(`${file}, line ${table.lines[empty]}, column "${table.header[c]}": the target is empty`);
  if (distinct.length > 2)
    throw new InputError(
      `${file}, column "${table.header[c]}": the target has ${distinct.length} values (${distinct.slice(0, 6).join(', ')}); it must have two`,
    );
  return Uint8Array.from(cells, (x) => (x === pos ? 1 : 0));
}

/** Splits the other columns into numeric and categorical; text columns with > 100 values look like ids. */
function featureColumns(table: CsvTable, exclude: Set<number>, dropped: Set<string>) {
  const numeric: string[] = [];
  const categorical: string[] = [];
  const skipped: string[] = [];
  table.header.forEach((name, c) => {
    if (exclude.has(c) || dropped.has(name)) return;
    const cells = table.columns[c]!;
    if (cells.every((x) => x.trim() === '' || !Number.isNaN(parseNumber(x)))) numeric.push(name);
    else if (new Set(cells).size > 100) skipped.push(name);
    else categorical.push(name);
  });
  return { numeric, categorical, skipped };
}
