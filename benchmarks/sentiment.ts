/**
 * Sentiment on SST-2 (`../shared/datasets/sst2`, see its SOURCES.md): train on train.tsv
 * (GLUE SST-2 train phrases and sentences, minus the dev.tsv hold-out), pick the epoch by
 * accuracy on dev.tsv, report accuracy on test.tsv (the 872-sentence GLUE dev set every
 * published SST-2 figure uses). No pretrained embeddings.
 *
 * In the same run, the baseline: logistic regression on binary word 1- and 2-gram features
 * (written here: SGD with L2, the penalty picked on dev.tsv).
 *
 * Flags: --train=N (first N training rows after a seeded shuffle; 0 = all), --epochs=N,
 * --dim=N, --hidden=N, --encoder=bilstm|transformer, --batch=N, --lr=X, --minutes=N (training stops
 * after the epoch in which N minutes have passed; default 45). The dev accuracy picks the epoch.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/sentiment.ts
 *
 * Writes bench-results/sentiment.{json,md}.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import { Rng } from '../src/core/random.js';
import { TextClassifier } from '../src/models/index.js';
import { environment, markdownTable, writeResults } from './harness.js';

const DIR = fileURLToPath(new URL('../../shared/datasets/sst2/', import.meta.url));

interface Split {
  texts: string[];
  labels: number[];
}

function readTsv(name: string): Split {
  const lines = readFileSync(`${DIR}${name}`, 'utf8').split('\n').slice(1);
  const out: Split = { texts: [], labels: [] };
  for (const line of lines) {
    if (!line.trim()) continue;
    const tab = line.lastIndexOf('\t');
    out.texts.push(line.slice(0, tab).trim());
    out.labels.push(Number(line.slice(tab + 1)));
  }
  return out;
}

function flag(argv: string[], name: string, def: string): string {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
}

// ---- the baseline: logistic regression on word 1- and 2-grams ----

function ngrams(text: string): string[] {
  const w = text.split(/\s+/).filter(Boolean);
  const out = new Set<string>(w);
  for (let i = 0; i + 1 < w.length; i++) out.add(`${w[i]} ${w[i + 1]}`);
  return [...out];
}

class NgramLogReg {
  private readonly index = new Map<string, number>();
  private weights = new Float64Array(0);
  private bias = 0;

  constructor(train: Split) {
    for (const t of train.texts) for (const g of ngrams(t)) if (!this.index.has(g)) this.index.set(g, this.index.size);
  }

  private features(text: string): number[] {
    return ngrams(text)
      .map((g) => this.index.get(g))
      .filter((i): i is number => i !== undefined);
  }

  /** SGD on the logistic loss with L2 penalty `l2`, a decaying step; `epochs` passes. */
  fit(train: Split, l2: number, epochs: number, seed: number): void {
    this.weights = new Float64Array(this.index.size);
    this.bias = 0;
    const feats = train.texts.map((t) => this.features(t));
    const rng = new Rng(seed, 'sentiment baseline', 'shuffle');
    let step = 0;
    for (let e = 0; e < epochs; e++) {
      for (const i of rng.shuffle(feats.map((_, k) => k))) {
        const lr = 0.5 / (1 + 1e-5 * step++);
        const f = feats[i]!;
        let z = this.bias;
        for (const k of f) z += this.weights[k]!;
        const g = 1 / (1 + Math.exp(-z)) - train.labels[i]!;
        this.bias -= lr * g;
        // Lazy L2: shrink only the weights this example touches (a common sparse approximation).
        for (const k of f) this.weights[k]! -= lr * (g + l2 * this.weights[k]!);
      }
    }
  }

  accuracy(split: Split): number {
    let ok = 0;
    split.texts.forEach((t, i) => {
      let z = this.bias;
      for (const k of this.features(t)) z += this.weights[k]!;
      if (z > 0 === (split.labels[i] === 1)) ok++;
    });
    return ok / split.texts.length;
  }
}

