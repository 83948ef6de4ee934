import type { BackendName } from '../../backends/backend.js';
import { noGrad } from '../../autograd/tape.js';
import { IdMap, type Id } from '../../data/idmap.js';
import { Interactions } from '../../data/interactions.js';
import { DataError, ValueError } from '../../core/errors.js';
import { scope } from '../../memory.js';
import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { crossEntropy } from '../../nn/functional.js';
import { LayerNorm } from '../../nn/layernorm.js';
import { Linear } from '../../nn/linear.js';
import { LSTM } from '../../nn/lstm.js';
import { Module, ModuleList, type ModuleConfig } from '../../nn/module.js';
import { registerModuleType } from '../../nn/registry.js';
import { Rng } from '../../core/random.js';
import { checkInt, checkRange, checkOneOf } from '../../core/checks.js';
import { LearnedPositionalEncoding } from '../../nn/positional.js';
import { TransformerEncoderLayer } from '../../nn/transformer.js';
import * as o from '../../ops/index.js';
import { tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ScoredItem } from '../recommender.js';
import { type SequenceEpoch, type SequenceFitOptions, resolveFit, trainLoop } from './common.js';
import { type NextItemEvaluateOptions, type NextItemEvaluation, leaveOneOut } from './evaluate.js';

export type { NextItemEvaluateOptions, NextItemEvaluation, RankingResult } from './evaluate.js';

/** One customer's events, oldest first: item ids, or item ids with an action per event. */
export type EventSequence = readonly Id[] | { items: readonly Id[]; actions?: readonly (string | number)[] };

export interface NextItemModelOptions {
  /** 'transformer' (SASRec-style causal self-attention, the default) or 'lstm'. */
  arch?: 'lstm' | 'transformer';
  /** Catalogue size. Items are 0..numItems-1, or the ids in `itemIds`. */
  numItems: number;
  /** External item ids by index (length ≤ numItems); `fit(Interactions)` sets it from the data. */
  itemIds?: Id[];
  /** Names of event types (view, cart, purchase...). When given, sequences may carry actions: they are embedded with the items and a second head predicts the next action. */
  actions?: string[];
  /** Embedding and hidden size; default 64. */
  dim?: number;
  /** Transformer or LSTM layers; default 2. */
  layers?: number;
  /** Attention heads (transformer); default 2; must divide dim. */
  heads?: number;
  /** Events kept per sequence (the most recent); default 50. */
  maxLen?: number;
  /** Dropout on embeddings and inside the layers; default 0.2. */
  dropout?: number;
  /**
   * Training loss: 'full' softmax cross-entropy over the catalogue, or 'sampled' softmax over the
   * target plus `negatives` uniformly drawn items shared by the batch (sampled candidates that
   * equal a row's target are masked out). 'auto' (default): full up to 5,000 items.
   */
  loss?: 'auto' | 'full' | 'sampled';
  /** Negatives per batch for the sampled loss; default 256. */
  negatives?: number;
  /** Seed of the weights, the dropout masks, shuffling and negatives; default 0. */
  seed?: number;
  backend?: BackendName;
}

export interface RecommendNextOptions {
  /** How many items; default 10. */
  k?: number;
  /** Leave out items already in the history; default true. */
  excludeSeen?: boolean;
  /** Only items for which this returns true may be recommended. */
  filter?: (item: Id) => boolean;
}

interface Encoded {
  items: Int32Array;
  actions: Int32Array | null;
}

/**
 * A next-item model of customer journeys: it reads a customer's event sequence (items, and
 * optionally event types) and scores every catalogue item as the next one.
 *
 * - `arch: 'transformer'`: SASRec-style. Item embedding (scaled by √dim) + learned positions,
 *   `layers` pre-LN causal TransformerEncoderLayers, a final LayerNorm.
 * - `arch: 'lstm'`: the item embedding into a `layers`-deep LSTM run with each sequence's length,
 *   then a LayerNorm.
 * Both score item j at every step as h·e_j with the same (tied) item table `items`
 * [numItems + 1, dim] (row 0 is padding; item index i is row i + 1), which has sparse gradients.
 * Training is SASRec-style: every position of every sequence predicts the event after it
 * (right-padded batches; causal attention or LSTM lengths keep padding out of real positions).
 * Histories longer than `maxLen` are cut into windows of maxLen + 1 events from the end.
 *
 * Ids: items are dense indices 0..numItems-1 unless `itemIds` maps external ids (set by
 * `fit(Interactions)`); an unknown id is a ValueError. The model is an nn Module, so
 * `at.save(model)` / `at.load(path)` rebuild it (config includes the id map and action names).
 */
