/**
 * SST-2 for benchmarks/sentiment.ts: reading the TSVs, a validation split that is free of
 * training phrases, and the baseline (logistic regression on word 1- and 2-grams).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/random.js';

const DIR = fileURLToPath(new URL('../../shared/datasets/sst2/', import.meta.url));

export interface Split {
  texts: string[];
  labels: number[];
}

export function readTsv(name: string): Split {
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

/**
 * Training rows and a validation set of `n` whole sentences that no training row leaks.
 *
 * GLUE's SST-2 train holds every sentence of the treebank's train split and the labelled phrases
 * inside them. dev.tsv was cut from it row by row, so the phrases of a dev sentence sit in
 * train.tsv with their labels: a word-pair model scores 92% on dev.tsv and 81% on test.tsv, and
 * an epoch picked on dev.tsv is the one that memorised most. Here train.tsv and dev.tsv are pooled
 * (67,349 rows); the validation set is `n` seeded rows of at least 10 words that no other row
 * contains (whole sentences, like test.tsv's), and every row inside one of them leaves training.
 */
export function sentenceSplit(pool: Split, n: number, seed: number): { train: Split; validation: Split } {
  const padded = pool.texts.map((t) => ` ${t} `);
  const longest = pool.texts.map((_, i) => i).sort((a, b) => padded[b]!.length - padded[a]!.length);
  const candidates = new Rng(seed, 'sst2 validation sentences', 'data').shuffle(
    pool.texts.map((_, i) => i).filter((i) => pool.texts[i]!.split(' ').length >= 10),
  );
  const chosen: number[] = [];
  for (const c of candidates) {
    if (chosen.length === n) break;
    const len = padded[c]!.length;
    let inside = false;
    for (const r of longest) {
      if (padded[r]!.length <= len) break;
      if (padded[r]!.includes(padded[c]!)) {
        inside = true;
        break;
      }
    }
    if (!inside) chosen.push(c);
  }
  const held = chosen.map((c) => padded[c]!);
  const train: Split = { texts: [], labels: [] };
  pool.texts.forEach((t, i) => {
    if (held.some((h) => h.includes(padded[i]!))) return;
    train.texts.push(t);
    train.labels.push(pool.labels[i]!);
  });
  return {
    train,
    validation: { texts: chosen.map((c) => pool.texts[c]!), labels: chosen.map((c) => pool.labels[c]!) },
  };
}

function ngrams(text: string): string[] {
  const w = text.split(/\s+/).filter(Boolean);
  const out = new Set<string>(w);
  for (let i = 0; i + 1 < w.length; i++) out.add(`${w[i]} ${w[i + 1]}`);
  return [...out];
}

/** The baseline: logistic regression on binary word 1- and 2-gram features, SGD with L2. */
export class NgramLogReg {
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
