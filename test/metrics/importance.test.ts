import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

const { permutationImportance, rocAuc, logLoss } = at.metrics;

// y depends on x0 strongly, on the one-hot block (x2, x3) weakly, not at all on x1.
function data(n: number) {
  const rng = new at.data.Rng(7);
  const x = new Float64Array(n * 4);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.float() * 2 - 1;
    const hot = rng.int(2);
    x.set([a, rng.float(), hot, 1 - hot], i * 4);
    y[i] = rng.float() < 1 / (1 + Math.exp(-(4 * a + (hot ? 0.8 : -0.8)))) ? 1 : 0;
  }
  return { x, y };
}
const model = (m: at.metrics.FeatureMatrix) =>
  Float64Array.from(
    { length: m.rows },
    (_, i) => 1 / (1 + Math.exp(-(4 * m.data[i * 4]! + 0.8 * (m.data[i * 4 + 2]! - m.data[i * 4 + 3]!)))),
  );

describe('permutationImportance', () => {
  it('ranks the features by how much the metric drops, with intervals over repeats', async () => {
    const { x, y } = data(2000);
    const r = await permutationImportance(model, { data: x, cols: 4 }, y, rocAuc, {
      repeats: 8,
      features: [
        { name: 'strong', columns: [0] },
        { name: 'noise', columns: [1] },
        { name: 'plan (one-hot)', columns: [2, 3] },
      ],
    });
    expect(r.baseline).toBeCloseTo(rocAuc(y, model({ data: x, rows: 2000, cols: 4 })), 12);
    expect(r.features.map((f) => f.name)).toEqual(['strong', 'plan (one-hot)', 'noise']);
    const [strong, plan, noise] = r.features;
    expect(strong!.lo).toBeGreaterThan(plan!.hi);
    expect(plan!.lo).toBeGreaterThan(0);
    expect(noise!.importance).toBe(0); // the model never reads x1
    expect(strong!.drops).toHaveLength(8);
    expect(strong!.lo).toBeLessThanOrEqual(strong!.importance);
  });

  it('lower-is-better metrics, default names, async predict; input errors', async () => {
    const { x, y } = data(300);
    const r = await permutationImportance(
      async (m) => model(m),
      { data: x, cols: 4 },
      y,
      (t, s) => logLoss(t, s),
      {
        higherIsBetter: false,
        repeats: 3,
      },
    );
    expect(r.features[0]!.name).toBe('x0');
    expect(r.features[0]!.importance).toBeGreaterThan(0);
    await expect(permutationImportance(model, { data: x, cols: 4 }, y.subarray(1), rocAuc)).rejects.toThrow(
      at.ShapeError,
    );
    await expect(
      permutationImportance(model, { data: x, cols: 4 }, y, rocAuc, { features: [{ name: 'bad', columns: [9] }] }),
    ).rejects.toThrow(/column 9/);
    await expect(permutationImportance(() => [0.5], { data: x, cols: 4 }, y, rocAuc)).rejects.toThrow(
      /returned 1 scores/,
    );
  });
});
