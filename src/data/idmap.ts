import { ValueError, fmtValue } from '../core/errors.js';

/** An external id as it appears in the source data: a user id, an item id, a SKU. */
export type Id = string | number;

/** The JSON form of an {@link IdMap}: the ids in index order, types kept. */
export interface IdMapJSON {
  /** ids[i] is the id with index i. */
  ids: Id[];
}

/**
 * A two-way map between arbitrary external ids and dense indices 0..size-1, which models use as
 * embedding rows. Indices are handed out in first-seen order. Strings and numbers are distinct
 * ids: `'7'` and `7` get different indices, so ids read from text stay strings unless a loader
 * parses them as numbers.
 */
export class IdMap {
  private readonly toIndex = new Map<Id, number>();
  private readonly toId: Id[] = [];

  /** Builds a map from ids in order; repeated ids keep their first index. */
  static from(ids: Iterable<Id>): IdMap {
    const map = new IdMap();
    for (const id of ids) map.add(id);
    return map;
  }

  /** Rebuilds a map saved with {@link IdMap.toJSON}; refuses repeated or non-id entries. */
  static fromJSON(json: IdMapJSON): IdMap {
    if (json === null || typeof json !== 'object' || !Array.isArray(json.ids)) {
      throw new ValueError(
        `IdMap.fromJSON: expected an object {ids: (string|number)[]}; got ${JSON.stringify(json)?.slice(0, 80)}`,
      );
    }
    const map = new IdMap();
    json.ids.forEach((id, i) => {
      if (typeof id !== 'string' && typeof id !== 'number') {
        throw new ValueError(`IdMap.fromJSON: ids[${i}] must be a string or number; got ${typeof id}`);
      }
      if (map.has(id)) throw new ValueError(`IdMap.fromJSON: ids[${i}] repeats id ${fmtValue(id)}`);
      map.add(id);
    });
    return map;
  }

  /** Number of distinct ids. */
  get size(): number {
    return this.toId.length;
  }

  /** Whether `id` has an index. */
  has(id: Id): boolean {
    return this.toIndex.has(id);
  }

  /** The index of `id`, adding it at the end when it is new. */
  add(id: Id): number {
    let index = this.toIndex.get(id);
    if (index === undefined) {
      if (typeof id === 'number' && Number.isNaN(id)) throw new ValueError('IdMap.add: id must not be NaN');
      index = this.toId.length;
      this.toIndex.set(id, index);
      this.toId.push(id);
    }
    return index;
  }

  /** The index of `id`, or undefined when it is unknown. */
  get(id: Id): number | undefined {
    return this.toIndex.get(id);
  }

  /** The index of `id`; throws a ValueError naming the id when it is unknown. */
  index(id: Id): number {
    const index = this.toIndex.get(id);
    if (index === undefined) {
      throw new ValueError(`IdMap.index: unknown id ${fmtValue(id)} (${typeof id}); the map holds ${this.size} ids`);
    }
    return index;
  }

  /** The id at `index`; throws a ValueError when `index` is not in [0, size). */
  id(index: number): Id {
    if (!Number.isInteger(index) || index < 0 || index >= this.toId.length) {
      throw new ValueError(`IdMap.id: index must be an integer in [0, ${this.toId.length}); got ${fmtValue(index)}`);
    }
    return this.toId[index]!;
  }

  /** All ids in index order (a copy). */
  ids(): Id[] {
    return this.toId.slice();
  }

  /** A copy that can grow independently of this map. */
  clone(): IdMap {
    return IdMap.from(this.toId);
  }

  /** The JSON form, for saving alongside model weights. */
  toJSON(): IdMapJSON {
    return { ids: this.toId.slice() };
  }
}
