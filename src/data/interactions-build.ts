import { DataError, ValueError, fmtValue } from '../core/errors.js';
import type { Id, IdMap } from './idmap.js';
import type { DuplicatePolicy, InteractionsInit } from './interactions-types.js';

// How Interactions is built: id encoding, column checks, row grouping and duplicate merging.

export function encode(
  kind: string,
  id: Id | undefined,
  map: IdMap,
  strict: boolean,
  describe: (r: number) => string,
  r: number,
): number {
  if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) {
    if (strict && !map.has(id))
      throw new DataError(`Interactions.fromArrays: ${describe(r)}: unknown ${kind} id ${fmtValue(id)}`);
    return map.add(id);
  }
  throw new DataError(
    `Interactions.fromArrays: ${describe(r)}: ${kind} id must be a string or a finite number; got ${fmtValue(id)}`,
  );
}

export function checkIndices(name: string, col: Int32Array, size: number): void {
  for (let r = 0; r < col.length; r++) {
    const x = col[r]!;
    if (x < 0 || x >= size)
      throw new ValueError(`Interactions: ${name}[${r}] = ${x} is outside the id map's [0, ${size})`);
  }
}

export function checkFinite(
  name: string,
  col: ArrayLike<number>,
  describe: (r: number) => string,
  op = 'Interactions',
): void {
  for (let r = 0; r < col.length; r++) {
    const x = col[r];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new DataError(`${op}: ${describe(r)}: ${name} must be a finite number; got ${fmtValue(x)}`);
    }
  }
}

export function gather<T extends Int32Array | Float32Array | Float64Array>(src: T, rows: Int32Array): T {
  const out = new (src.constructor as new (n: number) => T)(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = src[rows[j]!]!;
  return out;
}

/** Stable counting sort of rows by key, after a stable sort by time so each group is time-ordered. */
export function groupRows(
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

export function mergeDuplicates(
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
