import type { BackendName } from '../backends/backend.js';
import { matmulFused } from '../ops/matmul.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { type FitOptions, Recommender } from './recommender.js';
import type { HostTables } from './sgd-loop.js';
import { DataError, ValueError, fmtValue } from '../core/errors.js';
import { Rng } from '../core/random.js';
import type { Id } from '../data/idmap.js';
import { Interactions } from '../data/interactions.js';
import { copyArrays, need, seenCsr, type StateArray } from './recommender-state.js';
import { factorTopKOnDevice, topKRow } from './topk.js';

/** Options of {@link FactorModel.foldIn}. */
export interface FoldInOptions {
  /**
   * A user none of whose items the model knows: `'error'` (default) throws a ValueError naming
   * the user; `'mean'` adds the user with zero factors, so they get what the model gives anyone
   * (item biases: popularity for BPR, the best-rated items for MF), until folded in again.
   */
  coldStart?: 'error' | 'mean';
  /** Passes over the user's items for the SGD fold-in of BPR and the hybrid; default 20. */
  epochs?: number;
}

/** What {@link FactorModel.foldIn} did. */
export interface FoldInResult {
  /** Users added or refreshed, with factors from their interactions. */
  users: Id[];
  /** Users added with zero factors under `coldStart: 'mean'`. */
  cold: Id[];
  /** Rows skipped because the model does not know their item. */
  unknownItemRows: number;
}

/**
 * A model whose score is mean + b_u + b_i + p_u·q_i (biases and mean may be zero): MF, SVD++
 * (whose p_u folds in the implicit term), BPR and iALS. The fitted tables are mirrored on the
 * host for `predict`; on the webgpu backend Q and the item biases also stay on the GPU, and
 * `recommend` scores a batch of users as one matmul with a fused bias epilogue there.
 */
export abstract class FactorModel extends Recommender {
  protected k = 0;
  protected P: Float32Array = new Float32Array(0);
  protected Q: Float32Array = new Float32Array(0);
  protected bu: Float32Array = new Float32Array(0);
  protected bi: Float32Array = new Float32Array(0);
  protected mean = 0;
  protected clipLo = -Infinity;
  protected clipHi = Infinity;
  private itemNorms: Float32Array | undefined;
  private gpuQ: Tensor | undefined;
  private gpuBi: Tensor | undefined;

  /**
   * Adds (or refreshes) the users of `data` without retraining: each user's factors are fitted
   * to their interactions with the item tables frozen (an exact least-squares solve for MF,
   * SVD++ and iALS, a few SGD passes for BPR and the hybrid). Items the model does not know are
   * skipped. A user already known is re-fitted from these interactions alone, and their seen
   * items become these. The new users then work with `recommend`, `predict` and `excludeSeen`.
   */
  async foldIn(data: Interactions, options: FoldInOptions = {}): Promise<FoldInResult> {
    const maps = this.fittedMaps('foldIn');
    if (!(data instanceof Interactions))
      throw new DataError(`${this.kind}.foldIn: data must be Interactions; got ${fmtValue(data)}`);
    const cold = options.coldStart ?? 'error';
    if (cold !== 'error' && cold !== 'mean')
      throw new ValueError(`${this.kind}.foldIn: coldStart must be 'error' or 'mean'; got ${fmtValue(cold)}`);
    const epochs = options.epochs ?? 20;
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new ValueError(`${this.kind}.foldIn: epochs must be a positive integer; got ${fmtValue(epochs)}`);
    const g = data.byUser();
    const rng = new Rng(Number(this.config().seed ?? 0), this.kind, 'negatives');
    const rows: { id: Id; p: Float32Array; bias: number; seen: Int32Array }[] = [];
    const result: FoldInResult = { users: [], cold: [], unknownItemRows: 0 };
    for (let u = 0; u < data.numUsers; u++) {
      const byItem = new Map<number, number>();
      for (let r = g.offsets[u]!; r < g.offsets[u + 1]!; r++) {
        const i = maps.items.get(data.itemIds.id(g.items[r]!));
        if (i === undefined) result.unknownItemRows++;
        else byItem.set(i, (byItem.get(i) ?? 0) + g.values[r]!);
      }
      const id = data.userIds.id(u);
      if (byItem.size === 0) {
        if (g.offsets[u + 1] === g.offsets[u]) continue;
        if (cold === 'error')
          throw new ValueError(
            `${this.kind}.foldIn: user ${fmtValue(id)} has none of the model's ${maps.items.size} items; pass {coldStart: 'mean'} to add them with zero factors`,
          );
        rows.push({ id, p: new Float32Array(this.k), bias: 0, seen: new Int32Array(0) });
        result.cold.push(id);
        continue;
      }
      const items = Int32Array.from(byItem.keys()).sort();
      const values = Float32Array.from(items, (i) => byItem.get(i)!);
      const r = this.foldInRow(items, values, rng, epochs);
      rows.push({ id, p: r.p, bias: r.bias, seen: items });
      result.users.push(id);
    }
    this.addUserRows(rows);
    return result;
  }

