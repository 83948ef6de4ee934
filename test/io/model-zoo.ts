import { readFileSync } from 'node:fs';
import type * as At from '../../src/index.js';

/**
 * One small fitted model of every type at.save handles, and a fingerprint of each model's
 * predictions (exact numbers, so "identical" means bit-identical). Shared by the round-trip
 * test, the fresh-process child and the config fuzzer. `at` is passed in so the child can use
 * its own fresh import.
 */
export type AtModule = typeof At;

export const MODEL_TYPES = [
  'MatrixFactorization',
  'BaselineOnly',
  'SVDpp',
  'BPR',
  'ImplicitALS',
  'ALS',
  'HybridRecommender',
  'ImportedFactors',
  'ItemKNN',
  'Popularity',
  'ChurnClassifier',
  'KMeans',
  'MiniBatchKMeans',
  'BetaGeo',
  'GammaGamma',
  'NextItemModel',
  'Seq2Seq',
  'TextClassifier',
] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/** Deterministic rows: 24 users, 30 items, ratings with structure. */
function interactions(at: AtModule): At.data.Interactions {
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < 24; u++)
    for (let k = 0; k < 7; k++) {
      const i = (u * 5 + k * 4) % 30;
      users.push(u);
      items.push(i);
      values.push(1 + ((u + 2 * i) % 5));
    }
  return at.data.Interactions.fromArrays({ users, items, values }, { duplicates: 'last' });
}

/** Churn rows as a raw table (numeric and categorical), and the labels. */
export function churnTable(): { table: Record<string, (number | string)[]>; y: number[] } {
  const tenure: number[] = [];
  const spend: number[] = [];
  const plan: string[] = [];
  const y: number[] = [];
  for (let i = 0; i < 160; i++) {
    tenure.push((i * 7) % 40);
    spend.push(((i * 13) % 50) + 0.5);
    plan.push(['basic', 'pro', 'team'][i % 3]!);
    y.push((i * 7) % 40 < 12 || i % 5 === 0 ? 1 : 0);
  }
  return { table: { tenure, spend, plan }, y };
}

export function kmeansRows(): number[][] {
  return Array.from({ length: 45 }, (_, i) => [(i % 3) * 5 + ((i * 7) % 10) / 10, Math.floor(i / 15) + (i % 4) / 8]);
}

/**
 * Purchase histories of 300 customers (frequency, recency, T, mean order value): the SciPy
 * fixture of the LTV tests, on which BG/NBD and Gamma-Gamma converge to an interior optimum.
 */
export function ltvHistory(): { frequency: number[]; recency: number[]; T: number[]; monetary: number[] } {
  const ref = JSON.parse(readFileSync(new URL('../models/fixtures/ltv-reference.json', import.meta.url), 'utf8'));
  return ref.history;
}

const REVIEWS = ['great shoes love them', 'awful fit never again', 'love the colour', 'bad stitching awful'];

const SEQUENCES = [
  [1, 2, 3, 4, 5],
  [2, 3, 4, 5, 6],
  [3, 4, 5, 6, 7],
  [7, 6, 5, 4],
  [1, 3, 5, 7],
];

