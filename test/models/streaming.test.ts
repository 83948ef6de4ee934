import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';
import { blobs } from './synthetic.js';

const { BPR, StreamingBPR, MiniBatchKMeans, KMeans, ChurnClassifier } = at.models;

/** Implicit clicks: 4 user groups, each clicking in its own block of 10 items (plus 5% noise). */
function clusteredClicks(seed: number, users = 80, rows = 2400) {
  const rng = new at.data.Rng(seed);
  const out = { users: [] as string[], items: [] as string[] };
  for (let r = 0; r < rows; r++) {
    const u = Math.floor(rng.float() * users);
    const block = rng.float() < 0.95 ? u % 4 : Math.floor(rng.float() * 4);
    out.users.push(`u${u}`);
    out.items.push(`i${block * 10 + Math.floor(rng.float() * 10)}`);
  }
  return out;
}

/** AUC of in-group over out-of-group items, over all users. */
function groupAuc(model: InstanceType<typeof BPR>, users = 80) {
  let wins = 0;
  let pairs = 0;
  for (let u = 0; u < users; u++) {
    const items = Array.from({ length: 40 }, (_, i) => `i${i}`);
    const s = model.predict(new Array(40).fill(`u${u}`), items);
    for (let a = 0; a < 40; a++)
      for (let b = 0; b < 40; b++)
        if (Math.floor(a / 10) === u % 4 && Math.floor(b / 10) !== u % 4) {
          pairs++;
          if (s[a]! > s[b]!) wins++;
        }
  }
  return wins / pairs;
}

const chunked = <T extends Record<string, unknown[]>>(data: T, size: number) => {
  const n = (Object.values(data)[0] as unknown[]).length;
  const out: T[] = [];
  for (let s = 0; s < n; s += size)
    out.push(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.slice(s, s + size)])) as T);
  return out;
};

describe('StreamingBPR.fitStream (cpu)', () => {
  onBackend('cpu');
  const clicks = clusteredClicks(5);
  const opts = { factors: 8, epochs: 15, lr: 0.05, seed: 2 };

  it('learns the planted groups as well as the in-memory fit, from arrays and from a CSV stream alike', async () => {
    const mem = await new BPR(opts).fit(at.data.Interactions.fromArrays(clicks, { duplicates: 'keep' }));
    const chunks = chunked(clicks, 300);
    const streamed = await new StreamingBPR(opts).fitStream(() => chunks);
    expect(groupAuc(mem)).toBeGreaterThan(0.9);
    expect(groupAuc(streamed)).toBeGreaterThan(0.9);
    expect(groupAuc(streamed)).toBeGreaterThan(groupAuc(mem) - 0.03);
    // The same rows as CSV, read in chunks of the same size: the same model.
    const csv = `user,item,when\n${clicks.users.map((u, j) => `${u},${clicks.items[j]},2024-01-01`).join('\n')}\n`;
    const fromCsv = await new StreamingBPR(opts).fitStream(() =>
      at.data.readInteractionsCsvStream({ text: csv }, {}, { batchRows: 300 }),
    );
    expect(Array.from(fromCsv.factors().itemFactors)).toEqual(Array.from(streamed.factors().itemFactors));
    // A fitted BPR: it recommends, exports, and at.save/at.load give back the same scores.
    expect((await streamed.recommend('u1', { k: 10 })).every((r) => Number(String(r.item).slice(1)) < 20)).toBe(true);
    expect(at.onnx.describe(await at.onnx.export(streamed)).outputs).toEqual(['scores']);
    const back = await at.load<InstanceType<typeof BPR>>(await at.save(streamed as never));
    expect(back).toBeInstanceOf(BPR);
    expect(Array.from(back.predict(['u3', 'u4'], ['i5', 'i35']))).toEqual(
      Array.from(streamed.predict(['u3', 'u4'], ['i5', 'i35'])),
    );
  });

  it('reports the loss per epoch, and names bad chunks and unknown ids', async () => {
    const losses: number[] = [];
    await new StreamingBPR({ ...opts, epochs: 5 }).fitStream(() => chunked(clicks, 500), {
      onEpoch: (e) => void losses.push(e.loss),
    });
    expect(losses.length).toBe(5);
    expect(losses[4]!).toBeLessThan(losses[0]!);
    const known = await new StreamingBPR({ ...opts, epochs: 1 }).fitStream(() => chunked(clicks, 500));
    await expect(
      new StreamingBPR(opts).fitStream(() => [{ users: ['u1', 'nobody'], items: ['i1', 'i2'] }], {
        userIds: known.userIds,
        itemIds: known.itemIds,
      }),
    ).rejects.toThrow(/chunk 0 row 1: unknown user id "nobody"/);
    // A source whose second pass holds an id the first pass did not: the maps are frozen after pass 0.
    let pass = 0;
    await expect(
      new StreamingBPR(opts).fitStream(() =>
        pass++ === 0 ? [{ users: ['a'], items: ['x'] }] : [{ users: ['a'], items: ['y'] }],
      ),
    ).rejects.toThrow(/chunk 0 row 0: unknown item id "y" \(string\)/);
    await expect(new StreamingBPR(opts).fitStream(() => [{ users: [1, 2], items: [1] }])).rejects.toThrow(
      /chunk 0 has 2 users but 1 items/,
    );
    await expect(new StreamingBPR(opts).fitStream([] as never)).rejects.toThrow(/must be a function/);
    expect(() => new StreamingBPR({ backend: 'webgpu' })).toThrow(/backend must be 'cpu'/);
  });
});

