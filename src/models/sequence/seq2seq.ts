import type { BackendName } from '../../backends/backend.js';
import { noGrad } from '../../autograd/tape.js';
import { DataError, ValueError, fmtValue } from '../../core/errors.js';
import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { attentionComposed, crossEntropy } from '../../nn/functional.js';
import { LayerNorm } from '../../nn/layernorm.js';
import { Linear } from '../../nn/linear.js';
import { LSTM } from '../../nn/lstm.js';
import { Module, ModuleList, type ModuleConfig } from '../../nn/module.js';
import { registerModuleType } from '../../nn/registry.js';
import { seq2seqConfigCheck } from './stored-config.js';
import { Rng } from '../../core/random.js';
import { checkInt, checkRange, checkOneOf } from '../../core/checks.js';
import { SinusoidalPositionalEncoding } from '../../nn/positional.js';
import { TransformerDecoderLayer, TransformerEncoderLayer } from '../../nn/transformer.js';
import * as o from '../../ops/index.js';
import { tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type SequenceEpoch, type SequenceFitOptions, resolveFit, trainLoop } from './common.js';
import { cachedStep, startCache } from './seq2seq-cache.js';
import { type SourceBatch, copyMix, inVocabulary, sourceBatch, teacherForcing } from './seq2seq-copy.js';
import { generateAll, reorderState } from './seq2seq-generate.js';
import type {
  AlignedGeneration,
  DecodeState,
  Encoded,
  GenerateOptions,
  Seq2SeqOptions,
  Seq2SeqPair,
  StepDecoder,
} from './seq2seq-types.js';
import { PAD, Vocabulary, sourceWords } from './vocabulary.js';

/** One decoder pass: log-probabilities, the alignment over the source (when known), and the LSTM state. */
export type Decoder = { logp: Tensor; align: Tensor | null; h?: Tensor; c?: Tensor };

export type { Seq2SeqOptions, Seq2SeqPair, GenerateOptions, Encoded, AlignedGeneration } from './seq2seq-types.js';

/**
 * An encoder-decoder for short text, such as subject lines from keywords. The source is the
 * keywords joined by `<sep>`; the target starts with `<bos>` and ends with `<eos>`; both use
 * one word-level {@link Vocabulary} and one (tied) input embedding, scaled by √dim.
 *
 * - `arch: 'transformer'`: sinusoidal positions, `layers` pre-LN encoder layers and `layers`
 *   pre-LN decoder layers (causal self-attention + cross-attention), final LayerNorms.
 * - `arch: 'lstm'`: a bidirectional LSTM encoder (dim/2 per direction) whose final states start
 *   a `layers`-deep LSTM decoder; each decoder output attends to the encoder outputs with
 *   scaled dot-product (Luong "dot") attention through the fused attention kernel, and
 *   tanh(W[h; context]) feeds the output layer.
 * With `copy` (the default) a pointer-generator output mixes the vocabulary softmax with the
 * attention over the source words, so keywords, even ones outside the vocabulary, are copied.
 * Training uses teacher forcing and token cross-entropy (padding ignored). Generation is greedy,
 * beam search (length-normalized log-probability) or temperature sampling; the transformer
 * decodes with a key/value cache. {@link generateAligned} shows which source words each output
 * word attended to.
 *
 * The model is an nn Module: `at.save(model)` / `at.load(path)` rebuild it, vocabulary included.
 */
export class Seq2Seq extends Module implements StepDecoder {
  readonly arch: 'lstm' | 'transformer';
  readonly vocabulary: Vocabulary;
  readonly dim: number;
  readonly numLayers: number;
  readonly heads: number;
  readonly maxLen: number;
  readonly dropoutP: number;
  readonly labelSmoothing: number;
  readonly seed: number;
  readonly embed: Embedding;
  readonly out: Linear;
  readonly drop: Dropout;
  readonly pos: SinusoidalPositionalEncoding | null;
  readonly encoderLayers: ModuleList<TransformerEncoderLayer> | null;
  readonly decoderLayers: ModuleList<TransformerDecoderLayer> | null;
  readonly encNorm: LayerNorm | null;
  readonly decNorm: LayerNorm | null;
  readonly encoderLstm: LSTM | null;
  readonly decoderLstm: LSTM | null;
  readonly combine: Linear | null;
  readonly copy: boolean;
  readonly copyQuery: Linear | null;
  readonly copyGate: Linear | null;

