import type { BackendName } from '../../backends/backend.js';
import { noGrad } from '../../autograd/tape.js';
import { checkInt, checkOneOf, checkRange } from '../../core/checks.js';
import { DataError, ValueError, fmtValue } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { scope } from '../../memory.js';
import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { crossEntropy } from '../../nn/functional.js';
import { Linear } from '../../nn/linear.js';
import { LSTM } from '../../nn/lstm.js';
import { Module, ModuleList, type ModuleConfig } from '../../nn/module.js';
import { SinusoidalPositionalEncoding } from '../../nn/positional.js';
import { registerModuleType } from '../../nn/registry.js';
import { TransformerEncoderLayer } from '../../nn/transformer.js';
import * as o from '../../ops/index.js';
import { tensor, zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type SequenceEpoch, resolveFit, trainLoop } from '../sequence/common.js';
import { PAD, UNK, Vocabulary, type VocabularyOptions } from '../sequence/vocabulary.js';
import {
  type EncodedText,
  type TextBatch,
  type TextEncoding,
  encodeTexts,
  lengthBuckets,
  padBatch,
} from './text-batches.js';
import type { Explanation, TextClassifierFitOptions, TextClassifierOptions, TokenWeight } from './text-types.js';

export type { TextClassifierOptions, TextClassifierFitOptions, TokenWeight, Explanation, TextBatch, TextEncoding };

/**
 * A classifier for short texts (reviews, messages, subject lines): word embedding → a
 * bidirectional LSTM or a transformer encoder → attention pooling (a learned query scores every
 * token; the softmax-weighted sum of the token states is the text's vector; optionally the
 * element-wise max over the tokens beside it) → a linear layer, plus optionally a hashed bag of
 * word n-grams added to the logits (`ngramBuckets`). The pooling weights are what {@link explain}
 * returns: which words drove the prediction.
 *
 * Tokens come from a word-level {@link Vocabulary}: words below its min count, and words never
 * seen in training, map to `<unk>` (id 3). An empty text (no tokens) is read as the single
 * token `<unk>`, so it gets the model's prediction for "nothing known"; a text longer than
 * `maxLen` tokens keeps its first `maxLen` (explain reports how many were cut).
 *
 * The model is an nn Module: `at.save(model)` / `at.load(path)` rebuild it, vocabulary included.
 */
export class TextClassifier extends Module {
  readonly vocabulary: Vocabulary;
  readonly classes: readonly string[];
  readonly encoderKind: 'bilstm' | 'transformer';
  readonly dim: number;
  readonly hidden: number;
  readonly numLayers: number;
  readonly heads: number;
  readonly maxLen: number;
  readonly dropoutP: number;
  readonly wordDropout: number;
  readonly pooling: 'attention' | 'attention+max';
  readonly ngramBuckets: number;
  readonly ngramOrder: number;
  readonly seed: number;
  readonly embed: Embedding;
  readonly drop: Dropout;
  readonly lstm: LSTM | null;
  readonly pos: SinusoidalPositionalEncoding | null;
  readonly encoderLayers: ModuleList<TransformerEncoderLayer> | null;
  readonly poolKey: Linear;
  readonly poolQuery: Linear;
  readonly out: Linear;
  /** The n-gram bag's table [ngramBuckets, classes] (bucket 0 is padding), when ngramBuckets > 0. */
  readonly ngrams: Embedding | null;