describe('StreamingMatrixFactorization and imported factors under at.models', () => {
  onBackend('cpu');
  it('keeps the top-level names, and a streamed MF saves as a MatrixFactorization that loads with the same predictions', async () => {
    expect(at.models.StreamingMatrixFactorization).toBe(at.StreamingMatrixFactorization);
    expect(at.models.importFactors).toBe(at.importFactors);
    const rows = { users: [0, 0, 1, 1, 2, 2], items: [0, 1, 1, 2, 0, 2], values: [5, 3, 4, 1, 2, 5] };
    const mf = await new at.models.StreamingMatrixFactorization({ factors: 2, epochs: 5, seed: 1 }).fitStream(() => [
      rows,
    ]);
    expect(mf.kind).toBe('MatrixFactorization');
    const back = await at.load<InstanceType<typeof at.models.MatrixFactorization>>(await at.save(mf as never));
    expect(back).toBeInstanceOf(at.models.MatrixFactorization);
    expect(Array.from(back.predict([0, 1, 2], [2, 0, 1]))).toEqual(Array.from(mf.predict([0, 1, 2], [2, 0, 1])));
  });
});

const kmBackends = conformanceBackends().filter((b) => b === 'cpu' || b === 'cpu-ts' || b === 'webgpu');
for (const backend of kmBackends) {
  describe(`MiniBatchKMeans.fitStream on ${backend}`, () => {
    onBackend(backend);
    const b = backend === 'webgpu' ? 'webgpu' : 'cpu';

    it('gets within 3% of full k-means inertia from chunks, and reads CSV through featureChunks', async () => {
      const { x, truth } = blobs(4000, 5, 4);
      const chunks = Array.from({ length: 8 }, (_, c) => x.slice(c * 500, (c + 1) * 500));
      const mb = await new MiniBatchKMeans({ k: 5, batchSize: 250, seed: 1, backend: b }).fitStream(() => chunks, {
        epochs: 2,
      });
      const full = await new KMeans({ k: 5, seed: 1, backend: b }).fit(x);
      expect(mb.inertia).toBeLessThan(full.inertia * 1.03);
      expect(mb.labels.length).toBe(0);
      const labels = await mb.predict(x);
      let pure = 0;
      for (let j = 0; j < 5; j++) {
        const counts = new Map<number, number>();
        truth.forEach((t, i) => t === j && counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1));
        pure += Math.max(...counts.values());
      }
      expect(pure / 4000).toBeGreaterThan(0.98);
      const csv = `a,b,c,label\n${x.map((r, i) => `${r.join(',')},${truth[i]}`).join('\n')}\n`;
      const fromCsv = await new MiniBatchKMeans({ k: 5, batchSize: 250, seed: 1, backend: b }).fitStream(
        () =>
          at.data.featureChunks(
            at.data.readCsvStream(
              { text: csv },
              { columns: { a: 'number', b: 'number', c: 'number' }, batchRows: 500 },
            ),
            ['a', 'b', 'c'],
          ),
        { epochs: 2 },
      );
      // Float text round trip: the same centroids to float32 precision.
      for (let j = 0; j < 5; j++)
        for (let f = 0; f < 3; f++) expect(fromCsv.centroids[j]![f]!).toBeCloseTo(mb.centroids[j]![f]!, 3);
    });

    it('names a chunk of the wrong width and too few rows', async () => {
      const m = new MiniBatchKMeans({ k: 3, seed: 1, backend: b });
      await expect(
        m.fitStream(() => [
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          [[1, 2, 3]],
        ]),
      ).rejects.toThrow(/chunk 1 has 3 columns; the first had 2/);
      await expect(m.fitStream(() => [[[1, 2]]])).rejects.toThrow(/1 rows, fewer than k = 3/);
      expect(m.centroids.length).toBe(0);
    });
  });
}

