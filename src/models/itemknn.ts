import type { Interactions } from '../data/interactions.js';
import type { Id } from '../data/idmap.js';
import { ValueError, fmtValue } from '../core/errors.js';
import { FitControl } from '../core/fit-control.js';
import { Recommender, type FitOptions, type ScoredItem } from './recommender.js';
import { need, type StateArray } from './recommender-state.js';
import { checkNumber } from '../core/checks.js';
import { topKRow } from './topk.js';
import { registerRecommender } from './recommender-io.js';
import { type SessionRow, sessionInteractions } from './session-rows.js';

export interface ItemKNNOptions {
  /** Neighbours kept per item; default 100. */
  neighbors?: number;
  /** Shrinkage added to the cosine denominator, damping similarities built on few users; default 10. */
  shrink?: number;
}

export type { SessionRow } from './session-rows.js';

/** Options of {@link ItemKNN.recommendForSession}. */
export interface SessionRecommendOptions {
  /** How many items; default 10. */
  k?: number;
  /** Leave out the session's own items; default true. */
  excludeSeen?: boolean;
  /**
   * Weight of an event by how recent it is: the last event weighs 1, the one before `recency`,
   * then `recency²`... Default 1 (every event counts the same); 0.5 follows the latest views.
   */
  recency?: number;
  /** Only items for which this returns true may be recommended. */
  filter?: (item: Id) => boolean;
}

/** Items between FitControl checks in the co-occurrence pass. */
const ITEMS_PER_BATCH = 256;

/**
 * Item-based k-nearest-neighbours on binary implicit feedback ("customers who bought this also
 * bought"): sim(i, j) = |U(i) ∩ U(j)| / (sqrt(|U(i)|·|U(j)|) + shrink), keeping each item's top
 * `neighbors`. A user's score for item i is the sum of sim(j → i) over the items j they have
 * seen. Values are ignored and duplicate pairs count once. CPU; the co-occurrence pass costs
 * Σ_u |items(u)|².
 */
export class ItemKNN extends Recommender {
  readonly kind = 'ItemKNN';
  private readonly opts: Required<ItemKNNOptions>;
  private nbrOffsets: Int32Array = new Int32Array(1);
  private nbrItems: Int32Array = new Int32Array(0);
  private nbrSims: Float32Array = new Float32Array(0);

  constructor(options: ItemKNNOptions = {}) {
    super();
    this.opts = {
      neighbors: checkNumber('ItemKNN', 'neighbors', options.neighbors ?? 100, { integer: true, min: 1 }),
      shrink: checkNumber('ItemKNN', 'shrink', options.shrink ?? 10, { min: 0 }),
    };
  }

  config(): Record<string, unknown> {
    return { ...this.opts };
  }

  /**
   * Fits on anonymous sessions ("customers who viewed this also viewed"): items are similar when
   * they occur in the same sessions, so each session plays a user's part; a repeated view counts
   * once. Throws a DataError for no rows or a row without a session, item or finite time.
   */
  async fitSessions(rows: readonly SessionRow[], options: FitOptions = {}): Promise<this> {
    const data = sessionInteractions(`${this.kind}.fitSessions`, rows, 'last');
    return this.fit(data, options);
  }

  /**
   * The top items for an anonymous session given its events' items in time order (oldest
   * first): each event adds its item's neighbours, weighted by {@link SessionRecommendOptions.recency}.
   * Items the model does not know are skipped; a session with none gets the most popular items.
   */
  recommendForSession(items: readonly Id[], options: SessionRecommendOptions = {}): ScoredItem[] {
    const maps = this.fittedMaps('recommendForSession');
    const k = options.k ?? 10;
    if (!Number.isInteger(k) || k < 1)
      throw new ValueError(`${this.kind}.recommendForSession: k must be a positive integer; got ${fmtValue(k)}`);
    const recency = options.recency ?? 1;
    if (!(recency > 0 && recency <= 1))
      throw new ValueError(`${this.kind}.recommendForSession: recency must be in (0, 1]; got ${fmtValue(recency)}`);
    const n = maps.items.size;
    const scores = new Float32Array(n);
    const known: number[] = [];
    let w = 1;
    for (let t = items.length - 1; t >= 0; t--, w *= recency) {
      const j = maps.items.get(items[t]!);
      if (j === undefined) continue;
      known.push(j);
      for (let b = this.nbrOffsets[j]!; b < this.nbrOffsets[j + 1]!; b++)
        scores[this.nbrItems[b]!]! += w * this.nbrSims[b]!;
    }
    const skip = options.excludeSeen === false ? undefined : Int32Array.from(new Set(known)).sort();
    let allow: Uint8Array | undefined;
    if (options.filter) allow = Uint8Array.from({ length: n }, (_, i) => (options.filter!(maps.items.id(i)) ? 1 : 0));
    const top = topKRow(known.length > 0 ? scores : this.itemCounts, 0, n, k, skip, allow);
    return Array.from(top.items, (i, j) => ({ item: maps.items.id(i), score: top.scores[j]! }));
  }

