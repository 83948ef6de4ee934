import { beforeAll, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { maxAbsDiff, runOrt } from './ort.js';

const { MatrixFactorization, BaselineOnly, SVDpp, BPR, ImplicitALS, KMeans, ChurnClassifier } = at.models;

/** Random interactions with user/item structure, small enough for a fit in milliseconds. */
function interactions(seed: number, users = 30, items = 25, rows = 400): at.data.Interactions {
  const rng = new at.data.Rng(seed);
  const pairs = new Set<string>();
  const u: string[] = [];
  const i: number[] = [];
  const v: number[] = [];
  while (u.length < rows) {
    const a = Math.floor(rng.float() * users);
    const b = Math.floor(rng.float() * items);
    if (pairs.has(`${a},${b}`)) continue;
    pairs.add(`${a},${b}`);
    u.push(`u${a}`);
    i.push(100 + b);
    v.push(1 + ((a + b) % 5));
  }
  return at.data.Interactions.fromArrays({ users: u, items: i, values: v });
}

beforeAll(async () => {
  await at.ready({ backend: 'cpu' });
});

describe('onnx.export of factor recommenders (cpu)', () => {
  const data = interactions(1);
  const cases = [
    ['MatrixFactorization', () => new MatrixFactorization({ factors: 6, epochs: 5, seed: 1 })],
    ['BaselineOnly', () => new BaselineOnly({ epochs: 3 })],
    ['SVDpp', () => new SVDpp({ factors: 4, epochs: 3, seed: 1 })],
    ['BPR', () => new BPR({ factors: 5, epochs: 5, seed: 1 })],
    ['ImplicitALS', () => new ImplicitALS({ factors: 5, epochs: 3, seed: 1 })],
  ] as const;
  for (const [name, make] of cases) {
    it(`${name}: onnxruntime scores and top-K equal attune's`, async () => {
      const model = await make().fit(data);
      const bytes = await at.onnx.export(model, { topK: 5 });
      const info = at.onnx.describe(bytes);
      expect(info.opset).toBe(17);
      expect(info.inputs).toEqual(['user']);
      expect(info.outputs).toEqual(['scores', 'topScores', 'topItems']);
      expect(JSON.parse(info.metadata['attune.itemIds']!)).toEqual(model.itemIds.ids());
      const users = [0, 3, 7, 29];
      const out = await runOrt(bytes, { user: { data: users, dims: [4], int64: true } });
      const n = model.numItems;
      const ref = await model.topKIndices(Int32Array.from(users), { k: n, excludeSeen: false });
      // Scores in item order, from attune's full ranking of every item.
      const expected = new Float32Array(users.length * n);
      ref.forEach((r, b) => r.items.forEach((item, j) => (expected[b * n + item] = r.scores[j]!)));
      expect(maxAbsDiff(out.scores!, expected)).toBeLessThan(1e-4);
      const top = out.topItems as number[];
      ref.forEach((r, b) => expect(top.slice(b * 5, b * 5 + 5)).toEqual(Array.from(r.items.subarray(0, 5))));
    });
  }

  it('refuses recommenders without factors, a topK beyond the catalogue, and opsets out of range', async () => {
    const knn = await new at.models.ItemKNN({ neighbors: 5 }).fit(data);
    await expect(at.onnx.export(knn as never)).rejects.toThrow(/onnx.export\(ItemKNN\): only factor recommenders/);
    const mf = await new MatrixFactorization({ factors: 2, epochs: 1 }).fit(data);
    await expect(at.onnx.export(mf, { topK: 1000 })).rejects.toThrow(/topK must be an integer in \[1, 25\]/);
    await expect(at.onnx.export(mf, { opset: 11 })).rejects.toThrow(
      /opset must be an integer in \[13, 21\]; got 11 \(too old/,
    );
    await expect(at.onnx.export(mf, { opset: 30 })).rejects.toThrow(at.ValueError);
    await expect(at.onnx.export({} as never)).rejects.toThrow(/cannot export Object/);
  });
});

describe('onnx.export of KMeans and ChurnClassifier (cpu)', () => {
  const rng = new at.data.Rng(5);
  const X = Array.from({ length: 200 }, (_, r) => [(r % 3) * 4 + rng.float(), rng.float() * 2, (r % 3) - rng.float()]);

  it('KMeans: labels equal predict, distances sum to score', async () => {
    const km = await new KMeans({ k: 3, seed: 2 }).fit(X);
    const bytes = await at.onnx.export(km);
    expect(at.onnx.describe(bytes).ops).toContain('ArgMin');
    const out = await runOrt(bytes, { X: { data: Float32Array.from(X.flat()), dims: [200, 3] } });
    expect(out.labels).toEqual(Array.from(await km.predict(X)));
    const total = (out.distance as Float32Array).reduce((s, v) => s + v, 0);
    expect(Math.abs(total - (await km.score(X))) / 200).toBeLessThan(1e-4);
  });

  for (const calibration of ['platt', 'isotonic', 'none'] as const) {
    it(`ChurnClassifier (hidden [4], ${calibration}): probabilities equal predictProba`, async () => {
      const y = X.map((r) => (r[0]! + rng.float() * 3 > 5 ? 1 : 0));
      const clf = await new ChurnClassifier({ hidden: [4], epochs: 5, seed: 1, calibration }).fit(X, y);
      const bytes = await at.onnx.export(clf);
      const out = await runOrt(bytes, { X: { data: Float32Array.from(X.flat()), dims: [200, 3] } });
      expect(maxAbsDiff(out.logit!, await clf.decisionFunction(X))).toBeLessThan(1e-4);
      expect(maxAbsDiff(out.probability!, await clf.predictProba(X))).toBeLessThan(1e-4);
    });
  }
});
