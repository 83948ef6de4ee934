import { IdMap, type Id } from '../data/idmap.js';
import { Interactions } from '../data/interactions.js';
import { DataError, ValueError, fmtValue } from '../core/errors.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ModelState } from '../io/models.js';
import { copyArrays, need, type RecommenderJSON, type StateArray } from './recommender-state.js';
import { topKRow } from './topk.js';
import type { FitControlOptions } from '../core/fit-control.js';

/** Reported to `onEpoch` after every epoch (iteration, for ALS). */
export interface EpochInfo {
  /** 1-based epoch number. */
  epoch: number;
  /** Training loss of the epoch: RMSE for explicit models, mean -log sigmoid for BPR, NaN where none is computed. */
  loss: number;
  /** Wall time of the epoch in milliseconds. */
  ms: number;
}

/**
 * Options of every recommender's `fit`. The {@link FitControlOptions} (onProgress, yieldEvery,
 * signal) act after every batch of SGD rows (MF, BPR, the hybrid), every user visit block
 * (SVD++) or every half-iteration (ALS): an aborted fit rejects with the signal's reason and
 * keeps the tables of the last finished batch, so the model still predicts and recommends.
 */
export interface FitOptions extends FitControlOptions {
  /** Overrides the model's `epochs` option for this fit. */
  epochs?: number;
  /**
   * Bit-identical weights for the same seed on the same backend: on webgpu, MF and BPR run
   * conflict-free batches instead of Hogwild ones (see README, Reproducibility). Default: the
   * global `at.useDeterministicAlgorithms` setting (off).
   */
  deterministic?: boolean;
  onEpoch?: (info: EpochInfo) => void | Promise<void>;
}

export interface PredictOptions {
  /**
   * What an id the model never saw gives: `'error'` (default) throws a ValueError naming the
   * id; `'mean'` predicts from what is known (global mean plus the known side's bias for
   * explicit models; the item's popularity score or 0 for implicit ones).
   */
  coldStart?: 'error' | 'mean';
}

export interface RecommendOptions {
  /** How many items; default 10. */
  k?: number;
  /** Leave out items the user interacted with in the training data; default true. */
  excludeSeen?: boolean;
  /** Only items for which this returns true may be recommended (in stock, in a category). */
  filter?: (item: Id) => boolean;
  /** An unknown user: `'error'` (default) throws; `'popular'` recommends the most popular items. */
  coldStart?: 'error' | 'popular';
}

/** A recommended or similar item with its score (higher is better). */
export interface ScoredItem {
  item: Id;
  score: number;
}

const USER_CHUNK = 256;

/** The top items of one row (dense indices) with their scores, best first. */
export type TopK = { items: Int32Array; scores: Float32Array };

/**
 * The common API of attune's recommenders. `fit` takes {@link Interactions}; everything after
 * that speaks external ids: `predict(users, items)`, `recommend(user)`, `similarItems(item)`.
 * The `*Indices` variants take dense indices into the fitted id maps, for evaluation loops.
 *
 * Data handling, the same for every model:
 * - empty data: `fit` throws a DataError;
 * - NaN or infinite values cannot occur: {@link Interactions} refuses them when it is built
 *   (a DataError naming the row);
 * - duplicate (user, item) pairs are refused by Interactions by default; if the caller keeps
 *   them (`duplicates: 'keep'`), explicit models (MatrixFactorization, SVDpp) treat each row as
 *   one observation (so a repeated pair weighs more), implicit models (BPR, ItemKNN,
 *   Popularity) count a pair once as "seen", and ImplicitALS sums the values into one confidence.
 *
 * `predict` is synchronous: the fitted parameters are mirrored on the host, and a gather plus a
 * dot per pair is cheaper there than a GPU round trip. `recommend` and `similarItems` are async
 * because on the webgpu backend they score the whole catalog with a matmul on the GPU.
 */
export abstract class Recommender {
  abstract readonly kind: string;
  protected userMap: IdMap | undefined;
  protected itemMap: IdMap | undefined;
  /** CSR of each user's training items, sorted ascending (for excludeSeen). */
  protected seenOffsets: Int32Array = new Int32Array(1);
  protected seenItems: Int32Array = new Int32Array(0);
  /** Training interactions per item (popularity; cold-start fallback). */
  protected itemCounts: Float32Array = new Float32Array(0);

