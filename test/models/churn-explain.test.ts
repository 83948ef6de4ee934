import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { NumericalError, ShapeError, ValueError } from '../../src/core/errors.js';
import { backendOf, conformanceBackends, onBackend } from '../helpers/backends.js';

const { ChurnClassifier } = at.models;
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * A shop where one column drives churn: P(churn) = sigmoid(-1 + 0.25 (age - 50) + 2·[plan = basic]).
 * `noise` is an unrelated number; `region` an unrelated category.
 */
function plantedShop(n: number, seed: number) {
  const rng = new at.data.Rng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const age: number[] = [];
  const noise: number[] = [];
  const plan: string[] = [];
  const region: string[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    age.push(50 + 8 * gauss());
    noise.push(100 + 30 * gauss());
    plan.push(rng.float() < 0.5 ? 'basic' : 'premium');
    region.push(['north', 'south', 'east'][Math.floor(rng.float() * 3)]!);
    const z = -1 + 0.25 * (age[i]! - 50) + (plan[i] === 'basic' ? 2 : 0);
    y.push(rng.float() < sigmoid(z) ? 1 : 0);
  }
  return { table: { age, noise, plan, region }, y };
}

/** Rows where only x0 matters, through a bump the logistic model cannot draw: P = sigmoid(3 - 2 x0²). */
function plantedBump(n: number, seed: number): { x: number[][]; y: number[] } {
  const rng = new at.data.Rng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [0, 1, 2, 3].map(() => 4 * rng.float() - 2);
    x.push(row);
    y.push(rng.float() < sigmoid(3 - 2 * row[0]! ** 2) ? 1 : 0);
  }
  return { x, y };
}

function encoderFor() {
  return new at.data.TabularEncoder({ numeric: ['age', 'noise'], categorical: ['plan', 'region'] });
}