  /**
   * Continues training on `data` (new interactions) from the fitted tables, as LightFM's
   * `fit_partial`: new users and items join the id maps with freshly initialized rows, every
   * epoch runs over the rows of `data` only, and the global mean, clipping range and other
   * statistics of the first fit are kept. Seen items grow by the new pairs. Supported by
   * MatrixFactorization and BPR (SGD), ImplicitALS (re-solves the rows `data` touches) and
   * HybridRecommender (see theirs); other models throw a ValueError (use `foldIn` or `fit`).
   * A failed call leaves the model as it was; an aborted one keeps its last batch.
   */
  async partialFit(data: Interactions, options: FitOptions = {}): Promise<this> {
    const maps = this.fittedMaps('partialFit');
    if (!(data instanceof Interactions))
      throw new DataError(`${this.kind}.partialFit: data must be Interactions; got ${fmtValue(data)}`);
    if (data.length === 0) throw new DataError(`${this.kind}.partialFit: the interactions are empty`);
    if (options.epochs !== undefined && (!Number.isInteger(options.epochs) || options.epochs < 0))
      throw new ValueError(
        `${this.kind}.partialFit: epochs must be a non-negative integer; got ${fmtValue(options.epochs)}`,
      );
    if (this.continueFit === FactorModel.prototype.continueFit)
      throw new ValueError(
        `${this.kind}.partialFit: this model cannot continue training; fit it again or foldIn new users`,
      );
    const ids = (map: typeof data.userIds, col: Int32Array) => Array.from(col, (i) => map.id(i));
    // Encoding against the fitted maps gives new ids the next indices, in first-seen order.
    const rows = Interactions.fromArrays(
      { users: ids(data.userIds, data.users), items: ids(data.itemIds, data.items), values: data.values },
      { userIds: maps.users, itemIds: maps.items, duplicates: 'keep' },
    );
    const before = { json: this.toJSON(), arrays: copyArrays(this.allArrays()) };
    const k = this.k;
    const U = rows.numUsers;
    const I = rows.numItems;
    const rng = new Rng(Number(this.config().seed ?? 0), this.kind, 'init');
    const std = Number(this.config().initStd ?? 0.1);
    const grow = (a: Float32Array, n: number, random: boolean) => {
      const out = random ? rng.normalArray(n, std) : new Float32Array(n);
      out.set(a);
      return out;
    };
    const tables = {
      P: grow(this.P, U * k, true),
      Q: grow(this.Q, I * k, true),
      bu: grow(this.bu, U, false),
      bi: grow(this.bi, I, false),
    };
    // Seen lists and item counts take the new pairs.
    const lists = Array.from(
      { length: U },
      (_, u) =>
        new Set(u < maps.users.size ? this.seenItems.subarray(this.seenOffsets[u]!, this.seenOffsets[u + 1]!) : []),
    );
    for (let r = 0; r < rows.length; r++) lists[rows.users[r]!]!.add(rows.items[r]!);
    const csr = seenCsr(lists, I);
    this.userMap = rows.userIds;
    this.itemMap = rows.itemIds;
    this.seenOffsets = csr.offsets;
    this.seenItems = csr.items;
    this.itemCounts = csr.counts;
    this.abortedPartial = false;
    try {
      await this.continueFit(rows, tables, options);
    } catch (e) {
      if (!(this.abortedPartial && options.signal?.aborted)) this.restore(before.json, before.arrays);
      throw e;
    }
    return this;
  }

