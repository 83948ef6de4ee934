import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { Rng } from '../../src/core/random.js';
import { backendOf, conformanceBackends, onBackend } from '../helpers/backends.js';

const up = at.uplift;
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * Planted heterogeneous effect: treatment raises the response logit by 2·x0 (helps users with
 * x0 > 0, hurts the others); x1 drives the response in both arms, not the effect; x2 is noise.
 */
function planted(n: number, seed: number) {
  const rng = new Rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const X: number[][] = [];
  const w: number[] = [];
  const y: number[] = [];
  const tau: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = [gauss(), gauss(), gauss()];
    const base = -0.5 + 1.5 * x[1]!;
    const t = rng.float() < 0.5 ? 1 : 0;
    X.push(x);
    w.push(t);
    tau.push(sigmoid(base + 2 * x[0]!) - sigmoid(base));
    y.push(rng.float() < sigmoid(base + 2 * t * x[0]!) ? 1 : 0);
  }
  return { X, w, y, tau };
}

describe('uplift curves on a hand-computed example', () => {
  const scores = [0.9, 0.8, 0.7, 0.6];
  const w = [1, 0, 1, 0];
  const y = [1, 0, 0, 1];
  it('Qini curve, uplift curve, AUUC and Qini coefficient', () => {
    const q = up.qiniCurve(scores, w, y);
    expect(Array.from(q.fraction)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(q.value)).toEqual([0, 0, 1, 1, 0]);
    expect(Array.from(up.upliftCurve(scores, w, y).value)).toEqual([0, 0, 2, 1.5, 0]);
    expect(up.qiniCoefficient(scores, w, y)).toBeCloseTo(0.5 / 4, 12);
    const a = up.auuc(scores, w, y);
    expect(a.model).toBeCloseTo(0.875 / 4, 12);
    expect(a.random).toBe(0);
  });
  it('tied scores enter together, so a constant score is exactly random', () => {
    const q = up.qiniCurve([1, 1, 1, 1], w, y);
    expect(q.fraction.length).toBe(2);
    expect(up.qiniCoefficient([1, 1, 1, 1], w, y)).toBe(0);
  });
  it('targetTopK picks the highest scores', () => {
    expect(Array.from(up.targetTopK([0.1, 0.5, 0.3, 0.9, 0.2], 0.4))).toEqual([3, 1]);
    expect(() => up.targetTopK([0.1], 0)).toThrow(/fraction must be a number in/);
  });
});

for (const backend of conformanceBackends().filter((b) => b === 'cpu' || b === 'webgpu')) {
  describe(`uplift learners with ChurnClassifier (${backend})`, () => {
    onBackend(backend);
    const classifier = () =>
      new at.models.ChurnClassifier({
        epochs: 15,
        lr: 0.05,
        calibration: 'none',
        seed: 1,
        backend: backendOf(backend),
      });

    it('T-, X- and transformed-outcome learners rank the planted effect far above random and a response model', async () => {
      const train = planted(4000, 1);
      const test = planted(4000, 2);
      const t = await new up.TLearner({ classifier }).fit(train.X, train.w, train.y);
      const x = await new up.XLearner({ classifier }).fit(train.X, train.w, train.y);
      const to = await new up.TransformedOutcomeLearner().fit(train.X, train.w, train.y);
      const response = await classifier().fit(train.X, train.y);
      const rng = new Rng(9);
      const random = test.X.map(() => rng.float());
      const qini = (s: ArrayLike<number>) => up.qiniCoefficient(s, test.w, test.y);
      const qRandom = qini(random);
      const qResponse = qini(await response.predictProba(test.X));
      const qOracle = qini(test.tau);
      for (const model of [t, x, to]) {
        const s = await model.predict(test.X);
        const q = qini(s);
        expect(q).toBeGreaterThan(qRandom + 0.02);
        expect(q).toBeGreaterThan(qResponse + 0.02);
        expect(q).toBeGreaterThan(0.6 * qOracle);
        expect(up.auuc(s, test.w, test.y).gain).toBeGreaterThan(0);
      }
      // Targeting the top 30% by predicted uplift finds a group that does respond to treatment.
      const top = up.upliftAtTop(await t.predict(test.X), test.w, test.y, 0.3);
      expect(top.targeted).toBe(1200);
      expect(top.effect).toBeGreaterThan(0.15);
      expect(top.decision).toBe('treatment better');
    });
  });
}

describe('uplift learners: fit control and errors', () => {
  /** A stand-in classifier: predicts the training positive rate. */
  const constant = () => {
    let rate = 0;
    return {
      fit(_X: readonly (readonly number[])[], y: Uint8Array) {
        rate = y.reduce((s, v) => s + v, 0) / y.length;
      },
      predictProba: (X: readonly (readonly number[])[]) => X.map(() => rate),
    };
  };
  const data = planted(200, 3);

  it('reports progress per model and aborts between models, keeping the earlier fit', async () => {
    const seen: number[] = [];
    const x = await new up.XLearner({ classifier: constant }).fit(data.X, data.w, data.y, {
      onProgress: (p) => seen.push(p.batch),
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    const before = await x.predict(data.X);
    const controller = new AbortController();
    const other = planted(200, 4);
    await expect(
      x.fit(other.X, other.w, other.y, { signal: controller.signal, onProgress: () => controller.abort() }),
    ).rejects.toThrow(/abort/i);
    expect(Array.from(await x.predict(data.X))).toEqual(Array.from(before));
    const t = new up.TLearner({ classifier: constant });
    await expect(t.fit(data.X, data.w, data.y, { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    await expect(t.predict(data.X)).rejects.toThrow(/call fit first/);
  });

  it('rejects bad assignments, outcomes and shapes', async () => {
    const t = new up.TLearner({ classifier: constant });
    await expect(
      t.fit(
        data.X,
        data.w.map(() => 1),
        data.y,
      ),
    ).rejects.toThrow(/control arm is empty/);
    await expect(t.fit(data.X, data.w.slice(1), data.y)).rejects.toThrow(
      /treatment has 199 entries but there are 200 users/,
    );
    await expect(
      t.fit(
        data.X,
        data.w,
        data.y.map(() => 2),
      ),
    ).rejects.toThrow(/y\[0\] must be 0 or 1/);
    await expect(t.fit([[1, 2], [3]], [0, 1], [0, 1])).rejects.toThrow(/X\[1\] has 1 features; expected 2/);
    expect(() => new up.TLearner({ classifier: 3 as never })).toThrow(/classifier must be a function/);
    expect(() => new up.XLearner({ classifier: constant, propensity: 1 })).toThrow(/propensity must be in \(0, 1\)/);
  });
});

describe('RidgeRegressor', () => {
  it('recovers planted linear weights', () => {
    const rng = new Rng(4);
    const X = Array.from({ length: 500 }, () => [rng.float(), rng.float() * 10]);
    const y = X.map(([a, b]) => 3 + 2 * a! - 0.5 * b!);
    const pred = new up.RidgeRegressor({ lambda: 0 }).fit(X, y).predict([[0.5, 4]]);
    expect(pred[0]).toBeCloseTo(3 + 1 - 2, 6);
  });
});
