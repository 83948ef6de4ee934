import { DataError, ShapeError, ValueError } from '../core/errors.js';
import { IdMap, type Id } from './idmap.js';

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

/**
 * A set of user-item interactions (ratings, purchases, clicks) in column form. `users` and
 * `items` hold dense indices into `userIds` and `itemIds`, so they can index embedding tables
 * directly. Instances are immutable by convention: helpers return new instances or cached views,
 * and subsets share the id maps, so indices mean the same thing in a train and a test split.
 */
export class Interactions {
  /** Dense user index of each row (into {@link Interactions.userIds}). */
  readonly users: Int32Array;
  /** Dense item index of each row (into {@link Interactions.itemIds}). */
  readonly items: Int32Array;
  /** Rating, count or weight of each row (1 for implicit feedback). */
  readonly values: Float32Array;
  /** Time of each row, when the source had times. */
  readonly times: Float64Array | undefined;
  /** External user ids by dense index. */
  readonly userIds: IdMap;
  /** External item ids by dense index. */
  readonly itemIds: IdMap;
  private userGroups: UserGroups | undefined;
  private itemGroups: ItemGroups | undefined;

  /**
   * Wraps already-encoded columns; checks lengths (ShapeError), index ranges (ValueError) and
   * finite values and times (DataError). An empty instance is allowed here (a split may be
   * empty); {@link Interactions.fromArrays} refuses empty input.
   */
  constructor(init: InteractionsInit) {
    const n = init.users.length;
    for (const [name, col] of [
      ['items', init.items],
      ['values', init.values],
      ['times', init.times],
    ] as const) {
      if (col !== undefined && col.length !== n) {
        throw new ShapeError(`Interactions: ${name} has length ${col.length} but users has ${n}`);
      }
    }
    checkIndices('users', init.users, init.userIds.size);
    checkIndices('items', init.items, init.itemIds.size);
    checkFinite('values', init.values, (r) => `row ${r}`);
    if (init.times) checkFinite('times', init.times, (r) => `row ${r}`);
    this.users = init.users;
    this.items = init.items;
    this.values = init.values;
    this.times = init.times;
    this.userIds = init.userIds;
    this.itemIds = init.itemIds;
  }

