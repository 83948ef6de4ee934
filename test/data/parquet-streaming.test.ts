import { beforeAll, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

const { MatrixFactorization } = at.models;
const { StreamingMatrixFactorization } = at;

/** Ratings from a planted rank-2 model plus noise; rows shuffled. */
function planted(seed: number, users = 60, items = 40, rows = 1500) {
  const rng = new at.data.Rng(seed);
  const uf = Array.from({ length: users }, () => [rng.float() * 2 - 1, rng.float() * 2 - 1]);
  const vf = Array.from({ length: items }, () => [rng.float() * 2 - 1, rng.float() * 2 - 1]);
  const seen = new Set<number>();
  const u: number[] = [];
  const i: number[] = [];
  const v: number[] = [];
  while (u.length < rows) {
    const a = Math.floor(rng.float() * users);
    const b = Math.floor(rng.float() * items);
    if (seen.has(a * items + b)) continue;
    seen.add(a * items + b);
    u.push(a);
    i.push(b);
    v.push(3 + 1.5 * (uf[a]![0]! * vf[b]![0]! + uf[a]![1]! * vf[b]![1]!) * 2 + (rng.float() - 0.5) * 0.2);
  }
  return { users: u, items: i, values: v };
}

const rmse = (p: Float32Array, y: number[]) => Math.sqrt(y.reduce((s, t, j) => s + (p[j]! - t) ** 2, 0) / y.length);

beforeAll(async () => {
  await at.ready({ backend: 'cpu' });
});

describe('StreamingMatrixFactorization.fitStream (cpu)', () => {
  const rows = planted(1);
  const train = {
    users: rows.users.slice(0, 1300),
    items: rows.items.slice(0, 1300),
    values: rows.values.slice(0, 1300),
  };
  const test = { users: rows.users.slice(1300), items: rows.items.slice(1300), values: rows.values.slice(1300) };
  const opts = { factors: 4, epochs: 40, lr: 0.02, reg: 0.02, seed: 3 };
  const parquet = at.data.exportInteractions(at.data.Interactions.fromArrays(train), { rowGroupSize: 400 });

  it('with the data as one chunk, equals the in-memory fit bit for bit', async () => {
    const mem = await new MatrixFactorization(opts).fit(at.data.Interactions.fromArrays(train));
    const one = await new StreamingMatrixFactorization(opts).fitStream(() => [train]);
    expect(Array.from(one.factors().itemFactors)).toEqual(Array.from(mem.factors().itemFactors));
    expect(Array.from(one.predict(test.users, test.items))).toEqual(Array.from(mem.predict(test.users, test.items)));
  });

  it('streamed from Parquet in chunks of 100, learns the planted structure as well as the in-memory fit', async () => {
    const mem = await new MatrixFactorization(opts).fit(at.data.Interactions.fromArrays(train));
    const sizes: number[] = [];
    const streamed = await new StreamingMatrixFactorization(opts).fitStream(() =>
      at.data.readInteractionsParquetStream(parquet, { value: 'rating' }, { batchRows: 100 }),
    );
    for await (const c of at.data.readInteractionsParquetStream(parquet, {}, { batchRows: 100 }))
      sizes.push(c.users.length);
    expect(Math.max(...sizes)).toBe(100);
    const mean = train.values.reduce((s, x) => s + x, 0) / train.values.length;
    const baseline = rmse(new Float32Array(test.values.length).fill(mean), test.values);
    const memRmse = rmse(mem.predict(test.users, test.items), test.values);
    const streamRmse = rmse(streamed.predict(test.users, test.items), test.values);
    expect(streamRmse).toBeLessThan(0.6 * baseline);
    expect(streamRmse).toBeLessThan(memRmse + 0.05);
    // A fitted MatrixFactorization in every way: it recommends and exports.
    expect((await streamed.recommend(0, { k: 3 })).length).toBe(3);
    expect(at.onnx.describe(await at.onnx.export(streamed)).outputs).toEqual(['scores']);
  });

  it('reports progress per chunk and stops at a chunk boundary with a usable model', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const model = new StreamingMatrixFactorization({ ...opts, epochs: 3 });
    const chunks = () => at.data.readInteractionsParquetStream(parquet, { value: 'rating' }, { batchRows: 200 });
    await expect(
      model.fitStream(chunks, {
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.batch);
          if (p.epoch === 2 && p.batch === 2) controller.abort();
        },
      }),
    ).rejects.toThrow(/abort/i);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 1, 2]);
    expect(model.fitted).toBe(true);
    expect(model.predict([train.users[0]!], [train.items[0]!])[0]).toBeGreaterThan(0);
  });

  it('refuses unknown ids against supplied maps, ragged chunks and a cpu-less backend, naming them', async () => {
    const data = at.data.Interactions.fromArrays(train);
    const m = new StreamingMatrixFactorization({ factors: 2, epochs: 1 });
    await expect(
      m.fitStream(() => [{ users: [999], items: [0], values: [1] }], { userIds: data.userIds, itemIds: data.itemIds }),
    ).rejects.toThrow(/unknown user id 999 \(number\)/);
    await expect(m.fitStream(() => [{ users: [1, 2], items: [0], values: [1, 2] }])).rejects.toThrow(
      /chunk 0 has 2 users but 1 items/,
    );
    await expect(m.fitStream(() => [])).rejects.toThrow(/hold no rows/);
    expect(() => new StreamingMatrixFactorization({ backend: 'webgpu' })).toThrow(/backend must be 'cpu'/);
  });
});
