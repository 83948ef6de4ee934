import type { BackendName } from '../../backends/backend.js';
import { noGrad } from '../../autograd/tape.js';
import type { Id, IdMap } from '../../data/idmap.js';
import type { Interactions } from '../../data/interactions.js';
import { ValueError, fmtValue } from '../../core/errors.js';
import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { LayerNorm } from '../../nn/layernorm.js';
import { Linear } from '../../nn/linear.js';
import { LSTM } from '../../nn/lstm.js';
import { Module, ModuleList, type ModuleConfig } from '../../nn/module.js';
import { registerModuleType } from '../../nn/registry.js';
import { nextItemConfigCheck as storedConfigCheck } from './stored-config.js';
import { checkInt, checkRange, checkOneOf } from '../../core/checks.js';
import { LearnedPositionalEncoding } from '../../nn/positional.js';
import { TransformerEncoderLayer } from '../../nn/transformer.js';
import * as o from '../../ops/index.js';
import { zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ScoredItem } from '../recommender.js';
import type { SequenceEpoch, SequenceFitOptions, ValidationMetric } from './common.js';
import { type NextItemEvaluateOptions, type NextItemEvaluation, leaveOneOut } from './evaluate.js';
import { EventCodec, type EventSequence } from './next-item-encoding.js';
import {
  type NextItemExplanation,
  type RecommendNextOptions,
  explainNext,
  nextItemScores,
  predictNextAction,
  recommendNextBatch,
} from './next-item-inference.js';
import { type NextItemLoss, fitNextItem } from './next-item-training.js';
import { type EventRowChunks, fitNextItemStream, installItemCounts } from './next-item-stream.js';

export type { NextItemEvaluateOptions, NextItemEvaluation, RankingResult } from './evaluate.js';
export type { EventSequence } from './next-item-encoding.js';
export type { NextItemExplanation, RecommendNextOptions } from './next-item-inference.js';
export type { EventRowChunks, EventRows } from './next-item-stream.js';

/** The held-out next item as `fit`'s validation metric (sampled ranking, see `evaluate`). */
export interface NextItemValidation {
  /** Sequences whose last event is the held-out item; the events before it are the history. */
  sequences: readonly EventSequence[];
  /** Which metric picks the best epoch; default 'ndcg'. */
  metric?: 'hitRate' | 'ndcg';
  /** Cut-off; default 10. */
  k?: number;
  /** Sampled negatives per sequence; default 100. */
  negatives?: number;
  /** Seed of the negatives (the same ones every epoch); default 0. */
  seed?: number;
}