export class NextItemModel extends Module {
  readonly arch: 'lstm' | 'transformer';
  readonly numItems: number;
  readonly dim: number;
  readonly numLayers: number;
  readonly heads: number;
  readonly maxLen: number;
  readonly dropoutP: number;
  readonly lossKind: 'full' | 'sampled';
  readonly negatives: number;
  readonly seed: number;
  readonly actionNames: string[];
  readonly items: Embedding;
  readonly actionEmb: Embedding | null;
  readonly actionHead: Linear | null;
  readonly pos: LearnedPositionalEncoding | null;
  readonly blocks: ModuleList<TransformerEncoderLayer> | null;
  readonly lstm: LSTM | null;
  readonly norm: LayerNorm;
  readonly drop: Dropout;
  private idMap: IdMap | null;

  constructor(options: NextItemModelOptions) {
    super();
    const op = 'NextItemModel';
    if (options === null || typeof options !== 'object')
      throw new ValueError(`${op}: options must be an object with at least numItems; got ${String(options)}`);
    this.arch = checkOneOf(op, 'arch', options.arch ?? 'transformer', ['lstm', 'transformer'] as const);
    this.numItems = checkInt(op, 'numItems', options.numItems, 1);
    this.dim = checkInt(op, 'dim', options.dim ?? 64, 1);
    this.numLayers = checkInt(op, 'layers', options.layers ?? 2, 1);
    this.heads = checkInt(op, 'heads', options.heads ?? 2, 1);
    if (this.arch === 'transformer' && this.dim % this.heads !== 0)
      throw new ValueError(`${op}: dim (${this.dim}) must be a multiple of heads (${this.heads})`);
    this.maxLen = checkInt(op, 'maxLen', options.maxLen ?? 50, 1);
    this.dropoutP = checkRange(op, 'dropout', options.dropout ?? 0.2, 0, 1);
    const loss = checkOneOf(op, 'loss', options.loss ?? 'auto', ['auto', 'full', 'sampled'] as const);
    this.lossKind = loss === 'auto' ? (this.numItems <= 5000 ? 'full' : 'sampled') : loss;
    this.negatives = checkInt(op, 'negatives', options.negatives ?? 256, 1);
    this.seed = checkInt(op, 'seed', options.seed ?? 0, 0);
    this.actionNames = [...(options.actions ?? [])];
    if (new Set(this.actionNames).size !== this.actionNames.length)
      throw new ValueError(`${op}: actions must be distinct names; got ${JSON.stringify(this.actionNames)}`);
    this.idMap = null;
    if (options.itemIds) this.setItemIds(options.itemIds);
    const base = options.backend ? { backend: options.backend } : {};
    const s = this.seed * 1000;
    const d = this.dim;
    this.items = this.registerModule(
      'items',
      new Embedding(this.numItems + 1, d, { ...base, sparse: true, paddingIdx: 0, seed: s + 1 }),
    );
    // N(0, 1/dim) rows: tied output logits h·e start near unit scale.
    noGrad(() => this.items.weight.assign(o.mul(this.items.weight, 1 / Math.sqrt(d))));
    const nA = this.actionNames.length;
    this.actionEmb = this.registerModule(
      'actionEmb',
      nA ? new Embedding(nA + 1, d, { ...base, paddingIdx: 0, seed: s + 2 }) : null,
    );
    if (this.actionEmb) noGrad(() => this.actionEmb!.weight.assign(o.mul(this.actionEmb!.weight, 1 / Math.sqrt(d))));
    this.actionHead = this.registerModule('actionHead', nA ? new Linear(d, nA, { ...base, seed: s + 3 }) : null);
    this.drop = this.registerModule('drop', new Dropout(this.dropoutP, { seed: s + 4 }));
    if (this.arch === 'transformer') {
      this.pos = this.registerModule('pos', new LearnedPositionalEncoding(this.maxLen, d, { ...base, seed: s + 5 }));
      this.blocks = this.registerModule(
        'blocks',
        new ModuleList(
          Array.from(
            { length: this.numLayers },
            (_, l) =>
              new TransformerEncoderLayer(d, this.heads, {
                ...base,
                dimFeedforward: 2 * d,
                dropout: this.dropoutP,
                activation: 'gelu',
                seed: s + 100 + 50 * l,
              }),
          ),
        ),
      );
      this.lstm = null;
    } else {
      this.pos = null;
      this.blocks = null;
      this.lstm = this.registerModule(
        'lstm',
        new LSTM(d, d, { ...base, numLayers: this.numLayers, batchFirst: true, seed: s + 6 }),
      );
    }
    this.norm = this.registerModule('norm', new LayerNorm(d, base));
    this.eval();
  }