  /** Runs the model's training over `data` (encoded in the extended maps) from `tables`, and installs the result. */
  protected continueFit(_data: Interactions, _tables: HostTables, _options: FitOptions): Promise<void> {
    return Promise.reject(new ValueError(`${this.kind}.partialFit: not supported`));
  }

  /**
   * The factors and bias of one new user from their items (sorted, known) and values, the item
   * tables frozen. Models that cannot fold in leave this throwing.
   */
  protected foldInRow(
    _items: Int32Array,
    _values: Float32Array,
    _rng: Rng,
    _epochs: number,
  ): { p: Float32Array; bias: number } {
    throw new ValueError(`${this.kind}.foldIn: this model has no fold-in; fit it again with the new users`);
  }

  /** Appends (or replaces) user rows: id map, factors, bias, seen items. */
  protected addUserRows(rows: { id: Id; p: Float32Array; bias: number; seen: Int32Array }[]): void {
    const users = this.fittedMaps('foldIn').users.clone();
    const { k } = this;
    const oldU = users.size;
    const lists = new Map<number, Int32Array>();
    for (const r of rows) lists.set(users.add(r.id), r.seen);
    const U = users.size;
    const P = new Float32Array(U * k);
    P.set(this.P.subarray(0, oldU * k));
    const bu = new Float32Array(U);
    bu.set(this.bu.subarray(0, oldU));
    const csr = seenCsr(
      Array.from(
        { length: U },
        (_, u) => lists.get(u) ?? this.seenItems.subarray(this.seenOffsets[u]!, this.seenOffsets[u + 1]!),
      ),
      this.itemCounts.length,
    );
    for (const r of rows) {
      const u = users.index(r.id);
      P.set(r.p, u * k);
      bu[u] = r.bias;
    }
    // Only the user side changes, and it lives on the host: Q and b_i stay where they are.
    this.P = P;
    this.bu = bu;
    this.userMap = users;
    this.seenOffsets = csr.offsets;
    this.seenItems = csr.items;
  }

  /** Factor tables as host arrays (copies are not made; treat them as read-only). */
  factors(): {
    userFactors: Float32Array;
    itemFactors: Float32Array;
    userBias: Float32Array;
    itemBias: Float32Array;
    k: number;
    mean: number;
  } {
    this.fittedMaps('factors');
    return {
      userFactors: this.P,
      itemFactors: this.Q,
      userBias: this.bu,
      itemBias: this.bi,
      k: this.k,
      mean: this.mean,
    };
  }

  /** Installs fitted tables; with `backend` 'webgpu' keeps Q and b_i resident for scoring. */
  protected setTables(
    k: number,
    P: Float32Array,
    Q: Float32Array,
    bu: Float32Array,
    bi: Float32Array,
    backend: BackendName = 'cpu',
  ): void {
    this.k = k;
    this.P = P;
    this.Q = Q;
    this.bu = bu;
    this.bi = bi;
    this.itemNorms = undefined;
    this.releaseGpu();
    if (backend === 'webgpu' && k > 0) {
      this.gpuQ = tensor(Q, { shape: [bi.length, k], backend: 'webgpu' });
      this.gpuBi = tensor(bi, { backend: 'webgpu' });
    }
  }

  /** Frees GPU-resident tables (the host copies stay usable). */
  dispose(): void {
    this.releaseGpu();
  }

  private releaseGpu(): void {
    this.gpuQ?.dispose();
    this.gpuBi?.dispose();
    this.gpuQ = undefined;
    this.gpuBi = undefined;
  }

  protected predictInto(users: Int32Array, items: Int32Array, out: Float32Array): void {
    const { k, P, Q, bu, bi } = this;
    for (let j = 0; j < users.length; j++) {
      const u = users[j]!;
      const i = items[j]!;
      let s = this.mean;
      if (u >= 0) s += bu[u]!;
      if (i >= 0) s += bi[i]!;
      if (u >= 0 && i >= 0) {
        const po = u * k;
        const qo = i * k;
        for (let f = 0; f < k; f++) s += P[po + f]! * Q[qo + f]!;
      }
      out[j] = s < this.clipLo ? this.clipLo : Math.min(s, this.clipHi);
    }
  }