  constructor(options: Seq2SeqOptions) {
    super();
    const op = 'Seq2Seq';
    if (options === null || typeof options !== 'object')
      throw new ValueError(`${op}: options must be an object with a vocabulary`);
    if (!options.vocabulary)
      throw new ValueError(`${op}: vocabulary is required (build one with Vocabulary.build(texts))`);
    this.vocabulary =
      options.vocabulary instanceof Vocabulary ? options.vocabulary : Vocabulary.fromJSON(options.vocabulary);
    this.arch = checkOneOf(op, 'arch', options.arch ?? 'transformer', ['lstm', 'transformer'] as const);
    this.dim = checkInt(op, 'dim', options.dim ?? 64, 2);
    this.numLayers = checkInt(op, 'layers', options.layers ?? 2, 1);
    this.heads = checkInt(op, 'heads', options.heads ?? 4, 1);
    if (this.arch === 'transformer' && this.dim % this.heads !== 0)
      throw new ValueError(`${op}: dim (${this.dim}) must be a multiple of heads (${this.heads})`);
    if (this.arch === 'lstm' && this.dim % 2 !== 0)
      throw new ValueError(`${op}: dim must be even for the LSTM's two encoder directions; got ${fmtValue(this.dim)}`);
    this.maxLen = checkInt(op, 'maxLen', options.maxLen ?? 32, 1);
    this.dropoutP = checkRange(op, 'dropout', options.dropout ?? 0.1, 0, 1);
    this.labelSmoothing = checkRange(op, 'labelSmoothing', options.labelSmoothing ?? 0, 0, 1);
    this.seed = checkInt(op, 'seed', options.seed ?? 0, 0);
    this.copy = options.copy ?? true;
    if (typeof this.copy !== 'boolean') throw new ValueError(`${op}: copy must be a boolean; got ${typeof this.copy}`);
    const base = options.backend ? { backend: options.backend } : {};
    const s = this.seed * 1000;
    const d = this.dim;
    const V = this.vocabulary.size;
    this.embed = this.registerModule('embed', new Embedding(V, d, { ...base, paddingIdx: PAD, seed: s + 1 }));
    noGrad(() => this.embed.weight.assign(o.mul(this.embed.weight, 1 / Math.sqrt(d))));
    this.drop = this.registerModule('drop', new Dropout(this.dropoutP, { seed: s + 2 }));
    const L = this.numLayers;
    if (this.arch === 'transformer') {
      const layer = { ...base, dimFeedforward: 4 * d, dropout: this.dropoutP };
      this.pos = this.registerModule('pos', new SinusoidalPositionalEncoding(d, this.maxLen + 2, base));
      this.encoderLayers = this.registerModule(
        'encoderLayers',
        new ModuleList(
          Array.from(
            { length: L },
            (_, l) => new TransformerEncoderLayer(d, this.heads, { ...layer, seed: s + 100 + 50 * l }),
          ),
        ),
      );
      this.decoderLayers = this.registerModule(
        'decoderLayers',
        new ModuleList(
          Array.from(
            { length: L },
            (_, l) => new TransformerDecoderLayer(d, this.heads, { ...layer, seed: s + 400 + 50 * l }),
          ),
        ),
      );
      this.encNorm = this.registerModule('encNorm', new LayerNorm(d, base));
      this.decNorm = this.registerModule('decNorm', new LayerNorm(d, base));
      this.encoderLstm = this.decoderLstm = this.combine = null;
    } else {
      this.encoderLstm = this.registerModule(
        'encoderLstm',
        new LSTM(d, d / 2, { ...base, numLayers: L, bidirectional: true, batchFirst: true, seed: s + 3 }),
      );
      this.decoderLstm = this.registerModule(
        'decoderLstm',
        new LSTM(d, d, { ...base, numLayers: L, batchFirst: true, seed: s + 50 }),
      );
      this.combine = this.registerModule('combine', new Linear(2 * d, d, { ...base, seed: s + 4 }));
      this.pos = this.encoderLayers = this.decoderLayers = this.encNorm = this.decNorm = null;
    }
    this.out = this.registerModule('out', new Linear(d, V, { ...base, seed: s + 5 }));
    this.copyQuery = this.copy ? this.registerModule('copyQuery', new Linear(d, d, { ...base, seed: s + 6 })) : null;
    this.copyGate = this.copy ? this.registerModule('copyGate', new Linear(2 * d, 1, { ...base, seed: s + 7 })) : null;
    this.eval();
  }

