import { DataError, fmtValue } from '../core/errors.js';
import type { Id } from '../data/idmap.js';
import { Interactions } from '../data/interactions.js';

/** One event of an anonymous session: which session, which item, when. */
export interface SessionRow {
  session: Id;
  item: Id;
  /** Any increasing unit (unix seconds, ms, a counter); orders the events of a session. */
  time: number;
}

/**
 * `{session, item, time}` rows as Interactions with sessions in the user column and the times
 * kept (so `byUser` gives each session's events in time order). `duplicates` as in
 * Interactions.fromArrays: 'last' for co-occurrence (ItemKNN), 'keep' for sequences, where a
 * second view of an item is an event of its own. A DataError names the first bad row.
 */
export function sessionInteractions(
  op: string,
  rows: readonly SessionRow[],
  duplicates: 'last' | 'keep',
): Interactions {
  if (!Array.isArray(rows) || rows.length === 0)
    throw new DataError(`${op}: expected a non-empty array of {session, item, time} rows`);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (
      row === null ||
      typeof row !== 'object' ||
      row.session == null ||
      row.item == null ||
      !Number.isFinite(row.time)
    )
      throw new DataError(`${op}: row ${r} must be {session, item, time} with a finite time; got ${fmtValue(row)}`);
  }
  return Interactions.fromArrays(
    { users: rows.map((r) => r.session), items: rows.map((r) => r.item), times: rows.map((r) => r.time) },
    { duplicates },
  );
}
