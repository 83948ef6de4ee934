/**
 * Sentiment on SST-2 (`../shared/datasets/sst2`, see its SOURCES.md): train on the GLUE SST-2
 * train rows (train.tsv and dev.tsv pooled) less a validation set of whole sentences that no
 * training row leaks (see sentenceSplit in sst2-data.ts), pick the epoch on that validation set,
 * report accuracy on test.tsv (the 872-sentence GLUE dev set every published SST-2 figure uses).
 * No pretrained embeddings.
 *
 * In the same run, the baseline: logistic regression on binary word 1- and 2-gram features
 * (written in sst2-data.ts: SGD with L2, the penalty picked on the validation set), on the same
 * training rows.
 *
 * Flags (defaults: the best configuration found, see docs/guides/sequences-and-text.md):
 * --epochs=N, --patience=N, --dim=N, --hidden=N, --encoder=bilstm|transformer, --batch=N, --lr=X,
 * --pooling=attention|attention+max, --ngrams=N (hash buckets of the n-gram bag, 0 = none),
 * --dropout=X, --word-dropout=X, --smoothing=X (label smoothing), --seed=N, --val=N (validation
 * sentences), --cpu-minutes=N (training stops after the epoch in which the process has used N
 * CPU minutes). `--probs=FILE` writes the validation and test probabilities (for ensembling checks).
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/sentiment.ts
 *
 * Writes bench-results/sentiment.{json,md}.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import { TextClassifier } from '../src/models/index.js';
import { environment, markdownTable, writeResults } from './harness.js';
import { NgramLogReg, type Split, readTsv, sentenceSplit } from './sst2-data.js';

function flag(argv: string[], name: string, def: string): string {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
}

/** Process CPU seconds (user + system, all threads) since `from`. */
function cpuSeconds(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
}

async function probabilities(m: TextClassifier, split: Split): Promise<number[]> {
  return (await m.predict(split.texts)).map((p) => p[m.classes.indexOf('1')]!);
}