  constructor(options: TextClassifierOptions) {
    super();
    const op = 'TextClassifier';
    if (options === null || typeof options !== 'object' || !options.vocabulary)
      throw new ValueError(`${op}: options must include a vocabulary (or use TextClassifier.fromTexts)`);
    this.vocabulary =
      options.vocabulary instanceof Vocabulary ? options.vocabulary : Vocabulary.fromJSON(options.vocabulary);
    if (!Array.isArray(options.classes) || options.classes.length < 2)
      throw new ValueError(`${op}: classes must list at least 2 class names; got ${fmtValue(options.classes)}`);
    if (new Set(options.classes).size !== options.classes.length)
      throw new ValueError(`${op}: classes must be distinct; got ${fmtValue(options.classes)}`);
    this.classes = options.classes.map(String);
    this.encoderKind = checkOneOf(op, 'encoder', options.encoder ?? 'bilstm', ['bilstm', 'transformer'] as const);
    this.dim = checkInt(op, 'dim', options.dim ?? 64, 1);
    this.hidden = checkInt(op, 'hidden', options.hidden ?? 64, 1);
    this.numLayers = checkInt(op, 'layers', options.layers ?? 1, 1);
    this.heads = checkInt(op, 'heads', options.heads ?? 4, 1);
    if (this.encoderKind === 'transformer' && this.dim % this.heads !== 0)
      throw new ValueError(`${op}: dim (${this.dim}) must be a multiple of heads (${this.heads})`);
    this.maxLen = checkInt(op, 'maxLen', options.maxLen ?? 64, 1);
    this.dropoutP = checkRange(op, 'dropout', options.dropout ?? 0.3, 0, 1);
    this.wordDropout = checkRange(op, 'wordDropout', options.wordDropout ?? 0.05, 0, 1);
    this.pooling = checkOneOf(op, 'pooling', options.pooling ?? 'attention', ['attention', 'attention+max'] as const);
    const buckets = options.ngramBuckets ?? 0;
    this.ngramBuckets = buckets === 0 ? 0 : checkInt(op, 'ngramBuckets', buckets, 2);
    this.ngramOrder = checkInt(op, 'ngramOrder', options.ngramOrder ?? 2, 1);
    this.seed = checkInt(op, 'seed', options.seed ?? 0, 0);
    const base = options.backend ? { backend: options.backend } : {};
    const s = this.seed * 1000;
    const d = this.dim;
    this.embed = this.registerModule(
      'embed',
      new Embedding(this.vocabulary.size, d, { ...base, paddingIdx: PAD, seed: s + 1 }),
    );
    this.drop = this.registerModule('drop', new Dropout(this.dropoutP, { seed: s + 2 }));
    let width: number;
    if (this.encoderKind === 'bilstm') {
      this.lstm = this.registerModule(
        'lstm',
        new LSTM(d, this.hidden, {
          ...base,
          numLayers: this.numLayers,
          bidirectional: true,
          batchFirst: true,
          seed: s + 3,
        }),
      );
      this.pos = this.encoderLayers = null;
      width = 2 * this.hidden;
    } else {
      this.pos = this.registerModule('pos', new SinusoidalPositionalEncoding(d, this.maxLen, base));
      const layer = { ...base, dimFeedforward: 2 * d, dropout: this.dropoutP };
      this.encoderLayers = this.registerModule(
        'encoderLayers',
        new ModuleList(
          Array.from(
            { length: this.numLayers },
            (_, l) => new TransformerEncoderLayer(d, this.heads, { ...layer, seed: s + 100 + 50 * l }),
          ),
        ),
      );
      this.lstm = null;
      width = d;
    }
    // Additive attention pooling: score_t = q · tanh(K h_t).
    this.poolKey = this.registerModule('poolKey', new Linear(width, width, { ...base, seed: s + 4 }));
    this.poolQuery = this.registerModule('poolQuery', new Linear(width, 1, { ...base, bias: false, seed: s + 5 }));
    const C = this.classes.length;
    const pooledWidth = this.pooling === 'attention+max' ? 2 * width : width;
    this.out = this.registerModule('out', new Linear(pooledWidth, C, { ...base, seed: s + 6 }));
    if (this.ngramBuckets > 0) {
      // Sparse: a step updates only the buckets its batch touched. Zeros: the bag starts neutral.
      const table = new Embedding(this.ngramBuckets, C, { ...base, paddingIdx: 0, sparse: true });
      noGrad(() => table.weight.assign(zeros([this.ngramBuckets, C], base)));
      this.ngrams = this.registerModule('ngrams', table);
    } else this.ngrams = null;
    this.eval();
  }

  /** Builds the vocabulary (lower-cased by default, min count 2) and the classes from training data. */
  static fromTexts(
    texts: readonly string[],
    labels: readonly (string | number)[],
    options: Omit<TextClassifierOptions, 'vocabulary' | 'classes'> & VocabularyOptions = {},
  ): TextClassifier {
    const op = 'TextClassifier.fromTexts';
    if (!Array.isArray(texts) || !Array.isArray(labels) || texts.length !== labels.length)
      throw new ValueError(`${op}: texts and labels must be arrays of the same length`);
    const bad = texts.findIndex((t) => typeof t !== 'string');
    if (bad >= 0) throw new DataError(`${op}: texts[${bad}] must be a string; got ${fmtValue(texts[bad])}`);
    const vocabulary = Vocabulary.build(texts, {
      lowercase: options.lowercase ?? true,
      minCount: options.minCount ?? 2,
      ...(options.maxSize !== undefined ? { maxSize: options.maxSize } : {}),
    });
    const classes = [...new Set(labels.map(String))].sort();
    return new TextClassifier({ ...options, vocabulary, classes });
  }