  protected async scoreUsers(users: Int32Array): Promise<Float32Array> {
    const { k, P, Q, bu, bi } = this;
    const n = bi.length;
    const B = users.length;
    let out: Float32Array;
    if (this.gpuQ && this.gpuBi) {
      const rows = new Float32Array(B * k);
      for (let b = 0; b < B; b++) rows.set(P.subarray(users[b]! * k, (users[b]! + 1) * k), b * k);
      const pu = tensor(rows, { shape: [B, k], backend: 'webgpu' });
      const s = matmulFused(pu, this.gpuQ, { transB: true, bias: this.gpuBi });
      out = (await s.data()) as Float32Array;
      pu.dispose();
      s.dispose();
    } else {
      out = new Float32Array(B * n);
      for (let b = 0; b < B; b++) {
        const po = users[b]! * k;
        const o = b * n;
        for (let i = 0; i < n; i++) {
          const qo = i * k;
          let s = bi[i]!;
          for (let f = 0; f < k; f++) s += P[po + f]! * Q[qo + f]!;
          out[o + i] = s;
        }
      }
    }
    // The user's constant terms do not change the ranking; add them so scores equal predictions (unclipped).
    for (let b = 0; b < B; b++) {
      const c = this.mean + bu[users[b]!]!;
      if (c !== 0) for (let i = 0; i < n; i++) out[b * n + i]! += c;
    }
    return out;
  }

  /**
   * On webgpu: the users' scores as one matmul with the item biases fused, then top-k selection
   * on the GPU (`topKOnDevice` in topk.ts); only [users, k] is read back.
   */
  protected override deviceTopK(
    users: Int32Array,
    k: number,
    excludeSeen: boolean,
    allow: Uint8Array | undefined,
  ): Promise<{ items: Int32Array; scores: Float32Array }[] | undefined> {
    if (!this.gpuQ || !this.gpuBi) return Promise.resolve(undefined);
    const seen = excludeSeen ? { offsets: this.seenOffsets, items: this.seenItems } : undefined;
    const t = { P: this.P, bu: this.bu, mean: this.mean, k: this.k, Q: this.gpuQ, bi: this.gpuBi };
    return factorTopKOnDevice(t, users, k, seen, allow);
  }

  /** Cosine similarity of item factor vectors (item biases left out: they are popularity, not likeness). */
  protected similarTo(item: number, k: number): Promise<{ items: Int32Array; scores: Float32Array }> {
    const { Q } = this;
    const d = this.k;
    const n = this.bi.length;
    if (!this.itemNorms) {
      this.itemNorms = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let f = 0; f < d; f++) s += Q[i * d + f]! ** 2;
        this.itemNorms[i] = Math.sqrt(s);
      }
    }
    const norms = this.itemNorms;
    const scores = new Float32Array(n);
    const qo = item * d;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += Q[qo + f]! * Q[i * d + f]!;
      const den = norms[item]! * norms[i]!;
      scores[i] = den > 0 ? s / den : 0;
    }
    return Promise.resolve(topKRow(scores, 0, n, k, Int32Array.of(item), undefined));
  }

  protected stateArrays(): Record<string, StateArray> {
    const U = this.bu.length;
    const I = this.bi.length;
    return {
      userFactors: { data: this.P, shape: [U, this.k] },
      itemFactors: { data: this.Q, shape: [I, this.k] },
      userBias: { data: this.bu, shape: [U] },
      itemBias: { data: this.bi, shape: [I] },
    };
  }

  protected override scalars(): Record<string, number> {
    return { mean: this.mean, clipLo: this.clipLo, clipHi: this.clipHi };
  }

  protected loadArrays(arrays: Record<string, StateArray>, scalars: Record<string, number>): void {
    const P = need(arrays, 'userFactors', this.kind);
    this.mean = scalars.mean ?? 0;
    this.clipLo = scalars.clipLo ?? -Infinity;
    this.clipHi = scalars.clipHi ?? Infinity;
    this.setTables(
      P.shape[1] ?? 0,
      P.data as Float32Array,
      need(arrays, 'itemFactors', this.kind).data as Float32Array,
      need(arrays, 'userBias', this.kind).data as Float32Array,
      need(arrays, 'itemBias', this.kind).data as Float32Array,
    );
  }
}