/** Rows with a planted logistic truth: logit = 2·x0 − x1 + 0.5. */
function churnRows(n: number, seed: number) {
  const rng = new at.data.Rng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = [rng.float() * 4 - 2, rng.float() * 4 - 2, rng.float() * 4 - 2];
    X.push(x);
    y.push(rng.float() < 1 / (1 + Math.exp(-(2 * x[0]! - x[1]! + 0.5))) ? 1 : 0);
  }
  return { X, y };
}

const churnBackends = conformanceBackends().filter((b) => b === 'cpu' || b === 'cpu-ts' || b === 'webgpu');
for (const backend of churnBackends) {
  describe(`ChurnClassifier.fitStream on ${backend}`, () => {
    onBackend(backend);
    const b = backend === 'webgpu' ? 'webgpu' : 'cpu';

    it('learns the planted coefficients as well as fit, calibrated on held-out rows', async () => {
      const train = churnRows(3000, 1);
      const val = churnRows(800, 2);
      const test = churnRows(1500, 3);
      const opts = { hidden: [], epochs: 8, lr: 0.05, seed: 1, backend: b } as const;
      const chunks = Array.from({ length: 6 }, (_, c) => ({
        X: train.X.slice(c * 500, (c + 1) * 500),
        y: train.y.slice(c * 500, (c + 1) * 500),
      }));
      const streamed = await new ChurnClassifier(opts).fitStream(() => chunks, { validation: val });
      const mem = await new ChurnClassifier(opts).fit(train.X, train.y, { validation: val });
      const aucS = at.metrics.rocAuc(test.y, await streamed.predictProba(test.X));
      const aucM = at.metrics.rocAuc(test.y, await mem.predictProba(test.X));
      expect(aucS).toBeGreaterThan(0.85);
      expect(aucS).toBeGreaterThan(aucM - 0.01);
      expect(streamed.history.length).toBe(8);
      expect(streamed.history[7]!.valLoss!).toBeLessThan(streamed.history[0]!.valLoss!);
      const weights = (await streamed.coefficients()).features.map((c) => c.coefficient);
      expect(weights[0]!).toBeGreaterThan(0);
      expect(weights[1]!).toBeLessThan(0);
      expect(Math.abs(weights[2]!)).toBeLessThan(0.3 * weights[0]!);
      // Calibrated: the mean predicted probability is near the observed rate.
      const p = await streamed.predictProba(test.X);
      const mean = p.reduce((s, v) => s + v, 0) / p.length;
      expect(Math.abs(mean - test.y.reduce((s, v) => s + v, 0) / test.y.length)).toBeLessThan(0.04);
    });

    it('needs held-out rows to calibrate, names bad chunks, and leaves the model unfitted on failure', async () => {
      const m = new ChurnClassifier({ hidden: [], epochs: 2, backend: b });
      const rows = churnRows(100, 4);
      await expect(m.fitStream(() => [rows])).rejects.toThrow(/needs validation rows/);
      await expect(m.fitStream(() => [rows], { validation: 0.2 as never })).rejects.toThrow(/held-out rows \{X, y\}/);
      await expect(m.fitStream(() => [rows, { X: [[1, 2]], y: [1] }], { validation: rows })).rejects.toThrow(
        /chunk 1 has 2 columns; the first had 3/,
      );
      await expect(m.fitStream(() => [{ X: rows.X, y: rows.y.slice(1) }], { validation: rows })).rejects.toThrow(
        /100 rows in X but 99 labels/,
      );
      await expect(m.predictProba(rows.X)).rejects.toThrow(/not fitted/);
      // An abort mid-training keeps the earlier fit.
      const fitted = await new ChurnClassifier({ hidden: [], epochs: 2, batchSize: 20, backend: b }).fitStream(
        () => [rows],
        {
          validation: rows,
        },
      );
      const before = await fitted.predictProba(rows.X);
      const controller = new AbortController();
      await expect(
        fitted.fitStream(() => [rows], {
          validation: rows,
          signal: controller.signal,
          onProgress: (p) => p.batch === 2 && controller.abort(new Error('stop here')),
        }),
      ).rejects.toThrow(/stop here/);
      expect(Array.from(await fitted.predictProba(rows.X))).toEqual(Array.from(before));
    });
  });
}
