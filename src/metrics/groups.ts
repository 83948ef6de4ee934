import { ValueError } from '../core/errors.js';

/** A group label per row: any strings or numbers (gender, senior citizen 0/1, region). */
export type GroupLabels = ArrayLike<string | number | boolean>;

/** Each row's group as an index into `names` (first-seen order); at least 2 groups, none missing. */
export function groupIndex(op: string, group: GroupLabels): { ids: Int32Array; names: string[] } {
  const names: string[] = [];
  const index = new Map<string, number>();
  const ids = new Int32Array(group.length);
  for (let i = 0; i < group.length; i++) {
    const g = group[i];
    if (g === undefined || g === null || (typeof g === 'number' && !Number.isFinite(g)))
      throw new ValueError(`${op}: group[${i}] is missing; give every row a group (or a group named 'unknown')`);
    const key = String(g);
    let c = index.get(key);
    if (c === undefined) {
      index.set(key, (c = names.length));
      names.push(key);
    }
    ids[i] = c;
  }
  if (names.length < 2)
    throw new ValueError(`${op}: group holds only ${names.length} group; fairness compares at least 2`);
  return { ids, names };
}
