import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { conformanceBackends } from '../helpers/backends.js';

const { ChurnClassifier, fitPlatt, fitIsotonic, churnReport } = at.models;
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Rows with a known logistic ground truth P(y=1|x) = sigmoid(w·x + b). */
function logistic(n: number, seed: number): { x: number[][]; y: number[]; p: number[] } {
  const rng = new at.data.Rng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const w = [1.5, -1, 0.5, 0, 2];
  const b = -1;
  const x: number[][] = [];
  const y: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = w.map(() => gauss());
    const pi = sigmoid(row.reduce((s, v, j) => s + v * w[j]!, b));
    x.push(row);
    p.push(pi);
    y.push(rng.float() < pi ? 1 : 0);
  }
  return { x, y, p };
}

describe('ChurnClassifier on a logistic ground truth (cpu)', () => {
  const train = logistic(4000, 1);
  const test = logistic(4000, 2);
  const bayesAuc = at.metrics.rocAuc(test.y, test.p);

  it('logistic regression reaches the Bayes AUC and is well calibrated after Platt scaling', async () => {
    await at.ready({ backend: 'cpu' });
    const clf = await new ChurnClassifier({ epochs: 15, seed: 3, calibration: 'platt' }).fit(train.x, train.y);
    const r = await clf.evaluate(test.x, test.y);
    expect(r.rocAuc).toBeGreaterThan(bayesAuc - 0.01);
    expect(r.ece).toBeLessThan(0.03);
    expect(r.brier).toBeLessThan(at.metrics.brierScore(test.y, test.p) + 0.01);
    expect(r.liftAtDecile).toBeGreaterThan(2);
    expect(r.precisionAtDecile).toBeGreaterThan(r.baseRate);
    expect(r.calibration.count.reduce((s, v) => s + v, 0)).toBe(4000);
    expect(clf.history).toHaveLength(15);
    expect(clf.history[14]!.loss).toBeLessThan(clf.history[0]!.loss);
    expect(clf.history[0]!.valLoss).toBeGreaterThan(0);
    expect(clf.calibratorState?.kind).toBe('platt');
    clf.dispose();
  });

  it('an MLP with isotonic calibration also gets close to the Bayes AUC; same seed, same model', async () => {
    const opts = { hidden: [8], epochs: 8, seed: 5, calibration: 'isotonic' as const };
    const a = await new ChurnClassifier(opts).fit(train.x, train.y);
    const b = await new ChurnClassifier(opts).fit(train.x, train.y);
    const pa = await a.predictProba(test.x);
    expect(Array.from(await b.predictProba(test.x))).toEqual(Array.from(pa));
    const r = await a.evaluate(test.x, test.y);
    expect(r.rocAuc).toBeGreaterThan(bayesAuc - 0.015);
    expect(r.ece).toBeLessThan(0.04);
    for (const v of pa) expect(v > 0 && v < 1).toBe(true);
  });

  it('explicit validation rows, calibration none, and clear errors', async () => {
    const clf = await new ChurnClassifier({ epochs: 2, calibration: 'none' }).fit(
      train.x.slice(0, 500),
      train.y.slice(0, 500),
      {
        validation: { X: test.x.slice(0, 200), y: test.y.slice(0, 200) },
      },
    );
    expect(clf.calibratorState).toBeNull();
    const raw = await clf.predictProba(test.x.slice(0, 3));
    const z = await clf.decisionFunction(test.x.slice(0, 3));
    raw.forEach((p, i) => expect(p).toBeCloseTo(sigmoid(z[i]!), 12));
    expect(() => new ChurnClassifier({ hidden: [0] })).toThrow(/hidden\[0\] must be a positive integer/);
    expect(() => new ChurnClassifier({ calibration: 'beta' as never })).toThrow(/calibration must be/);
    expect(() => new ChurnClassifier({ lr: -1 })).toThrow(/lr must be/);
    await expect(new ChurnClassifier().fit([[1, Number.NaN]], [1])).rejects.toThrow(
      /X\[0\]\[1\] must be a finite number/,
    );
    await expect(new ChurnClassifier().fit([[1], [2]], [1])).rejects.toThrow(/2 rows but y has 1/);
    await expect(new ChurnClassifier().fit([[1], [2]], [1, 2])).rejects.toThrow(/y\[1\] must be 0 or 1/);
    await expect(new ChurnClassifier().predictProba([[1]])).rejects.toThrow(/not fitted/);
    await expect(clf.predictProba([[1, 2]])).rejects.toThrow(/2 columns but the model was fitted on 5/);
  });
});