  get backendName(): BackendName {
    return this.embed.weight.backend;
  }

  private embedIds(ids: Int32Array, B: number, T: number): Tensor {
    return o.mul(o.reshape(this.embed.forward(ids), [B, T, this.dim]), Math.sqrt(this.dim));
  }

  /** Encodes right-padded sources: ids int32 [B·S] → memory [B, S, dim] (+ LSTM final states). */
  encode(src: Int32Array, B: number, lengths: Int32Array): Encoded {
    const S = src.length / B;
    const maskData = new Int32Array(B * S);
    for (let b = 0; b < B; b++) for (let t = lengths[b]!; t < S; t++) maskData[b * S + t] = 1;
    const mask = tensor(maskData, { shape: [B, S], backend: this.backendName });
    let x = this.embedIds(src, B, S);
    if (this.arch === 'transformer') {
      x = this.drop.forward(this.pos!.forward(x));
      for (const layer of this.encoderLayers!) x = layer.forward(x, { srcKeyPaddingMask: mask });
      return { memory: this.encNorm!.forward(x), mask };
    }
    const r = this.encoderLstm!.forward(this.drop.forward(x), { lengths });
    // [L·2, B, d/2] (directions interleaved per layer) → [L, B, d]: both directions side by side.
    const join = (t: Tensor) =>
      o.reshape(o.permute(o.reshape(t, [this.numLayers, 2, B, this.dim / 2]), [0, 2, 1, 3]), [
        this.numLayers,
        B,
        this.dim,
      ]);
    return { memory: this.drop.forward(r.output), mask, h: join(r.h), c: join(r.c) };
  }

  /**
   * Decoder outputs for target inputs `tgt` int32 [B·T] (vocabulary ids, starting with `<bos>`):
   * log-probabilities [B, T, extSize] over the extended vocabulary (= V without copying), the
   * alignment [B, T, S] to the source (null for the transformer without copying), and the
   * LSTM's state after the last step (to continue one step at a time).
   */
  decode(tgt: Int32Array, B: number, enc: Encoded, src: SourceBatch): Decoder {
    const T = tgt.length / B;
    let x = this.embedIds(tgt, B, T);
    if (this.arch === 'transformer') {
      x = this.drop.forward(this.pos!.forward(x));
      for (const layer of this.decoderLayers!)
        x = layer.forward(x, enc.memory, { causal: true, memoryKeyPaddingMask: enc.mask });
      return this.output(this.decNorm!.forward(x), enc, src, null);
    }
    const r = this.decoderLstm!.forward(this.drop.forward(x), { h0: enc.h, c0: enc.c });
    const q = o.unsqueeze(r.output, 1);
    const kv = o.unsqueeze(enc.memory, 1);
    const att = attentionComposed(q, kv, kv, { mask: enc.mask });
    const ctx = o.reshape(att.out, [B, T, this.dim]);
    const combined = this.drop.forward(this.combine!.forward(o.concat([r.output, ctx], 2), 'tanh'));
    const luong = o.reshape(att.weights, [B, T, src.S]);
    return { ...this.output(combined, enc, src, luong), h: r.h, c: r.c };
  }