function accuracy(p1: readonly number[], split: Split): number {
  return p1.filter((p, i) => p > 0.5 === (split.labels[i] === 1)).length / p1.length;
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<string> {
  await at.ready({ backend: 'cpu' });
  const epochs = Number(flag(argv, 'epochs', '4'));
  const patience = Number(flag(argv, 'patience', '2'));
  const dim = Number(flag(argv, 'dim', '64'));
  const hidden = Number(flag(argv, 'hidden', '64'));
  const batchSize = Number(flag(argv, 'batch', '128'));
  const lr = Number(flag(argv, 'lr', '4e-3'));
  const encoder = flag(argv, 'encoder', 'bilstm') as 'bilstm' | 'transformer';
  const pooling = flag(argv, 'pooling', 'attention+max') as 'attention' | 'attention+max';
  const ngramBuckets = Number(flag(argv, 'ngrams', '262144'));
  const dropout = Number(flag(argv, 'dropout', '0.3'));
  const wordDropout = Number(flag(argv, 'word-dropout', '0.05'));
  const labelSmoothing = Number(flag(argv, 'smoothing', '0'));
  const seed = Number(flag(argv, 'seed', '0'));
  const valSize = Number(flag(argv, 'val', '600'));
  const cpuBudget = Number(flag(argv, 'cpu-minutes', '20')) * 60;
  const probsFile = flag(argv, 'probs', '');
  const load = os.loadavg()[0]!;

  const pool = readTsv('train.tsv');
  const extra = readTsv('dev.tsv');
  pool.texts.push(...extra.texts);
  pool.labels.push(...extra.labels);
  const { train, validation } = sentenceSplit(pool, valSize, 1);
  const test = readTsv('test.tsv');
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];

  // Baseline: the L2 penalty with the best validation accuracy.
  let cpu0 = process.cpuUsage();
  let t0 = Date.now();
  const base = new NgramLogReg(train);
  let bestBase = { l2: 0, val: -1 };
  for (const l2 of [1e-5, 1e-4, 1e-3]) {
    base.fit(train, l2, 5, 0);
    const v = base.accuracy(validation);
    if (v > bestBase.val) bestBase = { l2, val: v };
  }
  base.fit(train, bestBase.l2, 5, 0);
  const baseCpu = cpuSeconds(cpu0);
  const baseWall = (Date.now() - t0) / 1000;
  const baseTest = base.accuracy(test);
  const name = `word 1+2-gram logistic regression (L2 ${bestBase.l2})`;
  rows.push([name, bestBase.val.toFixed(4), baseTest.toFixed(4), baseCpu.toFixed(1), baseWall.toFixed(1), '-']);
  json.push({ model: 'ngram-logreg', l2: bestBase.l2, validation: bestBase.val, test: baseTest, baseCpu, baseWall });
  console.log(
    `baseline: validation ${bestBase.val.toFixed(4)} test ${baseTest.toFixed(4)} (${baseCpu.toFixed(1)} CPU s)`,
  );

  // TextClassifier: fit scores validation accuracy after every epoch and restores the best epoch's weights.
  const config = { encoder, dim, hidden, dropout, wordDropout, pooling, ngramBuckets, maxLen: 64, seed };
  const m = TextClassifier.fromTexts(train.texts, train.labels, config);
  const curve: { epoch: number; loss: number; validation: number; cpuS: number; wallS: number }[] = [];
  cpu0 = process.cpuUsage();
  t0 = Date.now();
  await m.fit(train.texts, train.labels, {
    epochs,
    batchSize,
    lr,
    labelSmoothing,
    patience,
    validation: async () => accuracy(await probabilities(m, validation), validation),
    onEpoch: (e) => {
      curve.push({
        epoch: e.epoch,
        loss: e.loss,
        validation: e.validation!,
        cpuS: cpuSeconds(cpu0),
        wallS: e.elapsedMs / 1000,
      });
      console.log(
        `epoch ${e.epoch}: loss ${e.loss.toFixed(4)} validation ${e.validation!.toFixed(4)} (${cpuSeconds(cpu0).toFixed(0)} CPU s)`,
      );
    },
    stopWhen: () => cpuSeconds(cpu0) >= cpuBudget,
  });
  const fitCpu = cpuSeconds(cpu0);
  const fitWall = (Date.now() - t0) / 1000;
  const best = curve.reduce((a, c) => (c.validation > a.validation ? c : a));
  const testP = await probabilities(m, test);
  const testAcc = accuracy(testP, test);
  if (probsFile) {
    const valP = await probabilities(m, validation);
    writeFileSync(probsFile, JSON.stringify({ config, validation: valP, test: testP }));
  }
  const what = `${encoder}, dim ${dim}, hidden ${hidden}, pooling ${pooling}, n-gram buckets ${ngramBuckets}`;
  rows.push([
    `TextClassifier (${what}; epoch ${best.epoch} of ${curve.length})`,
    best.validation.toFixed(4),
    testAcc.toFixed(4),
    fitCpu.toFixed(0),
    fitWall.toFixed(0),
    String(m.numParameters()),
  ]);
  json.push({ model: 'TextClassifier', config, best, test: testAcc, fitCpu, fitWall, curve });
  const example = await m.explain('a gorgeous , witty , seductive movie .');
  m.dispose();

  const md = [
    '# Sentiment: SST-2 (binary)',
    '',
    `Train ${train.texts.length} phrases and sentences (GLUE SST-2 train less the validation sentences and every phrase inside them), validation ${validation.texts.length} whole sentences (epoch / penalty choice), test ${test.texts.length} (the GLUE SST-2 dev set). cpu backend, no pretrained embeddings; Adam lr ${lr}, batch ${batchSize}, dropout ${dropout}, word dropout ${wordDropout}, label smoothing ${labelSmoothing}, seed ${seed}. Load average at start ${load.toFixed(2)} on ${os.cpus().length} cores.`,
    '',
    markdownTable(
      ['model', 'validation accuracy', 'test accuracy', 'training CPU s', 'training wall s', 'parameters'],
      rows,
    ),
    '',
    `Learning curve (validation accuracy): ${curve.map((c) => `epoch ${c.epoch} ${c.validation.toFixed(4)} at ${c.cpuS.toFixed(0)} CPU s`).join('; ')}.`,
    '',
    `explain("a gorgeous , witty , seductive movie ."): ${example.label} (${example.probabilities.map((p) => p.toFixed(3)).join(' / ')}); ${example.tokens.map((t) => `${t.token} ${t.weight.toFixed(2)}`).join(', ')}`,
  ].join('\n');
  const out = writeResults('sentiment', { environment: environment(), load, results: json }, md);
  console.log(`\n${md}\n\nwrote ${out.md}`);
  return md;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