  /** Whether `fit` (or a load) has run. */
  get fitted(): boolean {
    return this.userMap !== undefined;
  }

  get numUsers(): number {
    return this.fittedMaps('numUsers').users.size;
  }

  get numItems(): number {
    return this.fittedMaps('numItems').items.size;
  }

  /** The user id map of the fitted data (indices for the `*Indices` methods). */
  get userIds(): IdMap {
    return this.fittedMaps('userIds').users;
  }

  get itemIds(): IdMap {
    return this.fittedMaps('itemIds').items;
  }

  /** Fits on `data` (replacing any earlier fit) and resolves to this model. */
  async fit(data: Interactions, options: FitOptions = {}): Promise<this> {
    if (!(data instanceof Interactions)) {
      throw new DataError(
        `${this.kind}.fit: data must be Interactions (at.data.Interactions.fromArrays or readInteractionsCsv); got ${fmtValue(data)}`,
      );
    }
    if (data.length === 0) throw new DataError(`${this.kind}.fit: the interactions are empty; there is nothing to fit`);
    if (options.epochs !== undefined && (!Number.isInteger(options.epochs) || options.epochs < 0)) {
      throw new ValueError(`${this.kind}.fit: epochs must be a non-negative integer; got ${fmtValue(options.epochs)}`);
    }
    // A fit that fails (divergence, a lost device) restores the earlier fit; the copy guards
    // against a train() that updates the arrays in place.
    const before = this.fitted ? { json: this.toJSON(), arrays: copyArrays(this.allArrays()) } : undefined;
    this.userMap = data.userIds;
    this.itemMap = data.itemIds;
    const g = data.byUser();
    const offsets = new Int32Array(data.numUsers + 1);
    const items: number[] = [];
    for (let u = 0; u < data.numUsers; u++) {
      const row = Array.from(new Set(g.items.subarray(g.offsets[u]!, g.offsets[u + 1]!))).sort((a, b) => a - b);
      for (const i of row) items.push(i);
      offsets[u + 1] = items.length;
    }
    this.seenOffsets = offsets;
    this.seenItems = Int32Array.from(items);
    this.itemCounts = new Float32Array(data.numItems);
    for (const i of this.seenItems) this.itemCounts[i]!++;
    this.abortedPartial = false;
    try {
      await this.train(data, options);
    } catch (e) {
      // An abort keeps what train installed from the last finished batch (FitOptions.signal).
      if (this.abortedPartial && options.signal?.aborted) throw e;
      // Never half-fitted: the earlier fit, or unfitted.
      this.userMap = undefined;
      this.itemMap = undefined;
      if (before) this.restore(before.json, before.arrays);
      throw e;
    }
    return this;
  }

  /** Set by a train() that installed its tables of the last finished batch before an abort rethrows. */
  protected abortedPartial = false;

  protected abstract train(data: Interactions, options: FitOptions): Promise<void>;

  /** Fills `out` with predictions for index pairs; an index of -1 is an unknown id under coldStart 'mean'. */
  protected abstract predictInto(users: Int32Array, items: Int32Array, out: Float32Array): void;

  /** Scores of every item for each user in `users` (dense indices), row-major [users.length, numItems]. */
  protected abstract scoreUsers(users: Int32Array): Promise<Float32Array>;

  /** Top-k on the device for known users, or undefined where scores go to the host (FactorModel: webgpu). */
  protected deviceTopK(
    _u: Int32Array,
    _k: number,
    _ex: boolean,
    _a: Uint8Array | undefined,
  ): Promise<TopK[] | undefined> {
    return Promise.resolve(undefined);
  }

  /** The k items most similar to item `item` (a dense index), itself excluded. */
  protected abstract similarTo(item: number, k: number): Promise<{ items: Int32Array; scores: Float32Array }>;

  /** Hyper-parameters, enough to rebuild an unfitted model. */
  abstract config(): Record<string, unknown>;

  protected abstract stateArrays(): Record<string, StateArray>;
  protected abstract loadArrays(arrays: Record<string, StateArray>, scalars: Record<string, number>): void;
  protected scalars(): Record<string, number> {
    return {};
  }