  protected async train(data: Interactions, options: FitOptions): Promise<void> {
    const t0 = performance.now();
    const I = data.numItems;
    const U = data.numUsers;
    const { seenOffsets: off, seenItems: seen, itemCounts } = this;
    // Item -> users CSR from the deduplicated seen lists.
    const iOff = new Int32Array(I + 1);
    for (const i of seen) iOff[i + 1]!++;
    for (let i = 0; i < I; i++) iOff[i + 1]! += iOff[i]!;
    const fill = iOff.slice(0, I);
    const iUsers = new Int32Array(seen.length);
    for (let u = 0; u < U; u++) for (let a = off[u]!; a < off[u + 1]!; a++) iUsers[fill[seen[a]!]!++] = u;
    const K = Math.min(this.opts.neighbors, Math.max(I - 1, 1));
    const co = new Float32Array(I);
    const nOff = new Int32Array(I + 1);
    const nItems = new Int32Array(I * K);
    const nSims = new Float32Array(I * K);
    let nnz = 0;
    const control = new FitControl(options, 1);
    const batches = Math.ceil(I / ITEMS_PER_BATCH);
    const install = (done: number) => {
      nOff.fill(nnz, done + 1);
      this.nbrOffsets = nOff;
      this.nbrItems = nItems.slice(0, nnz);
      this.nbrSims = nSims.slice(0, nnz);
    };
    for (let i = 0; i < I; i++) {
      if (i > 0 && i % ITEMS_PER_BATCH === 0) {
        try {
          await control.batch(1, i / ITEMS_PER_BATCH, batches);
        } catch (e) {
          // Items 0..i-1 have their neighbours; the rest have none until a fit completes.
          install(i);
          this.abortedPartial = true;
          throw e;
        }
      }
      co.fill(0);
      for (let a = iOff[i]!; a < iOff[i + 1]!; a++) {
        const u = iUsers[a]!;
        for (let b = off[u]!; b < off[u + 1]!; b++) co[seen[b]!]! += 1;
      }
      const ni = itemCounts[i]!;
      for (let j = 0; j < I; j++) if (co[j]! > 0) co[j] = co[j]! / (Math.sqrt(ni * itemCounts[j]!) + this.opts.shrink);
      co[i] = 0;
      const top = topKRow(co, 0, I, K, undefined, undefined);
      for (let t = 0; t < top.items.length; t++) {
        if (top.scores[t]! <= 0) break;
        nItems[nnz] = top.items[t]!;
        nSims[nnz++] = top.scores[t]!;
      }
      nOff[i + 1] = nnz;
    }
    install(I);
    // Complete: an abort at this last check keeps the whole fit.
    this.abortedPartial = true;
    await control.batch(1, batches, batches);
    await options.onEpoch?.({ epoch: 1, loss: NaN, ms: performance.now() - t0 });
  }

  private scoreRow(u: number, out: Float32Array, o: number): void {
    const { seenOffsets: off, seenItems: seen, nbrOffsets: nOff, nbrItems, nbrSims } = this;
    for (let a = off[u]!; a < off[u + 1]!; a++) {
      const j = seen[a]!;
      for (let b = nOff[j]!; b < nOff[j + 1]!; b++) out[o + nbrItems[b]!]! += nbrSims[b]!;
    }
  }

  protected predictInto(users: Int32Array, items: Int32Array, out: Float32Array): void {
    const row = new Float32Array(this.itemCounts.length);
    for (let j = 0; j < users.length; j++) {
      const u = users[j]!;
      const i = items[j]!;
      if (u < 0 || i < 0) {
        out[j] = 0;
        continue;
      }
      row.fill(0);
      this.scoreRow(u, row, 0);
      out[j] = row[i]!;
    }
  }

  protected scoreUsers(users: Int32Array): Promise<Float32Array> {
    const n = this.itemCounts.length;
    const out = new Float32Array(users.length * n);
    for (let b = 0; b < users.length; b++) this.scoreRow(users[b]!, out, b * n);
    return Promise.resolve(out);
  }

  protected similarTo(item: number, k: number): Promise<{ items: Int32Array; scores: Float32Array }> {
    const lo = this.nbrOffsets[item]!;
    const hi = Math.min(this.nbrOffsets[item + 1]!, lo + k);
    return Promise.resolve({ items: this.nbrItems.slice(lo, hi), scores: this.nbrSims.slice(lo, hi) });
  }

  protected stateArrays(): Record<string, StateArray> {
    return {
      'neighbors.offsets': { data: this.nbrOffsets, shape: [this.nbrOffsets.length] },
      'neighbors.items': { data: this.nbrItems, shape: [this.nbrItems.length] },
      'neighbors.similarity': { data: this.nbrSims, shape: [this.nbrSims.length] },
    };
  }

  protected loadArrays(arrays: Record<string, StateArray>): void {
    this.nbrOffsets = need(arrays, 'neighbors.offsets', this.kind).data as Int32Array;
    this.nbrItems = need(arrays, 'neighbors.items', this.kind).data as Int32Array;
    this.nbrSims = need(arrays, 'neighbors.similarity', this.kind).data as Float32Array;
  }
}

registerRecommender(
  'ItemKNN',
  ItemKNN,
  (c) => new ItemKNN(c),
  (_users, items) => ({
    'neighbors.offsets': { dtype: 'int32', shape: [items + 1] },
    'neighbors.items': { dtype: 'int32', shape: [null] },
    'neighbors.similarity': { dtype: 'float32', shape: [null] },
  }),
);