  /** The output layer on decoder states h [B, T, dim]: plain softmax, or the pointer-generator mix. */
  private output(h: Tensor, enc: Encoded, src: SourceBatch, attention: Tensor | null) {
    const logits = this.out.forward(h);
    if (!this.copy) return { logp: o.logSoftmax(logits, -1), align: attention };
    return copyMix({ query: this.copyQuery!, gate: this.copyGate! }, logits, h, enc.memory, enc.mask, src);
  }

  /** Not used directly: see {@link encode}, {@link decode}, {@link fit} and {@link generate}. Log-probabilities [B, T, extSize]. */
  forward(src: SourceBatch, tgt: Int32Array): Tensor {
    return this.decode(tgt, src.B, this.encode(src.ids, src.B, src.lengths), src).logp;
  }

  /** Trains on (keywords → text) pairs with teacher forcing; resolves to the per-epoch losses. */
  async fit(pairs: readonly Seq2SeqPair[], options: SequenceFitOptions = {}): Promise<SequenceEpoch[]> {
    const op = 'Seq2Seq.fit';
    const fit = resolveFit(op, options, this.seed);
    if (!Array.isArray(pairs)) throw new ValueError(`${op}: pairs must be an array of {keywords, text}`);
    if (pairs.length === 0) throw new DataError(`${op}: got no pairs`);
    const data = pairs.map((p, i) => {
      if (p === null || typeof p !== 'object' || typeof p.text !== 'string')
        throw new DataError(`${op}: pairs[${i}] must be {keywords, text: string}; got ${fmtValue(p)}`);
      const tgt = this.vocabulary.tokenize(p.text).slice(0, this.maxLen);
      if (tgt.length === 0) throw new DataError(`${op}: pairs[${i}].text has no words`);
      return { src: sourceWords(this.vocabulary, op, p.keywords, `pairs[${i}].keywords`, this.maxLen, DataError), tgt };
    });
    const shuffler = new Rng(fit.seed, 'Seq2Seq.fit', 'shuffle');
    const batches = () => {
      const order = shuffler.shuffle(data.slice());
      const out: (typeof data)[] = [];
      for (let i = 0; i < order.length; i += fit.batchSize) out.push(order.slice(i, i + fit.batchSize));
      return out;
    };
    return trainLoop(
      this,
      fit,
      batches,
      (batch) => {
        const B = batch.length;
        const src = sourceBatch(
          this.vocabulary,
          batch.map((p) => p.src),
        );
        const { input, output, T } = teacherForcing(
          this.vocabulary,
          batch.map((p) => p.tgt),
          src,
          this.copy,
        );
        const logp = this.forward(src, input);
        return crossEntropy(o.reshape(logp, [B * T, logp.shape[2]!]), tensor(output, { backend: this.backendName }), {
          ignoreIndex: PAD,
          labelSmoothing: this.labelSmoothing,
        });
      },
      options.onEpoch,
    );
  }

  /** Generates text from keywords (a list, or one string). */
  async generate(keywords: string | readonly string[], options: GenerateOptions = {}): Promise<string> {
    return (await this.generateBatch([keywords], options))[0]!;
  }

  /** {@link generate} for many keyword sets (greedy and sampling run them as one batch). */
  async generateBatch(
    keywordSets: readonly (string | readonly string[])[],
    options: GenerateOptions = {},
  ): Promise<string[]> {
    return (await this.run(keywordSets, options)).map((g) => g.text);
  }

  /**
   * Generates from keywords (greedy or sampling) and returns, for each output word, its
   * attention over the source words: the copy attention of a copying model, else the LSTM's
   * attention or the transformer's last cross-attention layer (averaged over heads).
   */
  async generateAligned(
    keywords: string | readonly string[],
    options: Omit<GenerateOptions, 'strategy' | 'cache'> & { strategy?: 'greedy' | 'sample' } = {},
  ): Promise<AlignedGeneration> {
    return (await this.run([keywords], { ...options, cache: true }))[0]!;
  }

