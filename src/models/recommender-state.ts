import { DataError } from '../core/errors.js';
import type { IdMapJSON } from '../data/idmap.js';

// The saved form of a recommender: JSON for the kind, config, id maps and scalars, named arrays
// for the rest (see Recommender.toJSON / allArrays and persist.ts).

/** Saved form of a model besides its tensors: see `Recommender.toJSON`. */
export interface RecommenderJSON {
  kind: string;
  config: Record<string, unknown>;
  userIds: IdMapJSON;
  itemIds: IdMapJSON;
  /** Scalars (global mean, rating range) that are not worth a tensor. */
  scalars: Record<string, number>;
}

/** A named array with its shape, the unit of `Recommender.stateDict`. */
export interface StateArray {
  data: Float32Array | Int32Array;
  shape: number[];
}

/** The array `name` of a saved state; a DataError names it when the state lacks it. */
export function need(arrays: Record<string, StateArray>, name: string, kind: string): StateArray {
  const a = arrays[name];
  if (!a) throw new DataError(`${kind}: the saved state has no array '${name}'`);
  return a;
}
