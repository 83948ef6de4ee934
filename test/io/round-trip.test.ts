import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { MODEL_TYPES, fingerprint, makeModel } from './model-zoo.js';

const dir = mkdtempSync(join(tmpdir(), 'attune-roundtrip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The same bytes as every kind of source at.load takes; views sit at odd offsets inside larger buffers. */
function sources(bytes: Uint8Array, path: string): [string, () => at.ModelSource][] {
  return [
    ['path', () => path],
    ['Uint8Array', () => bytes],
    [
      'Uint8Array at offset 5',
      () => {
        const big = new Uint8Array(bytes.length + 16).fill(7);
        big.set(bytes, 5);
        return big.subarray(5, 5 + bytes.length);
      },
    ],
    ['Buffer from readFileSync', () => readFileSync(path)],
    ['Buffer at offset 3', () => Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(bytes)]).subarray(3)],
    ['ArrayBuffer', () => bytes.slice().buffer],
    ['Blob', () => new Blob([bytes.slice()])],
    ['Response', () => new Response(bytes.slice())],
  ];
}

describe('every model type round-trips through at.save and at.load', () => {
  for (const type of MODEL_TYPES) {
    it(`${type}: identical predictions from every kind of source`, { timeout: 120_000 }, async () => {
      const model = await makeModel(at, type);
      const want = await fingerprint(at, model);
      const path = join(dir, `${type}.safetensors`);
      const bytes = await at.save(model as at.nn.Module, path);
      expect(Array.from(readFileSync(path))).toEqual(Array.from(bytes));
      for (const [kind, source] of sources(bytes, path)) {
        const loaded = await at.load<unknown>(source());
        expect(loaded, kind).toBeInstanceOf((model as object).constructor);
        expect(await fingerprint(at, loaded), kind).toEqual(want);
      }
    });
  }

  it('a loaded model predicts the same in a fresh process', { timeout: 180_000 }, async () => {
    const want: Record<string, unknown> = {};
    for (const type of MODEL_TYPES) {
      const model = await makeModel(at, type);
      want[type] = await fingerprint(at, model);
      await at.save(model as at.nn.Module, join(dir, `fresh-${type}.safetensors`));
    }
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--import', './benchmarks/wgsl-loader.mjs', 'test/io/fresh-process.ts', dir],
      { encoding: 'utf8', timeout: 170_000 },
    );
    const got = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(got).sort()).toEqual([...MODEL_TYPES].sort());
    for (const type of MODEL_TYPES) expect(got[type], type).toEqual(JSON.parse(JSON.stringify(want[type])));
  });
});

