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
  /** HybridRecommender: each side's feature names (null where each row is its own feature). */
  features?: { user: VocabularyJSON | null; item: VocabularyJSON | null };
}

/** The saved feature names of one side of a hybrid model, in column order, and whether rows were normalized. */
export interface VocabularyJSON {
  names: (string | number)[];
  normalized: boolean;
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

/** Deep copies of saved arrays (a snapshot that later in-place updates cannot reach). */
export function copyArrays(arrays: Record<string, StateArray>): Record<string, StateArray> {
  const out: Record<string, StateArray> = {};
  for (const [name, a] of Object.entries(arrays)) out[name] = { data: a.data.slice(), shape: [...a.shape] };
  return out;
}

/** Per-user item lists as the sorted, deduplicated seen CSR, with each item's count of users. */
export function seenCsr(
  lists: readonly Iterable<number>[],
  numItems: number,
): { offsets: Int32Array; items: Int32Array; counts: Float32Array } {
  const offsets = new Int32Array(lists.length + 1);
  const items: number[] = [];
  const counts = new Float32Array(numItems);
  lists.forEach((list, u) => {
    for (const i of [...new Set(list)].sort((a, b) => a - b)) {
      items.push(i);
      counts[i]!++;
    }
    offsets[u + 1] = items.length;
  });
  return { offsets, items: Int32Array.from(items), counts };
}