for (const backend of conformanceBackends().filter((b) => b === 'cpu' || b === 'webgpu')) {
  describe(`churn explanations (${backend})`, () => {
    onBackend(backend);
    const opts = { epochs: 25, lr: 0.05, seed: 1, backend: backendOf(backend) };

    it('logistic model: exact contributions sum to the logit, coefficients recover the planted ones per original unit', async () => {
      const { table, y } = plantedShop(3000, 1);
      const enc = encoderFor();
      const X = enc.fitTransform(table);
      const clf = await new ChurnClassifier(opts).fit(X, y);
      clf.encoder = enc;
      const coef = await clf.coefficients();
      const byName = Object.fromEntries(coef.features.map((f) => [f.name, f]));
      expect(coef.features.map((f) => f.name)).toEqual(X.names);
      // Planted: +0.25 per year of age, noise 0; basic vs premium +2 (split across the two one-hots).
      expect(byName.age!.perUnit).toBeGreaterThan(0.18);
      expect(byName.age!.perUnit).toBeLessThan(0.32);
      expect(Math.abs(byName.noise!.perUnit)).toBeLessThan(0.01);
      const planGap = byName['plan=basic']!.coefficient - byName['plan=premium']!.coefficient;
      expect(planGap).toBeGreaterThan(1.5);
      expect(planGap).toBeLessThan(2.5);
      expect(byName.age!.oddsRatio).toBeCloseTo(Math.exp(byName.age!.perUnit), 12);
      // The original-scale coefficients reproduce the logit from the raw values.
      const first = {
        age: [table.age[0]!],
        noise: [table.noise[0]!],
        plan: [table.plan[0]!],
        region: [table.region[0]!],
      };
      const z = (await clf.decisionFunction(enc.transform(first)))[0]!;
      let zRaw = coef.interceptOriginal + byName.age!.perUnit * first.age[0]! + byName.noise!.perUnit * first.noise[0]!;
      zRaw += byName[`plan=${first.plan[0]}`]!.perUnit + byName[`region=${first.region[0]}`]!.perUnit;
      expect(zRaw).toBeCloseTo(z, 4);

      const a = await clf.attributions(X);
      expect(a.method).toBe('exact');
      const w = coef.features.map((f) => f.coefficient);
      for (let i = 0; i < 50; i++) {
        expect(Math.abs(a.gap[i]!)).toBeLessThan(1e-9);
        for (let j = 0; j < a.cols; j++)
          expect(a.values[i * a.cols + j]).toBeCloseTo(w[j]! * (X.data[i * X.cols + j]! - a.baseline[j]!), 10);
      }
      const dz = await clf.decisionFunction(X);
      for (let i = 0; i < 50; i++) expect(a.logit[i]).toBeCloseTo(dz[i]!, 4);

      // The driving columns lead every explanation whose logit moved by more than 1 from the baseline.
      const ex = await clf.explain(table);
      let checked = 0;
      const meanAbs: Record<string, number> = { age: 0, plan: 0, noise: 0, region: 0 };
      for (const e of ex) {
        expect(e.contributions.reduce((s, r) => s + r.contribution, 0)).toBeCloseTo(e.logit - e.baselineLogit, 9);
        for (const r of e.contributions) meanAbs[r.feature]! += Math.abs(r.contribution) / ex.length;
        if (Math.abs(e.logit - e.baselineLogit) < 1) continue;
        expect(['age', 'plan']).toContain(e.reasons[0]!.feature);
        checked++;
      }
      expect(checked).toBeGreaterThan(500);
      // The planted columns move the logit by about 1 on average; the unrelated ones barely at all.
      expect(Math.min(meanAbs.age!, meanAbs.plan!)).toBeGreaterThan(0.6);
      expect(Math.max(meanAbs.noise!, meanAbs.region!)).toBeLessThan(0.15);
      const older = ex.find((e) => e.reasons[0]!.feature === 'age' && e.reasons[0]!.contribution > 0)!;
      expect(older.reasons[0]!.text).toMatch(
        /^age is [\d.]+ \(average (49|50)(\.\d+)?\): raises the churn odds [\d.]+×$/,
      );
      const basic = ex.find((e) => e.reasons[0]!.feature === 'plan')!;
      expect(basic.reasons[0]!.value).toBe(table.plan[basic.row]);
      expect(basic.summary).toMatch(
        /^Churn risk [\d.]+% \(a customer with average values: [\d.]+%\)\. plan is (basic|premium)/,
      );
      clf.dispose();
    });

    it('MLP: integrated gradients sum to the logit within the tolerance and put the planted column first', async () => {
      const train = plantedBump(3000, 2);
      // Batches of 500 keep the step count (and the SwiftShader run time) down.
      const clf = await new ChurnClassifier({ ...opts, hidden: [16], epochs: 30, batchSize: 500 }).fit(
        train.x,
        train.y,
      );
      await expect(clf.coefficients()).rejects.toThrow(ValueError);
      const test = plantedBump(200, 3);
      const a = await clf.attributions(test.x, { tolerance: 0.005 });
      expect(a.method).toBe('integrated-gradients');
      expect(a.steps).toBeGreaterThanOrEqual(32);
      for (let i = 0; i < a.rows; i++) {
        let sum = 0;
        for (let j = 0; j < a.cols; j++) sum += a.values[i * a.cols + j]!;
        expect(Math.abs(sum - (a.logit[i]! - a.baselineLogit))).toBeLessThanOrEqual(0.005 + 1e-9);
      }
      const dz = await clf.decisionFunction(test.x);
      a.logit.forEach((z, i) => expect(z).toBeCloseTo(dz[i]!, 5));
      // Where x0 is far from the baseline (|x0| > 1.2), x0 explains the most.
      const ex = await clf.explain(test.x, { top: 2 });
      const far = ex.filter((e) => Math.abs(test.x[e.row]![0]!) > 1.2);
      expect(far.length).toBeGreaterThan(40);
      const led = far.filter((e) => e.reasons[0]!.feature === 'x0').length;
      expect(led / far.length).toBeGreaterThan(0.95);
      expect(far[0]!.reasons).toHaveLength(2);
      clf.dispose();
    }, 300_000);
  });
}

