import type { Id, IdMap } from './idmap.js';

// The public shapes around Interactions: its input columns and options, its encoded fields and
// its grouped views. Kept apart so the builders in interactions-build.ts can name them too.

/**
 * What {@link Interactions.fromArrays} does with a (user, item) pair that occurs on more than
 * one row:
 * - `'error'` (the default): throw a DataError naming the pairs and their rows, because most
 *   models assume one observation per pair and silent merging hides data bugs;
 * - `'sum'`: one row whose value is the sum (purchase counts, play counts);
 * - `'mean'`: one row whose value is the mean (repeated ratings);
 * - `'last'`: keep the latest row: greatest time, ties and missing times broken by input order;
 * - `'keep'`: keep every row (event logs for sequence models).
 *
 * When rows merge (`sum`, `mean`), the merged row takes the latest time and sits where the
 * pair first occurred.
 */
export type DuplicatePolicy = 'error' | 'sum' | 'mean' | 'last' | 'keep';

/** Raw columns with external ids, one entry per row. */
export interface InteractionColumns {
  /** External user id of each row. */
  users: ArrayLike<Id>;
  /** External item id of each row. */
  items: ArrayLike<Id>;
  /** Ratings, counts or weights; every row gets 1 (implicit feedback) when omitted. */
  values?: ArrayLike<number>;
  /** Event times in any consistent numeric unit (unix seconds, ms). */
  times?: ArrayLike<number>;
}

/** Options for {@link Interactions.fromArrays}. */
export interface FromArraysOptions {
  /** See {@link DuplicatePolicy}; default `'error'`. */
  duplicates?: DuplicatePolicy;
  /** Existing user map to encode against (for example the training map). It is copied, not changed. */
  userIds?: IdMap;
  /** Existing item map to encode against. It is copied, not changed. */
  itemIds?: IdMap;
  /** `'add'` (default) gives ids missing from `userIds`/`itemIds` new indices; `'error'` refuses them. */
  unknownIds?: 'add' | 'error';
  /** How errors name row r; loaders pass one that names file lines. Default `row r`. */
  describeRow?: (row: number) => string;
}

/** The fields of an {@link Interactions}, already encoded as dense indices. */
export interface InteractionsInit {
  /** Dense user indices, each in [0, userIds.size). */
  users: Int32Array;
  /** Dense item indices, each in [0, itemIds.size). */
  items: Int32Array;
  /** One finite value per row. */
  values: Float32Array;
  /** Optional finite time per row. */
  times?: Float64Array | undefined;
  /** The user map the indices refer to. */
  userIds: IdMap;
  /** The item map the indices refer to. */
  itemIds: IdMap;
}

/**
 * Rows grouped by user, CSR style: user u's rows are positions offsets[u]..offsets[u+1]-1 of
 * `rows`, `items`, `values` (and `times`), ordered by time when times exist, else by input order.
 */
export interface UserGroups {
  /** numUsers + 1 offsets; a user with no rows has an empty range. */
  offsets: Int32Array;
  /** Source row of each grouped entry. */
  rows: Int32Array;
  /** Item index of each grouped entry. */
  items: Int32Array;
  /** Value of each grouped entry. */
  values: Float32Array;
  /** Time of each grouped entry, when the data have times. */
  times?: Float64Array | undefined;
}

/** Rows grouped by item, CSR style; the mirror of {@link UserGroups}. */
export interface ItemGroups {
  /** numItems + 1 offsets. */
  offsets: Int32Array;
  /** Source row of each grouped entry. */
  rows: Int32Array;
  /** User index of each grouped entry. */
  users: Int32Array;
  /** Value of each grouped entry. */
  values: Float32Array;
  /** Time of each grouped entry, when the data have times. */
  times?: Float64Array | undefined;
}