async function accuracyOf(m: TextClassifier, split: Split): Promise<number> {
  const pred = await m.classify(split.texts);
  return pred.filter((p, i) => p === String(split.labels[i])).length / pred.length;
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<string> {
  await at.ready({ backend: 'cpu' });
  const trainWanted = Number(flag(argv, 'train', '0'));
  const epochs = Number(flag(argv, 'epochs', '8'));
  const dim = Number(flag(argv, 'dim', '64'));
  const hidden = Number(flag(argv, 'hidden', '64'));
  const batchSize = Number(flag(argv, 'batch', '128'));
  const lr = Number(flag(argv, 'lr', '4e-3'));
  const maxSeconds = Number(flag(argv, 'minutes', '45')) * 60;
  const encoder = flag(argv, 'encoder', 'bilstm') as 'bilstm' | 'transformer';
  let train = readTsv('train.tsv');
  const dev = readTsv('dev.tsv');
  const test = readTsv('test.tsv');
  if (trainWanted > 0 && trainWanted < train.texts.length) {
    const order = new Rng(7, 'sentiment subset', 'data').shuffle(train.texts.map((_, i) => i)).slice(0, trainWanted);
    train = { texts: order.map((i) => train.texts[i]!), labels: order.map((i) => train.labels[i]!) };
  }
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];

  // Baseline: the L2 penalty with the best dev accuracy.
  let t0 = Date.now();
  const base = new NgramLogReg(train);
  let bestBase = { l2: 0, dev: -1 };
  for (const l2 of [1e-5, 1e-4, 1e-3]) {
    base.fit(train, l2, 5, 0);
    const d = base.accuracy(dev);
    if (d > bestBase.dev) bestBase = { l2, dev: d };
  }
  base.fit(train, bestBase.l2, 5, 0);
  const baseS = (Date.now() - t0) / 1000;
  const baseTest = base.accuracy(test);
  rows.push([
    `word 1+2-gram logistic regression (L2 ${bestBase.l2})`,
    bestBase.dev.toFixed(4),
    baseTest.toFixed(4),
    baseS.toFixed(1),
    '-',
  ]);
  json.push({ model: 'ngram-logreg', l2: bestBase.l2, dev: bestBase.dev, test: baseTest, trainS: baseS });
  console.log(`baseline: dev ${bestBase.dev.toFixed(4)} test ${baseTest.toFixed(4)} (${baseS.toFixed(1)} s)`);

  // TextClassifier: fit scores dev accuracy after every epoch and restores the best epoch's weights.
  const m = TextClassifier.fromTexts(train.texts, train.labels, { encoder, dim, hidden, maxLen: 64, seed: 0 });
  const curve: { epoch: number; loss: number; dev: number; s: number }[] = [];
  t0 = Date.now();
  await m.fit(train.texts, train.labels, {
    epochs,
    batchSize,
    lr,
    maxSeconds,
    validation: () => accuracyOf(m, dev),
    onEpoch: (e) => {
      curve.push({ epoch: e.epoch, loss: e.loss, dev: e.validation!, s: e.elapsedMs / 1000 });
      console.log(
        `epoch ${e.epoch}: loss ${e.loss.toFixed(4)} dev ${e.validation!.toFixed(4)} (${(e.ms / 1000).toFixed(1)} s)`,
      );
    },
  });
  const fitS = (Date.now() - t0) / 1000;
  const best = curve.reduce((a, c) => (c.dev > a.dev ? c : a));
  const testAcc = await accuracyOf(m, test);
  rows.push([
    `TextClassifier ${encoder} (dim ${dim}, hidden ${hidden}, epoch ${best.epoch} of ${curve.length})`,
    best.dev.toFixed(4),
    testAcc.toFixed(4),
    fitS.toFixed(1),
    String(m.numParameters()),
  ]);
  json.push({ model: `TextClassifier ${encoder}`, dim, hidden, epochs, best, test: testAcc, trainS: fitS, curve });
  const example = await m.explain('a gorgeous , witty , seductive movie .');
  m.dispose();

  const md = [
    '# Sentiment: SST-2 (binary)',
    '',
    `Train ${train.texts.length} phrases and sentences${trainWanted > 0 ? ' (seeded subset)' : ''}, dev ${dev.texts.length} (epoch / penalty choice), test ${test.texts.length} (the GLUE SST-2 dev set). cpu backend, no pretrained embeddings; Adam lr ${lr}, batch ${batchSize}.`,
    '',
    markdownTable(['model', 'dev accuracy', 'test accuracy', 'CPU training time (s)', 'parameters'], rows),
    '',
    `Learning curve (dev accuracy): ${curve.map((c) => `epoch ${c.epoch} ${c.dev.toFixed(4)} at ${c.s.toFixed(0)} s`).join('; ')}.`,
    '',
    `explain("a gorgeous , witty , seductive movie ."): ${example.label} (${example.probabilities.map((p) => p.toFixed(3)).join(' / ')}); ${example.tokens.map((t) => `${t.token} ${t.weight.toFixed(2)}`).join(', ')}`,
  ].join('\n');
  const out = writeResults(
    'sentiment',
    {
      environment: environment(),
      config: { trainWanted, maxSeconds, epochs, dim, hidden, batchSize, lr, encoder },
      results: json,
    },
    md,
  );
  console.log(`\n${md}\n\nwrote ${out.md}`);
  return md;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