  /**
   * Encodes raw columns. Throws a DataError for empty input, a missing or non-finite value or
   * time (naming the row), a bad id, or a duplicate pair under the default policy; a ShapeError
   * when the columns differ in length.
   */
  static fromArrays(columns: InteractionColumns, options: FromArraysOptions = {}): Interactions {
    const { users, items, values, times } = columns;
    const describe = options.describeRow ?? ((r: number) => `row ${r}`);
    const n = users.length;
    for (const [name, col] of [
      ['items', items],
      ['values', values],
      ['times', times],
    ] as const) {
      if (col != null && col.length !== n) {
        throw new ShapeError(`Interactions.fromArrays: ${name} has length ${col.length} but users has ${n}`);
      }
    }
    if (n === 0) throw new DataError('Interactions.fromArrays: no interactions (empty input)');
    const policy = options.duplicates ?? 'error';
    if (!['error', 'sum', 'mean', 'last', 'keep'].includes(policy)) {
      throw new ValueError(
        `Interactions.fromArrays: duplicates must be 'error', 'sum', 'mean', 'last' or 'keep'; got ${String(policy)}`,
      );
    }
    const userIds = options.userIds ? options.userIds.clone() : new IdMap();
    const itemIds = options.itemIds ? options.itemIds.clone() : new IdMap();
    const strict = options.unknownIds === 'error';
    const u = new Int32Array(n);
    const it = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      u[r] = encode('user', users[r], userIds, strict && options.userIds !== undefined, describe, r);
      it[r] = encode('item', items[r], itemIds, strict && options.itemIds !== undefined, describe, r);
    }
    const v = new Float32Array(n);
    if (values != null) {
      checkFinite('value', values, describe, 'Interactions.fromArrays');
      v.set(values);
    } else v.fill(1);
    let t: Float64Array | undefined;
    if (times != null) {
      checkFinite('time', times, describe, 'Interactions.fromArrays');
      t = Float64Array.from(times);
    }
    const init = { users: u, items: it, values: v, times: t, userIds, itemIds };
    return new Interactions(policy === 'keep' ? init : mergeDuplicates(init, policy, describe));
  }

  /** Number of rows. */
  get length(): number {
    return this.users.length;
  }

  /** Number of known users (the user map's size; some may have no rows in a subset). */
  get numUsers(): number {
    return this.userIds.size;
  }

  /** Number of known items (the item map's size). */
  get numItems(): number {
    return this.itemIds.size;
  }

  /**
   * The rows at `indices`, in that order, sharing this instance's id maps. Throws a ValueError
   * for an index out of range. An empty `indices` gives an empty instance.
   */
  subset(indices: ArrayLike<number>): Interactions {
    const m = indices.length;
    const n = this.length;
    const users = new Int32Array(m);
    const items = new Int32Array(m);
    const values = new Float32Array(m);
    const times = this.times ? new Float64Array(m) : undefined;
    for (let j = 0; j < m; j++) {
      const r = indices[j]!;
      if (!Number.isInteger(r) || r < 0 || r >= n) {
        throw new ValueError(`Interactions.subset: indices[${j}] must be an integer in [0, ${n}); got ${r}`);
      }
      users[j] = this.users[r]!;
      items[j] = this.items[r]!;
      values[j] = this.values[r]!;
      if (times) times[j] = this.times![r]!;
    }
    return new Interactions({ users, items, values, times, userIds: this.userIds, itemIds: this.itemIds });
  }

  /** Rows grouped by user (computed once, then cached; treat the arrays as read-only). */
  byUser(): UserGroups {
    if (!this.userGroups) {
      const { offsets, rows } = groupRows(this.users, this.numUsers, this.times);
      this.userGroups = {
        offsets,
        rows,
        items: gather(this.items, rows),
        values: gather(this.values, rows),
        times: this.times && gather(this.times, rows),
      };
    }
    return this.userGroups;
  }

  /** Rows grouped by item (computed once, then cached; treat the arrays as read-only). */
  byItem(): ItemGroups {
    if (!this.itemGroups) {
      const { offsets, rows } = groupRows(this.items, this.numItems, this.times);
      this.itemGroups = {
        offsets,
        rows,
        users: gather(this.users, rows),
        values: gather(this.values, rows),
        times: this.times && gather(this.times, rows),
      };
    }
    return this.itemGroups;
  }

  /**
   * The items user `user` (a dense index) interacted with, in time order when times exist: a
   * read-only view into {@link Interactions.byUser}. Throws a ValueError for a bad index.
   */
  seen(user: number): Int32Array {
    if (!Number.isInteger(user) || user < 0 || user >= this.numUsers) {
      throw new ValueError(`Interactions.seen: user must be an integer in [0, ${this.numUsers}); got ${user}`);
    }
    const g = this.byUser();
    return g.items.subarray(g.offsets[user]!, g.offsets[user + 1]!);
  }
}

function encode(
  kind: string,
  id: Id | undefined,
  map: IdMap,
  strict: boolean,
  describe: (r: number) => string,
  r: number,
): number {
  if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) {
    if (strict && !map.has(id))
      throw new DataError(`Interactions.fromArrays: ${describe(r)}: unknown ${kind} id ${JSON.stringify(id)}`);
    return map.add(id);
  }
  throw new DataError(
    `Interactions.fromArrays: ${describe(r)}: ${kind} id must be a string or a finite number; got ${String(id)}`,
  );
}

function checkIndices(name: string, col: Int32Array, size: number): void {
  for (let r = 0; r < col.length; r++) {
    const x = col[r]!;
    if (x < 0 || x >= size)
      throw new ValueError(`Interactions: ${name}[${r}] = ${x} is outside the id map's [0, ${size})`);
  }
}