/** A small fitted model of `type`. */
export async function makeModel(at: AtModule, type: ModelType): Promise<unknown> {
  const m = at.models;
  switch (type) {
    case 'MatrixFactorization':
      return new m.MatrixFactorization({ factors: 4, epochs: 3, seed: 1 }).fit(interactions(at));
    case 'BaselineOnly':
      return new m.BaselineOnly({ epochs: 3 }).fit(interactions(at));
    case 'SVDpp':
      return new m.SVDpp({ factors: 4, epochs: 2, seed: 1 }).fit(interactions(at));
    case 'BPR':
      return new m.BPR({ factors: 4, epochs: 3, seed: 1 }).fit(interactions(at));
    case 'ImplicitALS':
      return new m.ImplicitALS({ factors: 4, epochs: 2, seed: 1 }).fit(interactions(at));
    case 'ALS':
      return new m.ALS({ factors: 4, epochs: 2, seed: 1 }).fit(interactions(at));
    case 'HybridRecommender': {
      // With both feature sides, so a loaded model must keep them to serve users from features.
      const F = at.data.FeatureMatrix;
      const userFeatures = F.fromColumns(
        Array.from({ length: 24 }, (_, u) => u),
        { age: Array.from({ length: 24 }, (_, u) => ['young', 'mid', 'old'][u % 3]!) },
      );
      const itemFeatures = F.fromColumns(
        Array.from({ length: 30 }, (_, i) => i),
        { genre: Array.from({ length: 30 }, (_, i) => [`g${i % 4}`, `g${(i * 7) % 5}`]) },
      );
      return new m.HybridRecommender({ factors: 4, epochs: 2, seed: 1 }).fit(interactions(at), {
        userFeatures,
        itemFeatures,
      });
    }
    case 'ImportedFactors': {
      // Factors as Spark ALS hands them over: ids with one vector each.
      const vectors = (n: number, shift: number) =>
        Array.from({ length: n }, (_, r) => Array.from({ length: 3 }, (_, c) => Math.sin(r * 1.3 + c * 0.7 + shift)));
      return at.importFactors({
        userFactors: { ids: Array.from({ length: 24 }, (_, u) => u), factors: vectors(24, 0) },
        itemFactors: { ids: Array.from({ length: 30 }, (_, i) => i), factors: vectors(30, 1) },
      });
    }
    case 'ItemKNN':
      return new m.ItemKNN({ neighbors: 5 }).fit(interactions(at));
    case 'Popularity':
      return new m.Popularity().fit(interactions(at));
    case 'ChurnClassifier': {
      const { table, y } = churnTable();
      const encoder = new at.data.TabularEncoder({ numeric: ['tenure', 'spend'], categorical: ['plan'] });
      const X = encoder.fitTransform(table);
      const clf = new m.ChurnClassifier({ hidden: [3], epochs: 3, seed: 2 });
      await clf.fit({ data: X.data, cols: X.cols }, y);
      clf.encoder = encoder;
      return clf;
    }
    case 'KMeans':
      return new m.KMeans({ k: 3, seed: 1, nInit: 1 }).fit(kmeansRows());
    case 'MiniBatchKMeans':
      return new m.MiniBatchKMeans({ k: 3, batchSize: 16, steps: 10, seed: 1 }).fit(kmeansRows());
    case 'BetaGeo':
      return new m.BetaGeo().fit(ltvHistory());
    case 'GammaGamma':
      return new m.GammaGamma().fit(ltvHistory());
    case 'NextItemModel': {
      const nm = new m.NextItemModel({
        arch: 'transformer',
        numItems: 8,
        dim: 8,
        layers: 1,
        heads: 2,
        maxLen: 6,
        seed: 3,
      });
      await nm.fit(SEQUENCES, { epochs: 1, batchSize: 4 });
      return nm;
    }
    case 'Seq2Seq': {
      const vocabulary = m.Vocabulary.build(['red shoes today', 'blue hats now', 'save 10% on bags']);
      return new m.Seq2Seq({ arch: 'lstm', vocabulary, dim: 8, layers: 1, maxLen: 8, dropout: 0, seed: 4 });
    }
    case 'TextClassifier': {
      const labels = ['pos', 'neg', 'pos', 'neg'];
      const clf = m.TextClassifier.fromTexts(REVIEWS, labels, { encoder: 'bilstm', dim: 8, hidden: 8, seed: 5 });
      await clf.fit(REVIEWS, labels, { epochs: 1, batchSize: 2 });
      return clf;
    }
  }
}

/** What the model predicts on fixed inputs, as plain numbers and strings. */
export async function fingerprint(at: AtModule, model: unknown): Promise<unknown> {
  const m = at.models;
  if (model instanceof m.Recommender) {
    const users = Array.from({ length: model.numUsers }, (_, u) => model.userIds.id(u));
    const items = Array.from({ length: model.numItems }, (_, i) => model.itemIds.id(i));
    const pu = users.flatMap((u) => items.map(() => u));
    const pi = users.flatMap(() => items);
    const top = await model.recommend(users[0]!, { k: 5 });
    // A new user from features alone: the hybrid's feature tables and names must survive a load.
    const fromFeatures =
      model instanceof m.HybridRecommender
        ? await model.recommendForFeatures({ 'age=old': 1, 'age=mid': 0.5 }, { k: 5 })
        : undefined;
    return { predict: Array.from(model.predict(pu, pi)), top, fromFeatures };
  }
  if (model instanceof m.ChurnClassifier) {
    // A file may hold no encoder (saved without one): encode as makeModel did.
    const encoder =
      model.encoder ??
      new at.data.TabularEncoder({ numeric: ['tenure', 'spend'], categorical: ['plan'] }).fit(churnTable().table);
    const X = encoder.transform(churnTable().table);
    const p = await model.predictProba({ data: X.data, cols: X.cols });
    return { proba: Array.from(p), cols: X.names };
  }
  if (model instanceof m.KMeans || model instanceof m.MiniBatchKMeans)
    return { labels: Array.from(await model.predict(kmeansRows())), centroids: model.centroids };
  if (model instanceof m.BetaGeo) {
    const h = ltvHistory();
    return {
      params: model.params,
      conditional: Array.from(model.conditionalExpectedPurchases(10, h)),
      alive: Array.from(model.probabilityAlive(h)),
      expected: model.expectedPurchases(5),
    };
  }
  if (model instanceof m.GammaGamma)
    return { params: model.params, value: Array.from(model.expectedAverageValue(ltvHistory())) };
  if (model instanceof m.TextClassifier) return { proba: await model.predict([...REVIEWS, 'unseen words here']) };
  if (model instanceof m.NextItemModel) return { next: await model.recommendNext([1, 2, 3], { k: 5 }) };
  if (model instanceof m.Seq2Seq) return { text: await model.generate(['red', 'shoes'], { maxLen: 6 }) };
  throw new Error(`fingerprint: no fingerprint for ${String(model)}`);
}
