import { DataError, ValueError, fmtValue } from '../../core/errors.js';
import { IdMap, type Id } from '../../data/idmap.js';
import { Interactions } from '../../data/interactions.js';
import type { Rng } from '../../core/random.js';

/** One customer's events, oldest first: item ids, or item ids with an action per event. */
export type EventSequence = readonly Id[] | { items: readonly Id[]; actions?: readonly (string | number)[] };

/** A sequence as dense indices: items 0..numItems-1, actions 0..actions-1 (or null). */
export interface EncodedEvents {
  items: Int32Array;
  actions: Int32Array | null;
}

/** A right-padded batch: item rows shifted by one (row 0 = padding), lengths per sequence. */
export interface PaddedBatch {
  items: Int32Array;
  actions: Int32Array | null;
  lengths: Int32Array;
}

/**
 * Turns external ids and action names into the dense indices the model embeds, and back.
 * Items are plain indices 0..numItems-1 until an id map is set (by `itemIds` or by fitting
 * Interactions); from then on only ids in the map are known.
 */
export class EventCodec {
  private idMap: IdMap | null = null;

  constructor(
    readonly numItems: number,
    readonly actionNames: readonly string[],
  ) {}

  get itemIds(): IdMap | null {
    return this.idMap;
  }

  /** Items that can be recommended: the mapped ids, or every index. */
  get knownItems(): number {
    return this.idMap ? this.idMap.size : this.numItems;
  }

  setItemIds(ids: readonly Id[] | IdMap): void {
    const map = ids instanceof IdMap ? ids.clone() : IdMap.fromJSON({ ids: [...ids] });
    if (map.size > this.numItems)
      throw new ValueError(`NextItemModel: itemIds holds ${map.size} ids but numItems is ${this.numItems}`);
    this.idMap = map;
  }

  /**
   * The dense index of item `id`. `where` names the event (e.g. "sequences[3][2]") in the error;
   * `Err` is DataError for training and evaluation data, ValueError (default) for an argument.
   */
  itemIndex(op: string, id: Id, where?: string, Err: typeof ValueError = ValueError): number {
    const at = where ? `${where} is ` : '';
    if (this.idMap) {
      const i = this.idMap.get(id);
      if (i === undefined)
        throw new Err(`${op}: ${at}unknown item id ${fmtValue(id)}; the model knows ${this.idMap.size} item ids`);
      return i;
    }
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= this.numItems) {
      throw new Err(
        `${op}: ${at}unknown item ${fmtValue(id)}; items are integer indices in [0, ${this.numItems}) (or pass itemIds)`,
      );
    }
    return id;
  }

  itemId(i: number): Id {
    return this.idMap ? this.idMap.id(i) : i;
  }

  actionIndex(op: string, a: string | number, where?: string, Err: typeof ValueError = ValueError): number {
    const i = typeof a === 'number' ? a : this.actionNames.indexOf(a);
    if (!Number.isInteger(i) || i < 0 || i >= this.actionNames.length) {
      throw new Err(
        `${op}: ${where ? `${where} is ` : ''}unknown action ${fmtValue(a)}; known actions: ${fmtValue(this.actionNames)}`,
      );
    }
    return i;
  }

  /**
   * One sequence as dense indices. `where` names it in errors ("history", "sequences[3]"), down
   * to the event ("sequences[3][2]"); `Err` is DataError for training and evaluation data and
   * ValueError (default) for a history given as an argument.
   */
  encode(op: string, seq: EventSequence, where: string, Err: typeof ValueError = ValueError): EncodedEvents {
    if (seq === null || typeof seq !== 'object')
      throw new Err(`${op}: ${where} must be an array of item ids or {items, actions}; got ${fmtValue(seq)}`);
    const isObj = !Array.isArray(seq) && 'items' in seq;
    const ids = isObj ? (seq as { items: readonly Id[] }).items : (seq as readonly Id[]);
    const acts = isObj ? (seq as { actions?: readonly (string | number)[] }).actions : undefined;
    if (!ids || typeof ids.length !== 'number') throw new Err(`${op}: ${where}.items must be an array of item ids`);
    const items = new Int32Array(ids.length);
    const at = isObj ? `${where}.items` : where;
    for (let i = 0; i < ids.length; i++) items[i] = this.itemIndex(op, ids[i]!, `${at}[${i}]`, Err);
    let actions: Int32Array | null = null;
    if (acts !== undefined) {
      if (!this.actionNames.length)
        throw new Err(`${op}: ${where} has actions but the model was built without actions (pass actions: [...names])`);
      if (acts.length !== ids.length)
        throw new Err(`${op}: ${where} has ${ids.length} items but ${acts.length} actions`);
      actions = new Int32Array(acts.length);
      for (let i = 0; i < acts.length; i++) actions[i] = this.actionIndex(op, acts[i]!, `${where}.actions[${i}]`, Err);
    }
    return { items, actions };
  }

  /**
   * Sequences from an array of event sequences or time-ordered Interactions (one per user). Bad
   * data is a DataError naming the sequence and event (e.g. "sequences[3][2] is unknown item 99").
   */
  sequencesOf(op: string, data: readonly EventSequence[] | Interactions): EncodedEvents[] {
    if (data instanceof Interactions) {
      if (data.users.length === 0) throw new DataError(`${op}: the interactions are empty`);
      if (!data.times)
        throw new DataError(
          `${op}: the interactions have no times, so there is no order to learn (build them with times)`,
        );
      const g = data.byUser();
      if (!this.idMap) this.setItemIds(data.itemIds);
      const ext = data.itemIds;
      const out: EncodedEvents[] = [];
      for (let u = 0; u + 1 < g.offsets.length; u++) {
        const lo = g.offsets[u]!,
          hi = g.offsets[u + 1]!;
        const items = new Int32Array(hi - lo);
        for (let r = lo; r < hi; r++)
          items[r - lo] = this.itemIndex(
            op,
            ext.id(g.items[r]!),
            `the item of user ${fmtValue(data.userIds.id(u))}`,
            DataError,
          );
        out.push({ items, actions: null });
      }
      return out;
    }
    if (!Array.isArray(data))
      throw new ValueError(`${op}: data must be an array of event sequences or an Interactions`);
    if (data.length === 0) throw new DataError(`${op}: got no sequences`);
    return data.map((s, i) => this.encode(op, s, `sequences[${i}]`, DataError));
  }
}

