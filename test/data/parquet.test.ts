import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { maxAbsDiff, runOrt } from '../onnx/ort.js';

/**
 * Spark MLlib ALS's factor tables as Spark writes them (model.userFactors.write.parquet):
 * message spark_schema { required int32 id; optional group features (LIST) { repeated group
 * list { required float element; } } }.
 */
function sparkFactors(ids: number[], rows: number[][], element: 'FLOAT' | 'BYTE_ARRAY' = 'FLOAT'): Uint8Array {
  const schema = [
    { name: 'spark_schema', num_children: 2 },
    { name: 'id', type: 'INT32' as const, repetition_type: 'REQUIRED' as const },
    { name: 'features', repetition_type: 'OPTIONAL' as const, num_children: 1, converted_type: 'LIST' as const },
    { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
    { name: 'element', type: element, repetition_type: 'REQUIRED' as const },
  ];
  const data = element === 'FLOAT' ? rows : rows.map((r) => r.map(String));
  return new Uint8Array(
    parquetWriteBuffer({
      schema,
      columnData: [
        { name: 'id', data: Int32Array.from(ids) },
        { name: 'features', data },
      ],
      rowGroupSize: 3,
    }),
  );
}

function randomRows(n: number, k: number, seed: number): number[][] {
  const rng = new at.data.Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: k }, () => Math.fround(rng.float() * 2 - 1)));
}

beforeAll(async () => {
  await at.ready({ backend: 'cpu' });
});

describe('importFactors from Spark ALS Parquet (cpu)', () => {
  const userIds = [10, 11, 12, 13, 14];
  const itemIds = [100, 101, 102, 103, 104, 105, 106];
  const U = randomRows(5, 3, 1);
  const V = randomRows(7, 3, 2);
  const users = sparkFactors(userIds, U);
  const items = sparkFactors(itemIds, V);
  const dot = (a: number[], b: number[]) => a.reduce((s, v, f) => s + v * b[f]!, 0);

  it('recommends by p_u·q_i, finds cosine-similar items, and exports to ONNX', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-parquet-'));
    writeFileSync(join(dir, 'items.parquet'), items);
    // One side from bytes, one from a path.
    const rec = await at.importFactors({ userFactors: users, itemFactors: join(dir, 'items.parquet') });
    expect(rec.numUsers).toBe(5);
    expect(rec.numItems).toBe(7);
    const top = await rec.recommend(12, { k: 7 });
    const expected = itemIds.map((id, i) => ({ item: id, score: dot(U[2]!, V[i]!) })).sort((a, b) => b.score - a.score);
    expect(top.map((t) => t.item)).toEqual(expected.map((e) => e.item));
    top.forEach((t, j) => expect(t.score).toBeCloseTo(expected[j]!.score, 5));
    const cos = (a: number[], b: number[]) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    const sim = await rec.similarItems(103, 2);
    const simRef = itemIds
      .map((id, i) => ({ id, s: cos(V[3]!, V[i]!) }))
      .filter((e) => e.id !== 103)
      .sort((a, b) => b.s - a.s);
    expect(sim.map((s) => s.item)).toEqual(simRef.slice(0, 2).map((e) => e.id));
    const bytes = await at.onnx.export(rec, { topK: 3 });
    const out = await runOrt(bytes, { user: { data: [2], dims: [1], int64: true } });
    expect(
      maxAbsDiff(
        out.scores!,
        V.map((v) => dot(U[2]!, v)),
      ),
    ).toBeLessThan(1e-5);
    expect(out.topItems).toEqual(expected.slice(0, 3).map((e) => itemIds.indexOf(e.item as number)));
    // It saves and loads like a fitted model.
    const again = at.models.loadRecommender(at.models.saveRecommender(rec));
    expect(again.predict([12], [103])[0]).toBeCloseTo(dot(U[2]!, V[3]!), 5);
    await expect(rec.fit(at.data.Interactions.fromArrays({ users: [1], items: [1] }))).rejects.toThrow(
      /trained elsewhere/,
    );
  });

  it('names what is wrong: ranks that disagree, missing and mistyped columns, ragged features, repeated ids', async () => {
    await expect(
      at.importFactors({ userFactors: users, itemFactors: sparkFactors(itemIds, randomRows(7, 4, 3)) }),
    ).rejects.toThrow(/userFactors have rank 3 but itemFactors have rank 4/);
    const noFeatures = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'id', data: Int32Array.from([1]) }] }));
    await expect(at.importFactors({ userFactors: noFeatures, itemFactors: items })).rejects.toThrow(
      /readParquetStream: the file has no column 'features'; it has id \(INT32\)/,
    );
    await expect(
      at.importFactors({ userFactors: users, itemFactors: sparkFactors(itemIds, V, 'BYTE_ARRAY') }),
    ).rejects.toThrow(/column 'features' must be a list of numbers; the file stores a list of BYTE_ARRAY/);
    const stringIds = new Uint8Array(
      parquetWriteBuffer({ columnData: [{ name: 'id', data: ['1', '2'], type: 'STRING' as const }] }),
    );
    await expect(at.data.readParquet(stringIds, { columns: { id: 'number' } })).rejects.toThrow(
      /column 'id' must be a number/,
    );
    const ragged = sparkFactors(
      [1, 2],
      [
        [1, 2, 3],
        [1, 2],
      ],
    );
    await expect(at.importFactors({ userFactors: ragged, itemFactors: items })).rejects.toThrow(
      /vectors of length 3 and 2/,
    );
    await expect(
      at.importFactors({ userFactors: sparkFactors([1, 1], randomRows(2, 3, 4)), itemFactors: items }),
    ).rejects.toThrow(/userFactors repeats id 1 \(row 1\)/);
    await expect(at.data.readParquet(new Uint8Array([1, 2, 3]), { columns: { id: 'id' } })).rejects.toThrow(
      at.DataError,
    );
  });
});