describe('calibrators', () => {
  it('Platt scaling recovers an over-confident logit scale', () => {
    const { y, p } = logistic(5000, 9);
    const logits = p.map((v) => 3 * Math.log(v / (1 - v)));
    const cal = fitPlatt(logits, y);
    const st = cal.toJSON() as { a: number; b: number };
    expect(st.a).toBeGreaterThan(0.28);
    expect(st.a).toBeLessThan(0.39);
    const before = at.metrics.expectedCalibrationError(y, logits.map(sigmoid));
    const after = at.metrics.expectedCalibrationError(
      y,
      logits.map((z) => cal.apply(z)),
    );
    expect(after).toBeLessThan(before / 2);
    expect(() => fitPlatt([1, 2], [1, 1])).toThrow(/both classes/);
  });

  it('isotonic calibration is monotone, pools violators and clips to the fitted range', () => {
    const cal = fitIsotonic([1, 2, 3, 4, 5, 6], [0, 1, 0, 1, 1, 1]);
    expect(cal.apply(1)).toBeCloseTo(1e-7, 12);
    expect(cal.apply(2.5)).toBeCloseTo(0.5, 12);
    expect(cal.apply(100)).toBeCloseTo(1 - 1e-7, 12);
    const xs = Array.from({ length: 50 }, (_, i) => i / 5 - 2);
    const ys = xs.map((x) => cal.apply(x));
    for (let i = 1; i < ys.length; i++) expect(ys[i]).toBeGreaterThanOrEqual(ys[i - 1]!);
    const back = at.models.calibratorFromJSON(cal.toJSON());
    expect(back.apply(3.3)).toBe(cal.apply(3.3));
  });

  it('churnReport: lift and recall in the top decile', () => {
    const y = [1, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const p = [0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2];
    const r = churnReport(y, p);
    expect(r.precisionAtDecile).toBe(1);
    expect(r.liftAtDecile).toBe(5);
    expect(r.recallAtDecile).toBe(0.5);
  });
});

describe('ChurnClassifier across backends', () => {
  it('CPU and WebGPU training give the same probabilities (float32 tolerance)', async () => {
    if (!conformanceBackends().includes('webgpu')) return;
    await at.ready({ backend: 'webgpu' });
    const { x, y } = logistic(600, 4);
    const opts = { hidden: [4], epochs: 3, batchSize: 128, seed: 2, calibration: 'platt' as const };
    const cpu = await new ChurnClassifier({ ...opts, backend: 'cpu' }).fit(x, y);
    const gpu = await new ChurnClassifier({ ...opts, backend: 'webgpu' }).fit(x, y);
    const pc = await cpu.predictProba(x.slice(0, 100));
    const pg = await gpu.predictProba(x.slice(0, 100));
    pc.forEach((v, i) => expect(Math.abs(pg[i]! - v)).toBeLessThan(2e-3));
    cpu.dispose();
    gpu.dispose();
  });
});

describe('model memory', () => {
  it('ChurnClassifier and KMeans leave no live tensors behind (fit, predict, dispose)', async () => {
    await at.ready({ backend: 'cpu' });
    const { x, y } = logistic(300, 6);
    const before = at.memory().tensors;
    const clf = await new ChurnClassifier({ hidden: [4], epochs: 3, seed: 1 }).fit(x, y);
    await clf.predictProba(x);
    clf.dispose();
    const km = await new at.models.KMeans({ k: 3, seed: 1 }).fit(x);
    await km.predict(x);
    expect(at.memory().tensors).toBe(before);
  });
});