describe('churn explanations: options, errors, save and load (cpu)', () => {
  it('a zero tolerance the steps cannot reach is a NumericalError, not a silent gap', async () => {
    await at.ready({ backend: 'cpu' });
    const { x, y } = plantedBump(800, 4);
    const clf = await new ChurnClassifier({ hidden: [8], epochs: 5, seed: 2 }).fit(x, y);
    await expect(clf.attributions(x.slice(0, 20), { tolerance: 0, steps: 2, maxSteps: 4 })).rejects.toThrow(
      NumericalError,
    );
    await expect(clf.attributions(x.slice(0, 2), { baseline: [0, 0] })).rejects.toThrow(ShapeError);
    await expect(clf.attributions(x.slice(0, 2), { baseline: [0, 0, Number.NaN, 0] })).rejects.toThrow(
      /baseline\[2\] must be a finite number/,
    );
    await expect(clf.explain(x.slice(0, 2), { top: 0 })).rejects.toThrow(/top/);
    await expect(clf.explain({ age: [1] })).rejects.toThrow(/set model.encoder/);
    await expect(new ChurnClassifier().explain(x)).rejects.toThrow(/not fitted/);
    // A custom baseline: the all-zero row; contributions still add up, and the text says "reference".
    const a = await clf.attributions(x.slice(0, 5), { baseline: [0, 0, 0, 0] });
    expect(a.baseline).toEqual(new Float64Array(4));
    const e = await clf.explain(x.slice(0, 5), { baseline: [0, 0, 0, 0] });
    expect(e[0]!.reasons[0]!.text).toMatch(/\(reference 0\)/);
    clf.dispose();
  });

  it('at.save keeps the names, the baseline and the encoder, so a loaded model explains the same', async () => {
    await at.ready({ backend: 'cpu' });
    const { table, y } = plantedShop(600, 5);
    const enc = encoderFor();
    const clf = await new ChurnClassifier({ epochs: 5, seed: 3 }).fit(enc.fitTransform(table), y);
    clf.encoder = enc;
    const bytes = await at.save(clf);
    const back = await at.load(bytes, { as: ChurnClassifier });
    const rows = {
      age: table.age.slice(0, 4),
      noise: table.noise.slice(0, 4),
      plan: table.plan.slice(0, 4),
      region: table.region.slice(0, 4),
    };
    const [e1, e2] = [await clf.explain(rows), await back.explain(rows)];
    expect(e2.map((e) => e.summary)).toEqual(e1.map((e) => e.summary));
    clf.dispose();
    back.dispose();
  });
});

describe('ChurnClassifier.fit progress and abort (cpu)', () => {
  const { x, y } = plantedBump(1000, 6);

  it('reports every batch with a rising fraction that ends at 1', async () => {
    await at.ready({ backend: 'cpu' });
    const seen: at.FitProgress[] = [];
    const clf = await new ChurnClassifier({ epochs: 3, batchSize: 200, calibration: 'none' }).fit(x, y, {
      onProgress: (p) => seen.push(p),
      yieldEvery: 1,
    });
    expect(seen).toHaveLength(15);
    expect(seen.map((p) => [p.epoch, p.batch, p.batches])[6]).toEqual([2, 2, 5]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.fraction).toBeGreaterThan(seen[i - 1]!.fraction);
    expect(seen.at(-1)!.fraction).toBe(1);
    clf.dispose();
  });

  it('abort stops at the batch boundary; the model keeps that batch and stays usable and calibrated', async () => {
    await at.ready({ backend: 'cpu' });
    const control = new AbortController();
    let batches = 0;
    const clf = new ChurnClassifier({ epochs: 5, batchSize: 100, seed: 1 });
    await expect(
      clf.fit(x, y, {
        signal: control.signal,
        onProgress: () => {
          if (++batches === 12) control.abort();
        },
      }),
    ).rejects.toThrow(/abort/i);
    expect(batches).toBe(12);
    // Epoch 1 (8 batches of the 800 training rows) finished; epoch 2 was cut after 4 batches.
    expect(clf.history).toHaveLength(1);
    expect(clf.calibratorState?.kind).toBe('platt');
    const p = await clf.predictProba(x.slice(0, 10));
    for (const v of p) expect(v > 0 && v < 1).toBe(true);

    // A signal that has already fired changes nothing: the earlier (aborted) fit stays.
    const before = Array.from(await clf.decisionFunction(x.slice(0, 10)));
    await expect(clf.fit(x, y, { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    expect(Array.from(await clf.decisionFunction(x.slice(0, 10)))).toEqual(before);
    expect(clf.history).toHaveLength(1);
    clf.dispose();
  });

  it('leaves no tensors behind when aborted or explained', async () => {
    await at.ready({ backend: 'cpu' });
    const before = at.memory().tensors;
    const control = new AbortController();
    const clf = new ChurnClassifier({ hidden: [4], epochs: 3, batchSize: 100 });
    await expect(clf.fit(x, y, { signal: control.signal, onProgress: () => control.abort() })).rejects.toThrow();
    await clf.explain(x.slice(0, 10));
    clf.dispose();
    expect(at.memory().tensors).toBe(before);
  });
});