  private async run(
    keywordSets: readonly (string | readonly string[])[],
    options: GenerateOptions,
  ): Promise<AlignedGeneration[]> {
    const op = 'Seq2Seq.generate';
    if (!Array.isArray(keywordSets) || keywordSets.length === 0)
      throw new ValueError(`${op}: give at least one keyword set`);
    const where = (i: number) => (keywordSets.length === 1 ? 'keywords' : `keywords[${i}]`);
    const sources = keywordSets.map((k, i) => sourceWords(this.vocabulary, op, k, where(i), this.maxLen));
    const wasTraining = this.training;
    this.eval();
    try {
      // The decoder's positions go to maxLen + 1 (<bos> and maxLen tokens).
      return await generateAll(this, sources, options, this.maxLen + 1);
    } finally {
      this.train(wasTraining);
    }
  }

  /** Encodes the sources; see {@link StepDecoder.start}. */
  start(src: SourceBatch, cache: boolean): DecodeState {
    const enc = this.encode(src.ids, src.B, src.lengths);
    const state: DecodeState = { enc, src, fed: Array.from({ length: src.B }, () => []) };
    if (cache && this.arch === 'transformer') state.cache = startCache([...this.decoderLayers!], enc.memory);
    return state;
  }

  /** One decoding step; see {@link StepDecoder.step}. */
  step(state: DecodeState, last: Int32Array): { logp: Tensor; align: Tensor | null; next: DecodeState } {
    return noGrad(() => {
      const { enc, src } = state;
      const B = src.B;
      const V = this.vocabulary.size;
      const fed = state.fed.map((f, b) => [...f, last[b]!]);
      const lastOf = (t: Tensor | null, T: number, width: number) =>
        t ? o.reshape(o.narrow(t, 1, T - 1, 1), [B, width]) : null;
      if (this.arch === 'transformer' && state.cache) {
        const pos = state.cache.length;
        const x = o.add(this.embedIds(inVocabulary(last, V), B, 1), o.narrow(this.pos!.pe, 0, pos, 1));
        const r = cachedStep([...this.decoderLayers!], x, state.cache, enc.mask);
        const out = this.output(this.decNorm!.forward(r.y), enc, src, null);
        return {
          logp: lastOf(out.logp, 1, out.logp.shape[2]!)!,
          align: lastOf(out.align, 1, src.S) ?? r.cross,
          next: { ...state, fed, cache: r.cache },
        };
      }
      if (this.arch === 'transformer') {
        // Without the cache the whole prefix runs again; finished rows carry PAD, which the causal mask keeps behind.
        const T = fed[0]!.length;
        const out = this.decode(inVocabulary(Int32Array.from(fed.flat()), V), B, enc, src);
        return {
          logp: lastOf(out.logp, T, out.logp.shape[2]!)!,
          align: lastOf(out.align, T, src.S),
          next: { ...state, fed },
        };
      }
      const r = this.decode(inVocabulary(last, V), B, enc, src);
      return {
        logp: lastOf(r.logp, 1, r.logp.shape[2]!)!,
        align: lastOf(r.align, 1, src.S),
        next: { ...state, fed, enc: { ...enc, h: r.h!, c: r.c! } },
      };
    });
  }

  /** The state with its batch rows picked by `rows`; see {@link StepDecoder.reorder}. */
  reorder(state: DecodeState, rows: Int32Array): DecodeState {
    return reorderState(state, rows, this.backendName);
  }

  override typeName(): string {
    return 'Seq2Seq';
  }

  override config(): ModuleConfig {
    return {
      arch: this.arch,
      vocabulary: this.vocabulary.toJSON(),
      dim: this.dim,
      layers: this.numLayers,
      heads: this.heads,
      maxLen: this.maxLen,
      dropout: this.dropoutP,
      labelSmoothing: this.labelSmoothing,
      seed: this.seed,
      copy: this.copy,
    };
  }
}

// Files saved before copying existed have no `copy` in their config: they load as non-copying models.
registerModuleType(
  'Seq2Seq',
  (c) => new Seq2Seq({ copy: false, ...(c as unknown as Seq2SeqOptions) }),
  seq2seqConfigCheck,
);
