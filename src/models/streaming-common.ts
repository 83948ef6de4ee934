import { ValueError, fmtValue } from '../core/errors.js';
import type { FitControl } from '../core/fit-control.js';
import type { Rng } from '../core/random.js';
import { type Id, IdMap } from '../data/idmap.js';
import type { InteractionColumns } from '../data/interactions-types.js';

/**
 * Chunks of interaction rows, read afresh for every pass: a function returning a new async
 * iterable each call, e.g. `() => at.data.readInteractionsParquetStream('ratings.parquet', {value: 'rating'})`
 * or `() => at.data.readInteractionsCsvStream('ratings.csv', {value: 'rating'})`.
 */
export type InteractionChunks = () => AsyncIterable<InteractionColumns> | Iterable<InteractionColumns>;

/** What the first streaming pass learns: the id maps and the value statistics. */
export interface ChunkScan {
  users: IdMap;
  items: IdMap;
  /** Rows over all chunks. */
  rows: number;
  chunks: number;
  /** Sum, least and greatest of the values (float32, as Interactions holds them; 1 without values). */
  sum: number;
  lo: number;
  hi: number;
  /** Rows per item index. */
  itemCounts: Float32Array;
  /** Rows per user index (0 for a supplied map's users the chunks never name). */
  userCounts: Float32Array;
}

/**
 * Pass 0 of a streaming fit: builds the user and item id maps in one pass over the chunks (or,
 * with `maps`, checks every id against them: an id outside them is a ValueError naming it), and
 * the value statistics. Memory: the maps and one chunk.
 */
export async function scanChunks(
  op: string,
  chunks: InteractionChunks,
  maps: { users: IdMap; items: IdMap } | undefined,
  control: FitControl,
): Promise<ChunkScan> {
  const users = maps?.users ?? new IdMap();
  const items = maps?.items ?? new IdMap();
  const counts: number[] = [];
  const userCounts: number[] = [];
  let rows = 0;
  let sum = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let index = 0;
  for await (const c of chunks()) {
    const m = checkChunk(op, c, index);
    for (let r = 0; r < m; r++) {
      const i = encodeId(op, items, c.items[r]!, 'item', maps !== undefined, index, r);
      const u = encodeId(op, users, c.users[r]!, 'user', maps !== undefined, index, r);
      counts[i] = (counts[i] ?? 0) + 1;
      userCounts[u] = (userCounts[u] ?? 0) + 1;
      const v = Math.fround(c.values ? c.values[r]! : 1);
      if (!Number.isFinite(v)) throw new ValueError(`${op}: chunk ${index} row ${r} has value ${fmtValue(v)}`);
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    rows += m;
    index++;
    control.throwIfAborted();
  }
  if (rows === 0) throw new ValueError(`${op}: the chunks hold no rows; there is nothing to fit`);
  const itemCounts = Float32Array.from({ length: items.size }, (_, i) => counts[i] ?? 0);
  const perUser = Float32Array.from({ length: users.size }, (_, u) => userCounts[u] ?? 0);
  return { users, items, rows, chunks: index, sum, lo, hi, itemCounts, userCounts: perUser };
}

/**
 * A chunk's rows as indices of the (frozen) maps, in a seeded random order: users, items and
 * values (1 without values). An id outside the maps (a chunk that changed between passes) is a
 * ValueError naming the chunk, row and id.
 */
export function encodeChunk(
  op: string,
  c: InteractionColumns,
  index: number,
  maps: { users: IdMap; items: IdMap },
  rng: Rng,
): { users: Int32Array; items: Int32Array; values: Float32Array } {
  const m = checkChunk(op, c, index);
  const perm = rng.permutation(m);
  const users = new Int32Array(m);
  const items = new Int32Array(m);
  const values = new Float32Array(m);
  for (let j = 0; j < m; j++) {
    const r = perm[j]!;
    users[j] = encodeId(op, maps.users, c.users[r]!, 'user', true, index, r);
    items[j] = encodeId(op, maps.items, c.items[r]!, 'item', true, index, r);
    values[j] = c.values ? c.values[r]! : 1;
  }
  return { users, items, values };
}

/** Checks a chunk's shape; returns its row count. */
export function checkChunk(op: string, c: InteractionColumns, index: number): number {
  if (c === null || typeof c !== 'object' || c.users === undefined || c.items === undefined)
    throw new ValueError(`${op}: chunk ${index} must be {users, items, values?}; got ${fmtValue(c)}`);
  const m = c.users.length;
  if (c.items.length !== m || (c.values !== undefined && c.values.length !== m))
    throw new ValueError(
      `${op}: chunk ${index} has ${m} users but ${c.items.length} items${c.values ? ` and ${c.values.length} values` : ''}`,
    );
  return m;
}

function encodeId(
  op: string,
  map: IdMap,
  id: Id,
  kind: 'user' | 'item',
  known: boolean,
  chunk: number,
  row: number,
): number {
  if (typeof id !== 'string' && (typeof id !== 'number' || Number.isNaN(id)))
    throw new ValueError(
      `${op}: chunk ${chunk} row ${row}: the ${kind} id ${fmtValue(id)} (${typeof id}) must be a string or a number`,
    );
  if (!known) return map.add(id);
  const i = map.get(id);
  if (i === undefined)
    throw new ValueError(
      `${op}: chunk ${chunk} row ${row}: unknown ${kind} id ${fmtValue(id)} (${typeof id}); it is not in the ${kind} map (supplied maps are frozen; the data changed between passes otherwise)`,
    );
  return i;
}