function checkFinite(name: string, col: ArrayLike<number>, describe: (r: number) => string, op = 'Interactions'): void {
  for (let r = 0; r < col.length; r++) {
    const x = col[r];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new DataError(`${op}: ${describe(r)}: ${name} must be a finite number; got ${String(x)}`);
    }
  }
}

function gather<T extends Int32Array | Float32Array | Float64Array>(src: T, rows: Int32Array): T {
  const out = new (src.constructor as new (n: number) => T)(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = src[rows[j]!]!;
  return out;
}

/** Stable counting sort of rows by key, after a stable sort by time so each group is time-ordered. */
function groupRows(
  keys: Int32Array,
  numKeys: number,
  times: Float64Array | undefined,
): { offsets: Int32Array; rows: Int32Array } {
  const n = keys.length;
  let order = new Int32Array(n);
  for (let r = 0; r < n; r++) order[r] = r;
  if (times) order = order.sort((a, b) => times[a]! - times[b]! || a - b);
  const offsets = new Int32Array(numKeys + 1);
  for (let r = 0; r < n; r++) offsets[keys[r]! + 1]!++;
  for (let k = 0; k < numKeys; k++) offsets[k + 1]! += offsets[k]!;
  const next = offsets.slice(0, numKeys);
  const rows = new Int32Array(n);
  for (const r of order) rows[next[keys[r]!]!++] = r;
  return { offsets, rows };
}

function mergeDuplicates(
  init: InteractionsInit,
  policy: Exclude<DuplicatePolicy, 'keep'>,
  describe: (r: number) => string,
): InteractionsInit {
  const { users, items, values, times, userIds, itemIds } = init;
  const n = users.length;
  const numItems = itemIds.size;
  const slotOf = new Map<number, number>();
  const firstRow = new Int32Array(n);
  const keepRow = new Int32Array(n);
  const sum = new Float64Array(n);
  const count = new Int32Array(n);
  const latest = new Float64Array(n);
  const dupes: string[] = [];
  let numDupes = 0;
  let slots = 0;
  for (let r = 0; r < n; r++) {
    const key = users[r]! * numItems + items[r]!;
    const s = slotOf.get(key);
    if (s === undefined) {
      slotOf.set(key, slots);
      firstRow[slots] = r;
      keepRow[slots] = r;
      sum[slots] = values[r]!;
      count[slots] = 1;
      latest[slots] = times ? times[r]! : 0;
      slots++;
      continue;
    }
    if (policy === 'error') {
      numDupes++;
      if (dupes.length < 10) {
        dupes.push(
          `(user ${JSON.stringify(userIds.id(users[r]!))}, item ${JSON.stringify(itemIds.id(items[r]!))}) at ${describe(firstRow[s]!)} and ${describe(r)}`,
        );
      }
      continue;
    }
    sum[s]! += values[r]!;
    count[s]!++;
    const t = times ? times[r]! : 0;
    if (t >= latest[s]!) {
      latest[s] = t;
      keepRow[s] = r;
    }
  }
  if (numDupes > 0) {
    const more = numDupes > dupes.length ? `\n  ... and ${numDupes - dupes.length} more` : '';
    throw new DataError(
      `Interactions.fromArrays: ${numDupes} duplicate (user, item) row(s); choose duplicates: 'sum', 'mean', 'last' or 'keep' to accept them:\n  ${dupes.join('\n  ')}${more}`,
    );
  }
  if (slots === n) return init;
  const out: InteractionsInit = {
    users: new Int32Array(slots),
    items: new Int32Array(slots),
    values: new Float32Array(slots),
    times: times ? new Float64Array(slots) : undefined,
    userIds,
    itemIds,
  };
  for (let s = 0; s < slots; s++) {
    const r = firstRow[s]!;
    out.users[s] = users[r]!;
    out.items[s] = items[r]!;
    if (policy === 'last') out.values[s] = values[keepRow[s]!]!;
    else out.values[s] = policy === 'sum' ? sum[s]! : sum[s]! / count[s]!;
    if (out.times) out.times[s] = latest[s]!;
  }
  return out;
}