export interface NextItemFitOptions extends Omit<SequenceFitOptions, 'validation'> {
  /** The held-out next item of each listed sequence, or any metric (higher is better). */
  validation?: NextItemValidation | ValidationMetric;
}

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
   * Training loss, both families:
   * - 'bce': SASRec's binary cross-entropy, the next item against `negatives` items drawn
   *   uniformly per position (default 1);
   * - 'sampled': softmax over the next item and `negatives` uniformly drawn items shared by the
   *   batch (default 256; a candidate equal to a row's target is masked out);
   * - 'full': softmax cross-entropy over the whole catalogue.
   * 'auto' (default): full up to 5,000 items, sampled above.
   */
  loss?: 'auto' | NextItemLoss;
  /** Negatives per position ('bce', default 1) or per batch ('sampled', default 256). */
  negatives?: number;
  /**
   * Add a learned score per item to h·e (default false, as SASRec). `fit` starts it at the items'
   * log frequencies in the training data (the popularity prior), so the network's steps go to the
   * sequential signal from the first epoch; this helps most when training time is short.
   */
  itemBias?: boolean;
  /** Seed of the weights, the dropout masks, shuffling and negatives; default 0. */
  seed?: number;
  backend?: BackendName;
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
  readonly lossKind: NextItemLoss;
  readonly negatives: number;
  readonly seed: number;
  readonly actionNames: string[];
  readonly items: Embedding;
  readonly itemBias: Embedding | null;
  readonly actionEmb: Embedding | null;
  readonly actionHead: Linear | null;
  readonly pos: LearnedPositionalEncoding | null;
  readonly blocks: ModuleList<TransformerEncoderLayer> | null;
  readonly lstm: LSTM | null;
  readonly norm: LayerNorm;
  readonly drop: Dropout;
  /** Ids and action names ↔ the dense indices the network embeds. */
  readonly codec: EventCodec;
  readonly itemCounts: Tensor;

  /** Whether the network has attention maps to explain with (the transformer). */
  get hasAttention(): boolean {
    return this.arch === 'transformer';
  }

  constructor(options: NextItemModelOptions) {
    super();
    const op = 'NextItemModel';
    if (options === null || typeof options !== 'object')
      throw new ValueError(`${op}: options must be an object with at least numItems; got ${fmtValue(options)}`);
    this.arch = checkOneOf(op, 'arch', options.arch ?? 'transformer', ['lstm', 'transformer'] as const);
    this.numItems = checkInt(op, 'numItems', options.numItems, 1);
    this.dim = checkInt(op, 'dim', options.dim ?? 64, 1);
    this.numLayers = checkInt(op, 'layers', options.layers ?? 2, 1);
    this.heads = checkInt(op, 'heads', options.heads ?? 2, 1);
    if (this.arch === 'transformer' && this.dim % this.heads !== 0)
      throw new ValueError(`${op}: dim (${this.dim}) must be a multiple of heads (${this.heads})`);
    this.maxLen = checkInt(op, 'maxLen', options.maxLen ?? 50, 1);
    this.dropoutP = checkRange(op, 'dropout', options.dropout ?? 0.2, 0, 1);
    const loss = checkOneOf(op, 'loss', options.loss ?? 'auto', ['auto', 'bce', 'full', 'sampled'] as const);
    this.lossKind = loss === 'auto' ? (this.numItems <= 5000 ? 'full' : 'sampled') : loss;
    this.negatives = checkInt(op, 'negatives', options.negatives ?? (this.lossKind === 'bce' ? 1 : 256), 1);
    this.seed = checkInt(op, 'seed', options.seed ?? 0, 0);
    this.actionNames = [...(options.actions ?? [])];
    if (new Set(this.actionNames).size !== this.actionNames.length)
      throw new ValueError(`${op}: actions must be distinct names; got ${fmtValue(this.actionNames)}`);
    this.codec = new EventCodec(this.numItems, this.actionNames);
    if (options.itemIds) this.codec.setItemIds(options.itemIds);
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
                // Regularized by the embedding and residual dropout; dropout on the attention
                // weights would take every step off the fused attention kernel (several times slower).
                attentionDropout: 0,
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
    // How often each item occurred in the last fit's data: the answer to a cold start.
    this.itemBias = this.registerModule(
      'itemBias',
      options.itemBias
        ? new Embedding(this.numItems + 1, 1, { ...base, sparse: true, paddingIdx: 0, seed: s + 7 })
        : null,
    );
    if (this.itemBias) noGrad(() => this.itemBias!.weight.assign(zeros([this.numItems + 1, 1], base)));
    this.itemCounts = this.registerBuffer('itemCounts', zeros([this.numItems], base));
    this.eval();
  }

  /** External item ids by index, or null when items are plain indices. */
  get itemIds(): IdMap | null {
    return this.codec.itemIds;
  }

  /**
   * Hidden states of right-padded batches. Shapes: `items` and `actions` int32 [B·T] (row-major,
   * item rows already shifted by one so 0 is padding), `lengths` [B] → [B, T, dim].
   */
  forward(
    items: Int32Array,
    batch: number,
    lengths: ArrayLike<number>,
    actions?: Int32Array | null,
    attention?: Tensor[],
  ): Tensor {
    const T = items.length / batch;
    const d = this.dim;
    let x = o.reshape(this.items.forward(items), [batch, T, d]);
    if (actions && this.actionEmb) x = o.add(x, o.reshape(this.actionEmb.forward(actions), [batch, T, d]));
    x = o.mul(x, Math.sqrt(d));
    if (this.arch === 'transformer') {
      x = this.drop.forward(this.pos!.forward(x));
      for (const block of this.blocks!) {
        // Explanations only: each block's causal attention weights (mean over heads), [B, T, T].
        if (attention) {
          const n1 = block.norm1.forward(x);
          attention.push(block.self_attn.forward(n1, n1, n1, { causal: true, needWeights: true }).weights!);
        }
        x = block.forward(x, { causal: true });
      }
    } else {
      x = this.lstm!.forward(this.drop.forward(x), { lengths }).output;
      x = this.drop.forward(x);
    }
    return this.norm.forward(x);
  }

  /**
   * Trains on every position of every sequence (each predicts the next event). `data` is an
   * array of event sequences (oldest first) or time-ordered Interactions (grouped per user).
   * Resolves to the per-epoch losses. Sequences with fewer than two events teach nothing and are
   * skipped; if none is left, a DataError is thrown.
   */
  async fit(data: readonly EventSequence[] | Interactions, options: NextItemFitOptions = {}): Promise<SequenceEpoch[]> {
    const op = 'NextItemModel.fit';
    const seqs = this.codec.sequencesOf(op, data);
    const counts = new Float32Array(this.numItems);
    for (const q of seqs) for (const i of q.items) counts[i]! += 1;
    await installItemCounts(this, counts);
    return fitNextItem(this, op, seqs, { ...options, validation: this.validationMetric(op, options.validation) });
  }

  /**
   * {@link fit} on event logs larger than memory: `source()` returns a fresh (async) iterable of
   * row chunks `{users, items, actions?}` [rows], grouped by user and in time order within a
   * user (e.g. `() => at.data.readInteractionsCsvStream('events.csv')` of a log sorted by user,
   * then time); memory holds the network and one chunk. See `fitNextItemStream`.
   */
  fitStream(source: EventRowChunks, options: NextItemFitOptions = {}): Promise<SequenceEpoch[]> {
    const validation = this.validationMetric('NextItemModel.fitStream', options.validation);
    return fitNextItemStream(this, source, { ...options, validation });
  }

  /** The held-out-next-item form of `validation` as a metric; a function passes through. */
  private validationMetric(op: string, v: NextItemFitOptions['validation']): ValidationMetric | undefined {
    if (v === undefined || typeof v === 'function') return v;
    if (v === null || typeof v !== 'object' || !Array.isArray(v.sequences))
      throw new ValueError(
        `${op}: validation must be {sequences, metric?, k?, negatives?} (each sequence ends with its held-out item) or a function`,
      );
    const metric = checkOneOf(op, 'validation.metric', v.metric ?? 'ndcg', ['hitRate', 'ndcg'] as const);
    const opts = { k: v.k ?? 10, negatives: v.negatives ?? 100, seed: v.seed ?? 0, full: false };
    return async () => (await this.evaluate(v.sequences, opts)).sampled[metric];
  }

  // ---- inference ----

  /** The top `k` next items for one history (oldest first), best first. */
  async recommendNext(history: EventSequence, options: RecommendNextOptions = {}): Promise<ScoredItem[]> {
    return (await this.recommendNextBatch([history], options))[0]!;
  }

  /** {@link recommendNext} for many histories in one forward pass. */
  recommendNextBatch(histories: readonly EventSequence[], options: RecommendNextOptions = {}): Promise<ScoredItem[][]> {
    return recommendNextBatch(this, this.codec, histories, options);
  }

  /**
   * The top `k` next items for one history together with the attention weights over its past
   * events behind them: which earlier events the final position looked at, per block (transformer
   * only; the LSTM has no attention and gives a ValueError).
   */
  explainNext(history: EventSequence, options: RecommendNextOptions = {}): Promise<NextItemExplanation> {
    return explainNext(this, this.codec, history, options);
  }

  /** Probabilities of the next event type after `history` (models built with `actions`), most likely first. */
  predictNextAction(history: EventSequence): Promise<{ action: string; probability: number }[]> {
    return predictNextAction(this, this.codec, history);
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
    const seqs = this.codec.sequencesOf(op, sequences);
    return leaveOneOut(
      op,
      seqs.map((s) => s.items),
      this.codec.knownItems,
      async (rows, candidates) => {
        const hist = rows.map((r) => {
          const s = seqs[r]!;
          return { items: s.items.subarray(0, -1), actions: s.actions ? s.actions.subarray(0, -1) : null };
        });
        // Sampled-only: score just the candidates (when every row has as many).
        const same = candidates?.every((c) => c.length === candidates[0]!.length);
        if (candidates && same) {
          const scores = await nextItemScores(this, hist, candidates);
          return { scores, stride: candidates[0]!.length, columns: 'candidates' as const };
        }
        return { scores: await nextItemScores(this, hist), stride: this.numItems };
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
      ...(this.itemBias ? { itemBias: true } : {}),
      seed: this.seed,
      ...(this.actionNames.length ? { actions: this.actionNames } : {}),
      ...(this.codec.itemIds ? { itemIds: this.codec.itemIds.toJSON().ids } : {}),
    };
  }
}

registerModuleType('NextItemModel', (c) => new NextItemModel(c as unknown as NextItemModelOptions), storedConfigCheck);