/**
 * Pads sequences on the right into one [B, T] batch, keeping each one's most recent T events;
 * item (and action) indices are shifted by one so that row 0 is padding. Positions count from
 * the oldest kept event, in training and in inference alike, so a batch is only as long as its
 * longest sequence (no padding beyond it) and every event keeps the position it was trained at.
 */
export function padRight(seqs: readonly EncodedEvents[], T: number, withActions: boolean): PaddedBatch {
  const B = seqs.length;
  const items = new Int32Array(B * T);
  const actions = withActions ? new Int32Array(B * T) : null;
  const lengths = new Int32Array(B);
  seqs.forEach((s, b) => {
    const n = Math.min(s.items.length, T);
    const off = s.items.length - n;
    lengths[b] = n;
    for (let t = 0; t < n; t++) {
      items[b * T + t] = s.items[off + t]! + 1;
      if (actions && s.actions) actions[b * T + t] = s.actions[off + t]! + 1;
    }
  });
  return { items, actions, lengths };
}

/**
 * Training windows of up to maxLen + 1 events (maxLen inputs, each with the event after it),
 * cut from the end of each sequence so the most recent events are always a window's tail.
 * Sequences with fewer than two events have no next event and give no window.
 */
export function trainingWindows(seqs: readonly EncodedEvents[], maxLen: number): EncodedEvents[] {
  const out: EncodedEvents[] = [];
  const W = maxLen + 1;
  for (const s of seqs) {
    for (let end = s.items.length; end >= 2; end -= maxLen) {
      const start = Math.max(0, end - W);
      out.push({ items: s.items.subarray(start, end), actions: s.actions ? s.actions.subarray(start, end) : null });
      if (start === 0) break;
    }
  }
  return out;
}

/**
 * One epoch's batches of training windows: the windows shuffled, then sorted by length within
 * runs of 32 batches (so each batch is padded only to its own longest window), cut into batches
 * of `batchSize` and the batches shuffled. `windows` is not changed.
 */
export function shuffledBatches(
  windows: readonly EncodedEvents[],
  batchSize: number,
  shuffler: Rng,
): EncodedEvents[][] {
  const order = shuffler.shuffle(windows.slice());
  const run = 32 * batchSize;
  for (let i = 0; i < order.length; i += run) {
    const part = order.slice(i, i + run).sort((a, b) => a.items.length - b.items.length);
    order.splice(i, part.length, ...part);
  }
  const out: EncodedEvents[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return shuffler.shuffle(out);
}