  /**
   * Predicted rating (explicit models) or score (implicit models) of each (users[j], items[j])
   * pair, by external id. Unknown ids throw a ValueError naming the id, unless
   * `coldStart: 'mean'` asks for the fallback described in {@link PredictOptions}.
   */
  predict(users: ArrayLike<Id>, items: ArrayLike<Id>, options: PredictOptions = {}): Float32Array {
    const maps = this.fittedMaps('predict');
    if (users.length !== items.length) {
      throw new ValueError(
        `${this.kind}.predict: users and items must have the same length; got ${fmtValue(users.length)} and ${items.length}`,
      );
    }
    const cold = options.coldStart ?? 'error';
    const u = new Int32Array(users.length);
    const i = new Int32Array(items.length);
    const hint = 'pass {coldStart: "mean"} to predict from the known side';
    for (let j = 0; j < users.length; j++) {
      u[j] = this.lookup('predict', 'user', maps.users, users[j]!, cold === 'mean', hint);
      i[j] = this.lookup('predict', 'item', maps.items, items[j]!, cold === 'mean', hint);
    }
    const out = new Float32Array(users.length);
    this.predictInto(u, i, out);
    return out;
  }

  /** {@link predict} on dense indices of the fitted maps (for example an Interactions split that shares them). */
  predictIndices(users: Int32Array, items: Int32Array): Float32Array {
    const maps = this.fittedMaps('predictIndices');
    if (users.length !== items.length) {
      throw new ValueError(
        `${this.kind}.predictIndices: users and items must have the same length; got ${fmtValue(users.length)} and ${items.length}`,
      );
    }
    for (let j = 0; j < users.length; j++) {
      if (users[j]! < -1 || users[j]! >= maps.users.size)
        throw new ValueError(
          `${this.kind}.predictIndices: users[${j}] = ${users[j]} is outside [0, ${maps.users.size})`,
        );
      if (items[j]! < -1 || items[j]! >= maps.items.size)
        throw new ValueError(
          `${this.kind}.predictIndices: items[${j}] = ${items[j]} is outside [0, ${maps.items.size})`,
        );
    }
    const out = new Float32Array(users.length);
    this.predictInto(users, items, out);
    return out;
  }

  /** The top `k` items for `user`, best first. See {@link RecommendOptions}. */
  async recommend(user: Id, options: RecommendOptions = {}): Promise<ScoredItem[]> {
    return (await this.recommendMany([user], options))[0]!;
  }

  /** {@link recommend} for many users at once; the catalog is scored in batches of users. */
  async recommendMany(users: readonly Id[], options: RecommendOptions = {}): Promise<ScoredItem[][]> {
    const maps = this.fittedMaps('recommend');
    const cold = options.coldStart ?? 'error';
    const idx = Int32Array.from(users, (u) =>
      this.lookup(
        'recommend',
        'user',
        maps.users,
        u,
        cold === 'popular',
        'pass {coldStart: "popular"} to recommend popular items',
      ),
    );
    let allow: Uint8Array | undefined;
    if (options.filter) {
      allow = new Uint8Array(maps.items.size);
      for (let i = 0; i < allow.length; i++) allow[i] = options.filter(maps.items.id(i)) ? 1 : 0;
    }
    const top = await this.topKIndices(idx, { k: options.k, excludeSeen: options.excludeSeen, allow });
    return top.map((t) => Array.from(t.items, (i, j) => ({ item: maps.items.id(i), score: t.scores[j]! })));
  }

  /**
   * Top-k item indices (and scores) for each user index; -1 stands for an unknown user and gets
   * the most popular items. `allow` masks the catalog (1 = allowed).
   */
  async topKIndices(
    users: Int32Array,
    options: { k?: number | undefined; excludeSeen?: boolean | undefined; allow?: Uint8Array | undefined } = {},
  ): Promise<{ items: Int32Array; scores: Float32Array }[]> {
    const maps = this.fittedMaps('recommend');
    const k = options.k ?? 10;
    if (!Number.isInteger(k) || k < 1)
      throw new ValueError(`${this.kind}.recommend: k must be a positive integer; got ${fmtValue(k)}`);
    const excludeSeen = options.excludeSeen ?? true;
    const n = maps.items.size;
    const out: { items: Int32Array; scores: Float32Array }[] = [];
    for (let c = 0; c < users.length; c += USER_CHUNK) {
      const chunk = users.subarray(c, Math.min(users.length, c + USER_CHUNK));
      const known = chunk.filter((u) => u >= 0);
      // On a device that can select, only [users, k] comes back; else the scores come to the host.
      const device = known.length > 0 ? await this.deviceTopK(known, k, excludeSeen, options.allow) : undefined;
      const scores = known.length > 0 && !device ? await this.scoreUsers(known) : new Float32Array(0);
      let row = 0;
      for (const u of chunk) {
        if (u < 0) {
          out.push(topKRow(this.itemCounts, 0, n, k, undefined, options.allow));
          continue;
        }
        const skip = excludeSeen ? this.seenItems.subarray(this.seenOffsets[u]!, this.seenOffsets[u + 1]!) : undefined;
        out.push(device ? device[row]! : topKRow(scores, row * n, n, k, skip, options.allow));
        row++;
      }
    }
    return out;
  }

