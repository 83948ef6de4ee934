import { DataError, fmtValue } from '../core/errors.js';
import { IdMap } from '../data/idmap.js';
import { type ModelClass, checkCsr, configObject, fileTensor, registerModelType } from '../io/models.js';
import { decodeModelFile, encodeModelState, loadModelFile } from '../io/index.js';
import type { RawTensor } from '../io/safetensors.js';
import { Recommender } from './recommender.js';
import type { RecommenderJSON, StateArray } from './recommender-state.js';

/**
 * Recommenders in `at.save` / `at.load` files: the model's JSON (kind, hyper-parameters, id maps,
 * scalars) is the config, `allArrays()` the tensors. Each model registers itself with
 * {@link registerRecommender} at the bottom of its file, naming the arrays it stores, so a load
 * checks every array's dtype and shape against the id maps before building anything.
 */

/** The arrays a recommender kind stores beyond the common ones, by name: dtype and shape. */
export type ArraySpec = Record<string, { dtype: 'float32' | 'int32'; shape: (number | null)[] }>;

/** What the common arrays (seen items per user, item counts) must look like. */
function commonSpec(users: number, items: number): ArraySpec {
  return {
    'seen.offsets': { dtype: 'int32', shape: [users + 1] },
    'seen.items': { dtype: 'int32', shape: [null] },
    itemCounts: { dtype: 'float32', shape: [items] },
  };
}

/** The factor tables of FactorModel subclasses: k is read from the user table. */
export function factorSpec(users: number, items: number, tensors: Record<string, RawTensor>): ArraySpec {
  const k = Object.hasOwn(tensors, 'userFactors') ? (tensors.userFactors!.shape[1] ?? 0) : 0;
  return {
    userFactors: { dtype: 'float32', shape: [users, k] },
    itemFactors: { dtype: 'float32', shape: [items, k] },
    userBias: { dtype: 'float32', shape: [users] },
    itemBias: { dtype: 'float32', shape: [items] },
  };
}

/**
 * Registers a recommender class for `at.load`: `make` builds an unfitted model from the saved
 * hyper-parameters, `arrays` names what its file must hold beyond the common arrays.
 */
export function registerRecommender<T extends Recommender>(
  kind: string,
  cls: ModelClass<T>,
  make: (config: Record<string, unknown>) => T,
  arrays: (users: number, items: number, tensors: Record<string, RawTensor>) => ArraySpec = () => ({}),
): void {
  registerModelType(kind, {
    cls,
    load(config, tensors) {
      const op = `load ${kind}`;
      const json = configObject(op, 'attune.config', config) as unknown as RecommenderJSON;
      if (json.kind !== kind) throw new DataError(`${op}: the config names kind ${fmtValue(json.kind)}`);
      const options = { ...configObject(op, 'attune.config.config', json.config) };
      const scalars = configObject(op, 'attune.config.scalars', json.scalars);
      for (const [name, v] of Object.entries(scalars))
        if (v !== null && typeof v !== 'number')
          throw new DataError(`${op}: scalar '${name}' must be a number; got ${fmtValue(v)}`);
      const userIds = IdMap.fromJSON(json.userIds);
      const itemIds = IdMap.fromJSON(json.itemIds);
      const U = userIds.size;
      const I = itemIds.size;
      const spec = { ...commonSpec(U, I), ...arrays(U, I, tensors) };
      const extra = Object.keys(tensors).filter((n) => !Object.hasOwn(spec, n));
      if (extra.length) throw new DataError(`${op}: unexpected tensors ${fmtValue(extra)} for a ${kind}`);
      const state: Record<string, StateArray> = {};
      for (const [name, s] of Object.entries(spec))
        state[name] = fileTensor(op, tensors, name, s.dtype, s.shape) as StateArray;
      const seen = state['seen.items']!.data as Int32Array;
      checkCsr(op, 'seen', state['seen.offsets']!.data as Int32Array, U, seen, I);
      if (Object.hasOwn(state, 'neighbors.offsets')) {
        const items = state['neighbors.items']!.data as Int32Array;
        checkCsr(op, 'neighbors', state['neighbors.offsets']!.data as Int32Array, I, items, I);
        if (state['neighbors.similarity']!.data.length !== items.length)
          throw new DataError(`${op}: 'neighbors.similarity' must have one value per neighbor (${items.length})`);
      }
      // A loaded model serves on the CPU: its tables are host arrays; fit again for GPU scoring.
      if ('backend' in options) options.backend = 'cpu';
      return make(options).restore({ ...json, config: options }, state);
    },
  });
}

/** Serializes a fitted recommender to safetensors bytes; the same bytes `at.save(model)` writes. */
export function saveRecommender(model: Recommender): Uint8Array {
  return encodeModelState(model.saveState());
}

/**
 * Rebuilds a recommender from bytes written by {@link saveRecommender} or `at.save` (a Buffer or
 * any view works); synchronous, unlike `at.load`. Throws a DataError for a malformed file.
 */
export function loadRecommender(bytes: Uint8Array): Recommender {
  return loadModelFile(decodeModelFile('loadRecommender', bytes), Recommender);
}