describe('at.load refuses what it cannot load faithfully', () => {
  it('asks for a type: another type is a DataError before anything is built', async () => {
    const bpr = await makeModel(at, 'BPR');
    const bytes = await at.save(bpr as at.models.BPR);
    expect(await at.load(bytes, { as: at.models.BPR })).toBeInstanceOf(at.models.BPR);
    expect(await at.load(bytes, { as: at.models.Recommender })).toBeInstanceOf(at.models.BPR);
    await expect(at.load(bytes, { as: at.models.ChurnClassifier })).rejects.toThrow(
      /holds a BPR; expected a ChurnClassifier/,
    );
    const lin = await at.save(new at.nn.Linear(2, 2));
    await expect(at.load(lin, { as: at.models.KMeans })).rejects.toThrow(at.DataError);
  });

  it('a newer format version is a DataError that says to upgrade', async () => {
    const km = (await makeModel(at, 'KMeans')) as at.models.KMeans;
    const { tensors, metadata } = at.parseSafetensors(await at.save(km));
    const newer = at.encodeSafetensors(tensors, { ...metadata, 'attune.version': '2' });
    await expect(at.load(newer)).rejects.toThrow(/format version 2, newer than this attune reads \(1\); upgrade/);
    const junk = at.encodeSafetensors(tensors, { ...metadata, 'attune.version': 'x' });
    await expect(at.load(junk)).rejects.toThrow(at.DataError);
  });

  it('a truncated or corrupted file is a DataError, for every model type', { timeout: 120_000 }, async () => {
    for (const type of MODEL_TYPES) {
      const bytes = await at.save((await makeModel(at, type)) as at.nn.Module);
      for (const cut of [0, 7, 9, Math.floor(bytes.length / 2), bytes.length - 1])
        await expect(at.load(bytes.subarray(0, cut)), `${type} cut at ${cut}`).rejects.toThrow(at.DataError);
      // A shape that disagrees with the config: the header still parses, the model check refuses it.
      const { tensors, metadata } = at.parseSafetensors(bytes);
      const [name, t] = Object.entries(tensors).find(([, t]) => t.data.length > 1)!;
      const cutTensors = { ...tensors, [name]: { ...t, shape: [t.data.length - 1], data: t.data.subarray(1) } };
      await expect(at.load(at.encodeSafetensors(cutTensors, metadata)), type).rejects.toThrow(at.AttuneError);
    }
  });

  it('non-models and bad sources get clear errors', async () => {
    await expect(at.save({} as at.nn.Module)).rejects.toThrow(/expected an nn Module or an attune model/);
    await expect(at.save(new at.models.BPR() as unknown as at.nn.Module)).rejects.toThrow(/not fitted/);
    await expect(at.load(42 as unknown as string)).rejects.toThrow(/source must be a path/);
    await expect(at.load(new Response('nope', { status: 404 }))).rejects.toThrow(/status 404/);
  });
});

describe('F16 and BF16 tensors load as float32', () => {
  /** A hand-built file with one 16-bit tensor of the given words. */
  function file(dtype: string, words: number[]): Uint8Array {
    const h = new TextEncoder().encode(
      JSON.stringify({ w: { dtype, shape: [words.length], data_offsets: [0, words.length * 2] } }),
    );
    const out = new Uint8Array(8 + h.length + words.length * 2);
    const v = new DataView(out.buffer);
    v.setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    words.forEach((w, i) => v.setUint16(8 + h.length + 2 * i, w, true));
    return out;
  }

  it('decodes half precision: normals, subnormals, signed zero, infinities and NaN', () => {
    // 1, -2, 0.5, 65504 (max), 2^-24 (smallest subnormal), -0, +inf, -inf, NaN, 1/3 rounded
    const t = at.parseSafetensors(
      file('F16', [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555]),
    ).tensors.w!;
    expect(t.dtype).toBe('float32');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([
      1,
      -2,
      0.5,
      65504,
      2 ** -24,
      -0,
      Infinity,
      -Infinity,
      Number.NaN,
      0.333251953125,
    ]);
  });

  it('decodes bfloat16 as the top half of a float32', () => {
    // 1, -2, pi rounded to bf16 (0x4049 -> 3.140625), 1e-38-ish subnormal, +inf, NaN
    const t = at.parseSafetensors(file('BF16', [0x3f80, 0xc000, 0x4049, 0x0001, 0x7f80, 0x7fc0])).tensors.w!;
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.data)).toEqual([1, -2, 3.140625, 2 ** -133, Infinity, Number.NaN]);
  });

  it('a BF16 Linear weight loads into a module as float32', async () => {
    const lin = new at.nn.Linear(2, 1, { bias: false });
    const words = [0x3f80, 0xc000]; // [1, -2]
    const h = new TextEncoder().encode(
      JSON.stringify({ weight: { dtype: 'BF16', shape: [1, 2], data_offsets: [0, 4] } }),
    );
    const bytes = new Uint8Array(8 + h.length + 4);
    const v = new DataView(bytes.buffer);
    v.setBigUint64(0, BigInt(h.length), true);
    bytes.set(h, 8);
    words.forEach((w, i) => v.setUint16(8 + h.length + 2 * i, w, true));
    await at.load(bytes, { into: lin });
    expect(Array.from(await lin.weight.data())).toEqual([1, -2]);
  });
});