  get backendName(): BackendName {
    return this.embed.weight.backend;
  }

  /**
   * Class logits [B, C] and pooling weights [B, T] of a padded batch: token ids [B·T] with their
   * lengths (each ≥ 1), and the n-gram buckets when the model has an n-gram bag.
   */
  forward(batch: TextBatch): { logits: Tensor; weights: Tensor } {
    const { ids, lengths } = batch;
    const B = lengths.length;
    const T = ids.length / B;
    let x = this.drop.forward(o.reshape(this.embed.forward(ids), [B, T, this.dim]));
    const padData = new Float32Array(B * T);
    for (let b = 0; b < B; b++) for (let t = lengths[b]!; t < T; t++) padData[b * T + t] = 1;
    const padding = tensor(padData, { shape: [B, T], backend: this.backendName });
    if (this.lstm) {
      x = this.lstm.forward(x, { lengths }).output;
    } else {
      const mask = o.cast(padding, 'int32');
      x = this.pos!.forward(x);
      for (const layer of this.encoderLayers!) x = layer.forward(x, { srcKeyPaddingMask: mask });
    }
    const scores = o.reshape(this.poolQuery.forward(this.poolKey.forward(x, 'tanh')), [B, T]);
    // Padding gets -1e9 before the softmax, so it has weight 0.
    const weights = o.softmax(o.add(scores, o.mul(padding, -1e9)), -1);
    let pooled = o.reshape(o.matmul(o.unsqueeze(weights, 1), x), [B, x.shape[2]!]);
    if (this.pooling === 'attention+max')
      pooled = o.concat([pooled, o.max(o.add(x, o.mul(o.unsqueeze(padding, -1), -1e9)), 1)], 1);
    let logits = this.out.forward(this.drop.forward(pooled));
    if (this.ngrams) {
      if (!batch.grams) throw new ValueError('TextClassifier.forward: this model has an n-gram bag; pass batch.grams');
      const C = this.classes.length;
      const G = batch.grams.length / B;
      logits = o.add(logits, o.sum(o.reshape(this.ngrams.forward(batch.grams), [B, G, C]), 1));
    }
    return { logits, weights };
  }

  /** How texts become this model's input (see encodeTexts). */
  get encoding(): TextEncoding {
    return { maxLen: this.maxLen, ngramOrder: this.ngramOrder, ngramBuckets: this.ngramBuckets };
  }

  private labelIndex(op: string, labels: readonly (string | number)[], n: number): Int32Array {
    if (!Array.isArray(labels) || labels.length !== n)
      throw new ValueError(`${op}: labels must be an array with one label per text (${n}); got ${labels?.length}`);
    const index = new Map(this.classes.map((c, i) => [c, i]));
    return Int32Array.from(labels, (l, i) => {
      const k = index.get(String(l));
      if (k === undefined)
        throw new DataError(`${op}: labels[${i}] is ${fmtValue(l)}; expected one of ${this.classes.join(', ')}`);
      return k;
    });
  }

  /**
   * Trains on labelled texts (labels are class names, or numbers whose String() is one); resolves
   * to the per-epoch losses. Batches group texts of similar length so little padding is computed.
   */
  async fit(
    texts: readonly string[],
    labels: readonly (string | number)[],
    options: TextClassifierFitOptions = {},
  ): Promise<SequenceEpoch[]> {
    const op = 'TextClassifier.fit';
    const fit = resolveFit(op, options, this.seed);
    const labelSmoothing = checkRange(op, 'labelSmoothing', options.labelSmoothing ?? 0, 0, 1);
    if (!Array.isArray(texts)) throw new ValueError(`${op}: texts must be an array of strings`);
    if (texts.length === 0) throw new DataError(`${op}: got no texts`);
    const y = this.labelIndex(op, labels, texts.length);
    const data = encodeTexts(op, this.vocabulary, texts, this.encoding, DataError);
    const shuffler = new Rng(fit.seed, 'TextClassifier.fit', 'shuffle');
    const dropper = new Rng(fit.seed, 'TextClassifier.fit', 'sample');
    return trainLoop(
      this,
      fit,
      () => lengthBuckets(shuffler, data, fit.batchSize),
      (rows) => {
        const batch = padBatch(
          rows.map((r) => data[r]!),
          this.ngrams !== null,
          this.wordDropout > 0 ? dropper : null,
          this.wordDropout,
        );
        const target = tensor(
          Int32Array.from(rows, (r) => y[r]!),
          { backend: this.backendName },
        );
        return crossEntropy(this.forward(batch).logits, target, { labelSmoothing });
      },
      options.onEpoch,
    );
  }

