import { DataError, ShapeError, ValueError, fmtValue } from '../core/errors.js';
import { IdMap } from './idmap.js';
import { checkFinite, checkIndices, encode, gather, groupRows, mergeDuplicates } from './interactions-build.js';
import type {
  FromArraysOptions,
  InteractionColumns,
  InteractionsInit,
  ItemGroups,
  UserGroups,
} from './interactions-types.js';

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
        `Interactions.fromArrays: duplicates must be 'error', 'sum', 'mean', 'last' or 'keep'; got ${fmtValue(policy)}`,
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
        throw new ValueError(`Interactions.subset: indices[${j}] must be an integer in [0, ${n}); got ${fmtValue(r)}`);
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
      throw new ValueError(
        `Interactions.seen: user must be an integer in [0, ${this.numUsers}); got ${fmtValue(user)}`,
      );
    }
    const g = this.byUser();
    return g.items.subarray(g.offsets[user]!, g.offsets[user + 1]!);
  }
}