describe('exportInteractions writes what Spark reads, and reads back (cpu)', () => {
  const data = at.data.Interactions.fromArrays({
    users: [7, 7, 8, 9, 9, 9],
    items: [1, 2, 2, 3, 1, 4],
    values: [5, 3, 4, 1, 2, 5],
  });

  it("uses Spark ALS's column names and required INT32/FLOAT columns, and round-trips", async () => {
    const bytes = at.data.exportInteractions(data, { rowGroupSize: 4 });
    const md = parquetMetadata(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
    const schema = parquetSchema(md).children.map((c) => [c.element.name, c.element.type, c.element.repetition_type]);
    expect(schema).toEqual([
      ['user', 'INT32', 'REQUIRED'],
      ['item', 'INT32', 'REQUIRED'],
      ['rating', 'FLOAT', 'REQUIRED'],
    ]);
    expect(md.row_groups.map((g) => Number(g.num_rows))).toEqual([4, 2]);
    const back = await at.data.readInteractionsParquet(bytes, { value: 'rating' });
    expect(back.userIds.ids()).toEqual(data.userIds.ids());
    expect(Array.from(back.values)).toEqual(Array.from(data.values));
    // Streaming in batches of 3 crosses the row-group boundary.
    const batches: number[] = [];
    for await (const b of at.data.readInteractionsParquetStream(bytes, { value: 'rating' }, { batchRows: 3 }))
      batches.push(b.users.length);
    expect(batches).toEqual([3, 1, 2]);
  });

  it('reads event times: the exported DOUBLE column, and TIMESTAMP and DATE columns as epoch milliseconds', async () => {
    const timed = at.data.Interactions.fromArrays({
      users: [7, 7, 8],
      items: [1, 2, 2],
      values: [5, 3, 4],
      times: [30.5, 10, 20],
    });
    const bytes = at.data.exportInteractions(timed);
    const back = await at.data.readInteractionsParquet(bytes, { value: 'rating', time: 'time' });
    expect(Array.from(back.times!)).toEqual([30.5, 10, 20]);
    expect((await at.data.readInteractionsParquet(bytes)).times).toBeUndefined();
    const chunks: number[][] = [];
    for await (const b of at.data.readInteractionsParquetStream(bytes, { time: 'time' }, { batchRows: 2 }))
      chunks.push(Array.from(b.times as ArrayLike<number>));
    expect(chunks).toEqual([[30.5, 10], [20]]);
    // Event times as Spark and pandas write them: TIMESTAMP (INT64 millis) and DATE (INT32 days).
    const when = [new Date('2024-01-02T03:04:05.006Z'), new Date('2024-01-01T00:00:00Z')];
    const ids = [
      { name: 'user', data: Int32Array.of(1, 1), type: 'INT32' as const },
      { name: 'item', data: Int32Array.of(5, 6), type: 'INT32' as const },
    ];
    const stamped = parquetWriteBuffer({
      columnData: [...ids, { name: 'at', data: when, type: 'TIMESTAMP' as const }],
    });
    const fromStamps = await at.data.readInteractionsParquet(new Uint8Array(stamped), { time: 'at' });
    expect(Array.from(fromStamps.times!)).toEqual([1704164645006, 1704067200000]);
    const days = [new Date('2024-01-02T00:00:00Z'), new Date('2024-02-03T00:00:00Z')];
    const dated = parquetWriteBuffer({
      columnData: [...ids.map(({ name, data }) => ({ name, data })), { name: 'day', data: days }],
      schema: [
        { name: 'root', num_children: 3 },
        { name: 'user', type: 'INT32', repetition_type: 'REQUIRED' },
        { name: 'item', type: 'INT32', repetition_type: 'REQUIRED' },
        { name: 'day', type: 'INT32', converted_type: 'DATE', repetition_type: 'REQUIRED' },
      ],
    });
    const fromDays = await at.data.readInteractionsParquet(new Uint8Array(dated), { time: 'day' });
    expect(Array.from(fromDays.times!)).toEqual([1704153600000, 1706918400000]);
    // A time column that is not a number is refused by name.
    const named = parquetWriteBuffer({
      columnData: [...ids, { name: 'when', data: ['monday', 'tuesday'], type: 'STRING' as const }],
    });
    await expect(at.data.readInteractionsParquet(new Uint8Array(named), { time: 'when' })).rejects.toThrow(
      /column 'when' must be a number; the file stores a string/,
    );
  });

  it('string ids: as strings, or as indices that importFactors maps back', async () => {
    const s = at.data.Interactions.fromArrays({ users: ['a', 'b'], items: ['x', 'y'], values: [1, 2] });
    const asStrings = await at.data.readParquet(at.data.exportInteractions(s), {
      columns: { user: 'string', item: 'string' },
    });
    expect(asStrings.columns.user).toEqual(['a', 'b']);
    const asIndex = await at.data.readParquet(at.data.exportInteractions(s, { ids: 'index' }), {
      columns: { user: 'id' },
    });
    expect(asIndex.columns.user).toEqual([0, 1]);
    const rec = await at.importFactors({
      userFactors: sparkFactors(
        [1, 0],
        [
          [1, 0],
          [0, 1],
        ],
      ),
      itemFactors: sparkFactors(
        [0, 1],
        [
          [1, 0],
          [0, 1],
        ],
      ),
      userIds: s.userIds,
      itemIds: s.itemIds,
      seen: s,
    });
    // Spark's user 1 is 'b', who likes dimension 0 = item 0 = 'x'; 'b' has seen 'y' only.
    expect((await rec.recommend('b', { k: 1 }))[0]!.item).toBe('x');
    expect((await rec.recommend('a', { k: 1 }))[0]!.item).toBe('y');
    await expect(
      at.importFactors({
        userFactors: sparkFactors([5], [[1, 0]]),
        itemFactors: sparkFactors([0], [[1, 0]]),
        userIds: s.userIds,
      }),
    ).rejects.toThrow(/userFactors id 5 is not an index of the given id map \(size 2\)/);
  });
});