  /** Runs the model in eval mode on texts, `batchSize` at a time; `use` reads each batch's outputs. */
  private async inference(
    op: string,
    texts: readonly string[],
    batchSize: number,
    use: (rows: number[], probs: Float32Array, weights: Float32Array, T: number) => void,
  ): Promise<EncodedText[]> {
    if (!Array.isArray(texts)) throw new ValueError(`${op}: texts must be an array of strings`);
    const data = encodeTexts(op, this.vocabulary, texts, this.encoding);
    // Batches of similar lengths compute little padding; `use` gets the rows in their own order.
    const order = Array.from(data, (_, i) => i).sort((a, b) => data[a]!.ids.length - data[b]!.ids.length);
    const wasTraining = this.training;
    this.eval();
    try {
      for (let start = 0; start < order.length; start += batchSize) {
        const rows = order.slice(start, start + batchSize);
        const batch = padBatch(
          rows.map((r) => data[r]!),
          this.ngrams !== null,
          null,
          0,
        );
        await scope(async () => {
          const r = noGrad(() => this.forward(batch));
          const probs = (await o.softmax(r.logits, -1).data()) as Float32Array;
          use(rows, probs, (await r.weights.data()) as Float32Array, batch.ids.length / rows.length);
        });
      }
    } finally {
      this.train(wasTraining);
    }
    return data;
  }

  /** Class probabilities of each text: rows in `texts` order, columns in `classes` order. */
  async predict(texts: readonly string[], options: { batchSize?: number } = {}): Promise<number[][]> {
    const op = 'TextClassifier.predict';
    const batchSize = checkInt(op, 'batchSize', options.batchSize ?? 256, 1);
    const C = this.classes.length;
    const out: number[][] = new Array(texts.length);
    await this.inference(op, texts, batchSize, (rows, probs) => {
      rows.forEach((r, b) => {
        out[r] = Array.from(probs.subarray(b * C, (b + 1) * C));
      });
    });
    return out;
  }

  /** The most probable class of each text. */
  async classify(texts: readonly string[]): Promise<string[]> {
    return (await this.predict(texts)).map((p) => this.classes[p.indexOf(Math.max(...p))]!);
  }

  /** The prediction for one text and the attention weight of each of its tokens ("which words drove this"). */
  async explain(text: string): Promise<Explanation> {
    const op = 'TextClassifier.explain';
    let probabilities: number[] = [];
    let weights: Float32Array = new Float32Array(0);
    const [enc] = await this.inference(op, [text], 1, (_, probs, w) => {
      probabilities = Array.from(probs);
      weights = w;
    });
    const tokens = enc!.words.map((token, t) => ({
      token,
      known: enc!.ids[t] !== UNK,
      weight: weights[t]!,
    }));
    const label = this.classes[probabilities.indexOf(Math.max(...probabilities))]!;
    return { probabilities, label, tokens, truncated: enc!.truncated };
  }

  override typeName(): string {
    return 'TextClassifier';
  }

  override config(): ModuleConfig {
    return {
      vocabulary: this.vocabulary.toJSON(),
      classes: [...this.classes],
      encoder: this.encoderKind,
      dim: this.dim,
      hidden: this.hidden,
      layers: this.numLayers,
      heads: this.heads,
      maxLen: this.maxLen,
      dropout: this.dropoutP,
      wordDropout: this.wordDropout,
      pooling: this.pooling,
      ngramBuckets: this.ngramBuckets,
      ngramOrder: this.ngramOrder,
      seed: this.seed,
    };
  }
}

// Sizes in a stored config must agree with the stored tables before anything is built (see
// NextItemModel's registration).
registerModuleType(
  'TextClassifier',
  (c) => new TextClassifier(c as unknown as TextClassifierOptions),
  (c, stored) => {
    stored.dim(c, 'dim', 'embed.weight', 1);
    if (c.encoder === 'bilstm') {
      stored.dim(c, 'hidden', 'lstm.weight_hh_l0', 1);
      stored.count(c, 'layers', (l) => `lstm.weight_ih_l${l}`);
    } else stored.count(c, 'layers', (l) => `encoderLayers.${l}.linear1.weight`);
    if (Number(c.ngramBuckets) > 0) stored.dim(c, 'ngramBuckets', 'ngrams.weight', 0);
  },
);