  /** The `k` items most similar to `item` (for "customers who bought this also bought"). */
  async similarItems(item: Id, k = 10): Promise<ScoredItem[]> {
    const maps = this.fittedMaps('similarItems');
    if (!Number.isInteger(k) || k < 1)
      throw new ValueError(`${this.kind}.similarItems: k must be a positive integer; got ${fmtValue(k)}`);
    const i = this.lookup('similarItems', 'item', maps.items, item, false, '');
    const r = await this.similarTo(i, k);
    return Array.from(r.items, (j, n) => ({ item: maps.items.id(j), score: r.scores[n]! }));
  }

  /**
   * The fitted state as named float32/int32 CPU tensors (factor tables, biases, seen items),
   * for safetensors files. With {@link toJSON} it is all `loadRecommender` needs.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, a] of Object.entries(this.allArrays()))
      out[name] = tensor(a.data, { shape: a.shape, backend: 'cpu' });
    return out;
  }

  /** @internal The state as plain arrays. */
  allArrays(): Record<string, StateArray> {
    this.fittedMaps('stateDict');
    return {
      ...this.stateArrays(),
      'seen.offsets': { data: this.seenOffsets, shape: [this.seenOffsets.length] },
      'seen.items': { data: this.seenItems, shape: [this.seenItems.length] },
      itemCounts: { data: this.itemCounts, shape: [this.itemCounts.length] },
    };
  }

  /** The fitted model as `at.save` writes it: {@link toJSON} as the config, the arrays as tensors. */
  saveState(): ModelState {
    const tensors: ModelState['tensors'] = {};
    for (const [name, a] of Object.entries(this.allArrays()))
      tensors[name] = { dtype: a.data instanceof Int32Array ? 'int32' : 'float32', shape: a.shape, data: a.data };
    return { type: this.kind, config: this.toJSON(), tensors };
  }

  /** Kind, hyper-parameters, id maps and scalars: the JSON half of a saved model. */
  toJSON(): RecommenderJSON {
    const maps = this.fittedMaps('toJSON');
    return {
      kind: this.kind,
      config: this.config(),
      userIds: maps.users.toJSON(),
      itemIds: maps.items.toJSON(),
      scalars: this.scalars(),
    };
  }

  /** @internal Restores a fitted state saved by {@link toJSON} and {@link allArrays}. */
  restore(json: RecommenderJSON, arrays: Record<string, StateArray>): this {
    this.userMap = IdMap.fromJSON(json.userIds);
    this.itemMap = IdMap.fromJSON(json.itemIds);
    this.seenOffsets = need(arrays, 'seen.offsets', this.kind).data as Int32Array;
    this.seenItems = need(arrays, 'seen.items', this.kind).data as Int32Array;
    this.itemCounts = need(arrays, 'itemCounts', this.kind).data as Float32Array;
    this.loadArrays(arrays, json.scalars);
    return this;
  }

  protected fittedMaps(op: string): { users: IdMap; items: IdMap } {
    if (!this.userMap || !this.itemMap)
      throw new ValueError(`${this.kind}.${op}: the model is not fitted; call await model.fit(interactions) first`);
    return { users: this.userMap, items: this.itemMap };
  }

  private lookup(op: string, kind: 'user' | 'item', map: IdMap, id: Id, allowUnknown: boolean, hint: string): number {
    const i = map.get(id);
    if (i !== undefined) return i;
    if (allowUnknown) return -1;
    throw new ValueError(
      `${this.kind}.${op}: unknown ${kind} id ${fmtValue(id)} (${typeof id}); the model was fitted on ${map.size} ${kind}s${hint ? `; ${hint}` : ''}`,
    );
  }
}
