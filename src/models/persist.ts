import { DataError, ValueError } from '../core/errors.js';
import { BPR } from './bpr.js';
import { ImplicitALS } from './ials.js';
import { ItemKNN } from './itemknn.js';
import { BaselineOnly, MatrixFactorization } from './mf.js';
import { Popularity } from './popularity.js';
import type { Recommender } from './recommender.js';
import type { RecommenderJSON, StateArray } from './recommender-state.js';
import { SVDpp } from './svdpp.js';

/**
 * Saving recommenders as one safetensors file: the tensors of `allArrays()` (F32 and I32,
 * little-endian, row-major) plus the model's JSON (kind, hyper-parameters, id maps, scalars)
 * under the header's `__metadata__.attune` key, so any safetensors reader can open the weights.
 * The generic at.save/at.load for nn modules can take a model's `stateDict()` and `toJSON()`
 * the same way.
 */
const MAKERS: Record<string, (config: Record<string, unknown>) => Recommender> = {
  MatrixFactorization: (c) => new MatrixFactorization(c),
  BaselineOnly: (c) => new BaselineOnly(c),
  SVDpp: (c) => new SVDpp(c as object),
  BPR: (c) => new BPR(c),
  ImplicitALS: (c) => new ImplicitALS(c),
  ItemKNN: (c) => new ItemKNN(c),
  Popularity: () => new Popularity(),
};

/** Serializes a fitted recommender to safetensors bytes. */
export function saveRecommender(model: Recommender): Uint8Array {
  const json = JSON.stringify(model.toJSON());
  const arrays = model.allArrays();
  const header: Record<string, unknown> = { __metadata__: { attune: json } };
  let offset = 0;
  const names = Object.keys(arrays).sort();
  for (const name of names) {
    const a = arrays[name]!;
    const bytes = a.data.length * 4;
    header[name] = {
      dtype: a.data instanceof Int32Array ? 'I32' : 'F32',
      shape: a.shape,
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  let head = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (head.length % 8)) % 8;
  if (pad) head = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const name of names) {
    const d = arrays[name]!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

/** Rebuilds a recommender saved by {@link saveRecommender}; throws a DataError for a malformed file. */
export function loadRecommender(bytes: Uint8Array): Recommender {
  if (bytes.length < 8)
    throw new DataError(`loadRecommender: ${bytes.length} bytes is too short for a safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length)
    throw new DataError(
      `loadRecommender: the header claims ${n} bytes but the file has ${bytes.length - 8} after the length`,
    );
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & {
    __metadata__?: { attune?: string };
  };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new DataError(`loadRecommender: the safetensors header is not valid JSON (${(e as Error).message})`);
  }
  const meta = header.__metadata__?.attune;
  if (!meta)
    throw new DataError(
      'loadRecommender: the file has no attune model metadata (__metadata__.attune); was it saved by saveRecommender?',
    );
  const json = JSON.parse(meta) as RecommenderJSON;
  const make = MAKERS[json.kind];
  if (!make)
    throw new ValueError(
      `loadRecommender: unknown model kind ${JSON.stringify(json.kind)}; known: ${Object.keys(MAKERS).join(', ')}`,
    );
  const base = 8 + n;
  const arrays: Record<string, StateArray> = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const t2 = t as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const [lo, hi] = t2.data_offsets;
    if (base + hi > bytes.length || lo > hi)
      throw new DataError(`loadRecommender: tensor '${name}' lies outside the file`);
    // A fresh copy: a Node Buffer's slice is a view, and its `.buffer` starts at the pool's byte 0.
    const slice = new Uint8Array(hi - lo);
    slice.set(bytes.subarray(base + lo, base + hi));
    if (t2.dtype === 'F32') arrays[name] = { data: new Float32Array(slice.buffer), shape: t2.shape };
    else if (t2.dtype === 'I32') arrays[name] = { data: new Int32Array(slice.buffer), shape: t2.shape };
    else throw new DataError(`loadRecommender: tensor '${name}' has dtype ${t2.dtype}; expected F32 or I32`);
  }
  // A saved model serves on the CPU; fit again (or move the factors) for GPU scoring.
  const config = { ...json.config };
  if ('backend' in config) config.backend = 'cpu';
  return make(config).restore(json, arrays);
}