  /** External item ids by index, or null when items are plain indices. */
  get itemIds(): IdMap | null {
    return this.idMap;
  }

  private setItemIds(ids: readonly Id[] | IdMap): void {
    const map = ids instanceof IdMap ? ids.clone() : IdMap.fromJSON({ ids: [...ids] });
    if (map.size > this.numItems)
      throw new ValueError(`NextItemModel: itemIds holds ${map.size} ids but numItems is ${this.numItems}`);
    this.idMap = map;
  }

  // ---- encoding ----

  private itemIndex(op: string, id: Id): number {
    if (this.idMap) {
      const i = this.idMap.get(id);
      if (i === undefined)
        throw new ValueError(
          `${op}: unknown item id ${JSON.stringify(id)}; the model knows ${this.idMap.size} item ids`,
        );
      return i;
    }
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= this.numItems) {
      throw new ValueError(
        `${op}: unknown item ${JSON.stringify(id)}; items are integer indices in [0, ${this.numItems}) (or pass itemIds)`,
      );
    }
    return id;
  }

  private itemId(i: number): Id {
    return this.idMap ? this.idMap.id(i) : i;
  }

  private actionIndex(op: string, a: string | number): number {
    const i = typeof a === 'number' ? a : this.actionNames.indexOf(a);
    if (!Number.isInteger(i) || i < 0 || i >= this.actionNames.length) {
      throw new ValueError(
        `${op}: unknown action ${JSON.stringify(a)}; known actions: ${JSON.stringify(this.actionNames)}`,
      );
    }
    return i;
  }

  private encode(op: string, seq: EventSequence, where: string): Encoded {
    if (seq === null || typeof seq !== 'object')
      throw new ValueError(`${op}: ${where} must be an array of item ids or {items, actions}; got ${String(seq)}`);
    const isObj = !Array.isArray(seq) && 'items' in seq;
    const ids = isObj ? (seq as { items: readonly Id[] }).items : (seq as readonly Id[]);
    const acts = isObj ? (seq as { actions?: readonly (string | number)[] }).actions : undefined;
    if (!ids || typeof ids.length !== 'number')
      throw new ValueError(`${op}: ${where}.items must be an array of item ids`);
    const items = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) items[i] = this.itemIndex(op, ids[i]!);
    let actions: Int32Array | null = null;
    if (acts !== undefined) {
      if (!this.actionNames.length)
        throw new ValueError(
          `${op}: ${where} has actions but the model was built without actions (pass actions: [...names])`,
        );
      if (acts.length !== ids.length)
        throw new ValueError(`${op}: ${where} has ${ids.length} items but ${acts.length} actions`);
      actions = new Int32Array(acts.length);
      for (let i = 0; i < acts.length; i++) actions[i] = this.actionIndex(op, acts[i]!);
    }
    return { items, actions };
  }

  private sequencesOf(op: string, data: readonly EventSequence[] | Interactions): Encoded[] {
    if (data instanceof Interactions) {
      if (data.users.length === 0) throw new DataError(`${op}: the interactions are empty`);
      if (!data.times)
        throw new DataError(
          `${op}: the interactions have no times, so there is no order to learn (build them with times)`,
        );
      const g = data.byUser();
      if (!this.idMap) this.setItemIds(data.itemIds);
      const ext = data.itemIds;
      const out: Encoded[] = [];
      for (let u = 0; u + 1 < g.offsets.length; u++) {
        const lo = g.offsets[u]!,
          hi = g.offsets[u + 1]!;
        const items = new Int32Array(hi - lo);
        for (let r = lo; r < hi; r++) items[r - lo] = this.itemIndex(op, ext.id(g.items[r]!));
        out.push({ items, actions: null });
      }
      return out;
    }
    if (!Array.isArray(data))
      throw new ValueError(`${op}: data must be an array of event sequences or an Interactions`);
    if (data.length === 0) throw new DataError(`${op}: got no sequences`);
    return data.map((s, i) => this.encode(op, s, `sequences[${i}]`));
  }

  // ---- forward ----

  /**
   * Hidden states of right-padded batches. Shapes: `items` and `actions` int32 [B·T] (row-major,
   * item rows already shifted by one so 0 is padding), `lengths` [B] → [B, T, dim].
   */
  forward(items: Int32Array, batch: number, lengths: ArrayLike<number>, actions?: Int32Array | null): Tensor {
    const T = items.length / batch;
    const d = this.dim;
    let x = o.reshape(this.items.forward(items), [batch, T, d]);
    if (actions && this.actionEmb) x = o.add(x, o.reshape(this.actionEmb.forward(actions), [batch, T, d]));
    x = o.mul(x, Math.sqrt(d));
    if (this.arch === 'transformer') {
      x = this.drop.forward(this.pos!.forward(x));
      for (const block of this.blocks!) x = block.forward(x, { causal: true });
    } else {
      x = this.lstm!.forward(this.drop.forward(x), { lengths }).output;
      x = this.drop.forward(x);
    }
    return this.norm.forward(x);
  }

  /** Pads sequences on the right into one batch; `shift` adds 1 to item indices (row 0 = padding). */
  private pad(seqs: Encoded[], T: number, withActions: boolean) {
    const B = seqs.length;
    const items = new Int32Array(B * T);
    const actions = withActions ? new Int32Array(B * T) : null;
    const lengths = new Int32Array(B);
    seqs.forEach((s, b) => {
      const n = Math.min(s.items.length, T);
      const off = s.items.length - n; // keep the most recent events
      lengths[b] = n;
      for (let t = 0; t < n; t++) {
        items[b * T + t] = s.items[off + t]! + 1;
        if (actions && s.actions) actions[b * T + t] = s.actions[off + t]! + 1;
      }
    });
    return { items, actions, lengths };
  }

  /** Training windows of up to maxLen + 1 events, cut from the end of each sequence. */
  private windows(seqs: Encoded[]): Encoded[] {
    const out: Encoded[] = [];
    const W = this.maxLen + 1;
    for (const s of seqs) {
      for (let end = s.items.length; end >= 2; end -= this.maxLen) {
        const start = Math.max(0, end - W);
        out.push({ items: s.items.subarray(start, end), actions: s.actions ? s.actions.subarray(start, end) : null });
        if (start === 0) break;
      }
    }
    return out;
  }

  // ---- training ----

  /**
   * Trains on every position of every sequence (each predicts the next event). `data` is an
   * array of event sequences (oldest first) or time-ordered Interactions (grouped per user).
   * Resolves to the per-epoch losses. Sequences with fewer than two events teach nothing and are
   * skipped; if none is left, a DataError is thrown.
   */
  async fit(data: readonly EventSequence[] | Interactions, options: SequenceFitOptions = {}): Promise<SequenceEpoch[]> {
    const op = 'NextItemModel.fit';
    const fit = resolveFit(op, options, this.seed);
    const seqs = this.sequencesOf(op, data);
    const windows = this.windows(seqs);
    if (windows.length === 0)
      throw new DataError(`${op}: no sequence has two or more events, so there is no next event to learn`);
    const withActions = this.actionNames.length > 0 && windows.some((w) => w.actions);
    const shuffler = new Rng(fit.seed, 'NextItemModel.fit', 'shuffle');
    const negatives = new Rng(fit.seed, 'NextItemModel.fit', 'negatives');
    const batches = () => {
      // Shuffle, then sort by length within runs of 32 batches so padding stays short; shuffle the batches.
      const order = shuffler.shuffle(windows.slice());
      const run = 32 * fit.batchSize;
      for (let i = 0; i < order.length; i += run) {
        const part = order.slice(i, i + run).sort((a, b) => a.items.length - b.items.length);
        order.splice(i, part.length, ...part);
      }
      const out: Encoded[][] = [];
      for (let i = 0; i < order.length; i += fit.batchSize) out.push(order.slice(i, i + fit.batchSize));
      return shuffler.shuffle(out);
    };
    return trainLoop(this, fit, batches, (batch) => this.batchLoss(batch, withActions, negatives), options.onEpoch);
  }

  private batchLoss(batch: Encoded[], withActions: boolean, negatives: Rng): Tensor {
    const B = batch.length;
    const T = Math.max(...batch.map((w) => w.items.length)) - 1;
    const inputs = batch.map((w) => ({
      items: w.items.subarray(0, w.items.length - 1),
      actions: w.actions ? w.actions.subarray(0, w.actions.length - 1) : null,
    }));
    const { items, actions, lengths } = this.pad(inputs, T, withActions);
    // Valid positions (flattened b·T + t) and what follows each.
    const rows: number[] = [];
    const nextItem: number[] = [];
    const nextAction: number[] = [];
    batch.forEach((w, b) => {
      for (let t = 0; t + 1 < w.items.length; t++) {
        rows.push(b * T + t);
        nextItem.push(w.items[t + 1]!);
        nextAction.push(w.actions ? w.actions[t + 1]! : -1);
      }
    });
    const backend = this.items.weight.backend;
    const h = this.forward(items, B, lengths, actions);
    const rowIdx = tensor(Int32Array.from(rows), { backend });
    const hv = o.indexSelect(o.reshape(h, [B * T, this.dim]), 0, rowIdx);
    let loss: Tensor;
    if (this.lossKind === 'full') {
      const table = o.narrow(this.items.weight, 0, 1, this.numItems);
      loss = crossEntropy(o.linear(hv, table), tensor(Int32Array.from(nextItem), { backend }));
    } else {
      loss = this.sampledLoss(hv, nextItem, negatives);
    }
    if (withActions && this.actionHead) {
      const targets = tensor(Int32Array.from(nextAction), { backend });
      loss = o.add(loss, crossEntropy(this.actionHead.forward(hv), targets, { ignoreIndex: -1 }));
    }
    return loss;
  }

  /** Softmax over [target, shared negatives]; a negative equal to the row's target is masked. */
  private sampledLoss(hv: Tensor, nextItem: number[], negatives: Rng): Tensor {
    const K = Math.min(this.negatives, this.numItems);
    const neg = new Int32Array(K);
    for (let j = 0; j < K; j++) neg[j] = 1 + negatives.int(this.numItems);
    const N = nextItem.length;
    const mask = new Float32Array(N * K);
    for (let r = 0; r < N; r++) for (let j = 0; j < K; j++) if (neg[j] === nextItem[r]! + 1) mask[r * K + j] = -1e9;
    const backend = this.items.weight.backend;
    const pos = this.items.forward(Int32Array.from(nextItem, (i) => i + 1));
    const posLogit = o.sum(o.mul(hv, pos), -1, true);
    const negLogit = o.add(o.linear(hv, this.items.forward(neg)), tensor(mask, { shape: [N, K], backend }));
    const logits = o.concat([posLogit, negLogit], 1);
    return crossEntropy(logits, tensor(new Int32Array(N), { backend }));
  }

  // ---- inference ----

  /** Next-item scores [B, numItems] for histories (most recent maxLen events used). */
  private async scores(histories: Encoded[]): Promise<Float32Array> {
    const T = Math.min(this.maxLen, Math.max(...histories.map((h) => h.items.length)));
    const withActions = this.actionNames.length > 0 && histories.some((h) => h.actions);
    const { items, actions, lengths } = this.pad(histories, T, withActions);
    const B = histories.length;
    const wasTraining = this.training;
    this.eval();
    try {
      return await scope(async () => {
        const last = noGrad(() => {
          const h = this.forward(items, B, lengths, actions);
          const rows = Int32Array.from(lengths, (n, b) => b * T + n - 1);
          const hv = o.indexSelect(o.reshape(h, [B * T, this.dim]), 0, tensor(rows, { backend: h.backend }));
          return o.linear(hv, o.narrow(this.items.weight, 0, 1, this.numItems));
        });
        return (await last.data()) as Float32Array;
      });
    } finally {
      this.train(wasTraining);
    }
  }

  private histories(op: string, list: readonly EventSequence[]): Encoded[] {
    return list.map((s, i) => {
      const e = this.encode(op, s, list.length === 1 ? 'history' : `histories[${i}]`);
      if (e.items.length === 0)
        throw new ValueError(
          `${op}: ${list.length === 1 ? 'history' : `histories[${i}]`} is empty; the model needs at least one event`,
        );
      return e;
    });
  }

  /** The top `k` next items for one history (oldest first), best first. */
  async recommendNext(history: EventSequence, options: RecommendNextOptions = {}): Promise<ScoredItem[]> {
    return (await this.recommendNextBatch([history], options))[0]!;
  }

  /** {@link recommendNext} for many histories in one forward pass. */
  async recommendNextBatch(
    histories: readonly EventSequence[],
    options: RecommendNextOptions = {},
  ): Promise<ScoredItem[][]> {
    const op = 'NextItemModel.recommendNext';
    const k = checkInt(op, 'k', options.k ?? 10, 1);
    if (!Array.isArray(histories) || histories.length === 0) throw new ValueError(`${op}: give at least one history`);
    const enc = this.histories(op, histories);
    const s = await this.scores(enc);
    const N = this.numItems;
    return enc.map((h, b) => {
      const seen = (options.excludeSeen ?? true) ? new Set(h.items) : new Set<number>();
      const row = s.subarray(b * N, (b + 1) * N);
      const cand: number[] = [];
      for (let i = 0; i < N; i++) {
        if (seen.has(i)) continue;
        if (this.idMap && i >= this.idMap.size) continue;
        if (options.filter && !options.filter(this.itemId(i))) continue;
        cand.push(i);
      }
      cand.sort((a, c) => row[c]! - row[a]! || a - c);
      return cand.slice(0, k).map((i) => ({ item: this.itemId(i), score: row[i]! }));
    });
  }

  /** Probabilities of the next event type after `history` (models built with `actions`), most likely first. */
  async predictNextAction(history: EventSequence): Promise<{ action: string; probability: number }[]> {
    const op = 'NextItemModel.predictNextAction';
    if (!this.actionHead) throw new ValueError(`${op}: the model was built without actions`);
    const [h] = this.histories(op, [history]);
    const T = Math.min(this.maxLen, h!.items.length);
    const { items, actions, lengths } = this.pad([h!], T, true);
    this.eval();
    const p = await scope(async () => {
      const probs = noGrad(() => {
        const hid = this.forward(items, 1, lengths, actions);
        return o.softmax(this.actionHead!.forward(o.narrow(hid, 1, T - 1, 1)), -1);
      });
      return await probs.data();
    });
    return this.actionNames
      .map((action, i) => ({ action, probability: p[i]! }))
      .sort((a, b) => b.probability - a.probability);
  }

  /**
   * Leave-one-out evaluation: the last event of each sequence is held out and ranked after the
   * rest. Sampled (SASRec protocol): among itself and `negatives` items drawn uniformly from the
   * items the user never touched. Full: among all items, the user's other history items left out.
   * Ties count against the model (rank = items scoring higher or equal). Sequences shorter than
   * two events are skipped.
   */
  async evaluate(
    sequences: readonly EventSequence[] | Interactions,
    options: NextItemEvaluateOptions = {},
  ): Promise<NextItemEvaluation> {
    const op = 'NextItemModel.evaluate';
    const seqs = this.sequencesOf(op, sequences);
    const numItems = this.idMap ? this.idMap.size : this.numItems;
    return leaveOneOut(
      op,
      seqs.map((s) => s.items),
      numItems,
      (rows) => {
        const hist = rows.map((r) => {
          const s = seqs[r]!;
          return { items: s.items.subarray(0, -1), actions: s.actions ? s.actions.subarray(0, -1) : null };
        });
        return this.scores(hist).then((sc) => ({ scores: sc, stride: this.numItems }));
      },
      options,
    );
  }

  // ---- saving ----

  override typeName(): string {
    return 'NextItemModel';
  }

  override config(): ModuleConfig {
    return {
      arch: this.arch,
      numItems: this.numItems,
      dim: this.dim,
      layers: this.numLayers,
      heads: this.heads,
      maxLen: this.maxLen,
      dropout: this.dropoutP,
      loss: this.lossKind,
      negatives: this.negatives,
      seed: this.seed,
      ...(this.actionNames.length ? { actions: this.actionNames } : {}),
      ...(this.idMap ? { itemIds: this.idMap.toJSON().ids } : {}),
    };
  }
}

registerModuleType('NextItemModel', (c) => new NextItemModel(c as unknown as NextItemModelOptions));
