import type { BackendName } from '../../backends/backend.js';
import { noGrad } from '../../autograd/tape.js';
import { DataError, ValueError } from '../../core/errors.js';
import { Dropout } from '../../nn/dropout.js';
import { Embedding } from '../../nn/embedding.js';
import { crossEntropy, scaledDotProductAttention } from '../../nn/functional.js';
import { LayerNorm } from '../../nn/layernorm.js';
import { Linear } from '../../nn/linear.js';
import { LSTM } from '../../nn/lstm.js';
import { Module, ModuleList, type ModuleConfig } from '../../nn/module.js';
import { registerModuleType } from '../../nn/registry.js';
import { Rng } from '../../core/random.js';
import { checkInt, checkRange, checkOneOf } from '../../core/checks.js';
import { SinusoidalPositionalEncoding } from '../../nn/positional.js';
import { TransformerDecoderLayer, TransformerEncoderLayer } from '../../nn/transformer.js';
import * as o from '../../ops/index.js';
import { tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type SequenceEpoch, type SequenceFitOptions, resolveFit, trainLoop } from './common.js';
import { beamSearch, greedyOrSample, padRows } from './seq2seq-generate.js';
import type { Encoded, GenerateOptions, Seq2SeqOptions, Seq2SeqPair, StepDecoder } from './seq2seq-types.js';
import { BOS, EOS, PAD, Vocabulary } from './vocabulary.js';

export type { Seq2SeqOptions, Seq2SeqPair, GenerateOptions, Encoded } from './seq2seq-types.js';

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
 * Training uses teacher forcing and token cross-entropy (padding ignored). Generation is greedy,
 * beam search (length-normalized log-probability) or temperature sampling.
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
      throw new ValueError(`${op}: dim must be even for the LSTM's two encoder directions; got ${this.dim}`);
    this.maxLen = checkInt(op, 'maxLen', options.maxLen ?? 32, 1);
    this.dropoutP = checkRange(op, 'dropout', options.dropout ?? 0.1, 0, 1);
    this.labelSmoothing = checkRange(op, 'labelSmoothing', options.labelSmoothing ?? 0, 0, 1);
    this.seed = checkInt(op, 'seed', options.seed ?? 0, 0);
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
   * Decoder logits for target inputs `tgt` int32 [B·T] (starting with `<bos>`) → [B, T, V], and
   * the LSTM's state after the last step (to continue one step at a time).
   */
  decode(tgt: Int32Array, B: number, enc: Encoded): { logits: Tensor; h?: Tensor; c?: Tensor } {
    const T = tgt.length / B;
    let x = this.embedIds(tgt, B, T);
    if (this.arch === 'transformer') {
      x = this.drop.forward(this.pos!.forward(x));
      for (const layer of this.decoderLayers!)
        x = layer.forward(x, enc.memory, { causal: true, memoryKeyPaddingMask: enc.mask });
      return { logits: this.out.forward(this.decNorm!.forward(x)) };
    }
    const r = this.decoderLstm!.forward(this.drop.forward(x), { h0: enc.h, c0: enc.c });
    const q = o.unsqueeze(r.output, 1);
    const kv = o.unsqueeze(enc.memory, 1);
    const ctx = o.reshape(scaledDotProductAttention(q, kv, kv, { mask: enc.mask }), [B, T, this.dim]);
    const combined = this.drop.forward(this.combine!.forward(o.concat([r.output, ctx], 2), 'tanh'));
    return { logits: this.out.forward(combined), h: r.h, c: r.c };
  }

  /** Not used directly: see {@link encode}, {@link decode}, {@link fit} and {@link generate}. */
  forward(src: Int32Array, tgt: Int32Array, B: number, srcLengths: Int32Array): Tensor {
    return this.decode(tgt, B, this.encode(src, B, srcLengths)).logits;
  }

  private source(op: string, keywords: string | readonly string[], where: string): number[] {
    if (typeof keywords !== 'string' && !Array.isArray(keywords))
      throw new ValueError(`${op}: ${where} must be a string or an array of strings; got ${typeof keywords}`);
    const ids = this.vocabulary.encodeKeywords(keywords).slice(0, this.maxLen);
    if (ids.length === 0) throw new ValueError(`${op}: ${where} has no words`);
    return ids;
  }

  /** Trains on (keywords → text) pairs with teacher forcing; resolves to the per-epoch losses. */
  async fit(pairs: readonly Seq2SeqPair[], options: SequenceFitOptions = {}): Promise<SequenceEpoch[]> {
    const op = 'Seq2Seq.fit';
    const fit = resolveFit(op, options, this.seed);
    if (!Array.isArray(pairs)) throw new ValueError(`${op}: pairs must be an array of {keywords, text}`);
    if (pairs.length === 0) throw new DataError(`${op}: got no pairs`);
    const data = pairs.map((p, i) => {
      if (p === null || typeof p !== 'object' || typeof p.text !== 'string')
        throw new ValueError(`${op}: pairs[${i}] must be {keywords, text: string}`);
      const tgt = this.vocabulary.encode(p.text).slice(0, this.maxLen);
      if (tgt.length === 0) throw new DataError(`${op}: pairs[${i}].text has no words`);
      return { src: this.source(op, p.keywords, `pairs[${i}].keywords`), tgt };
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
        const S = Math.max(...batch.map((p) => p.src.length));
        const T = Math.max(...batch.map((p) => p.tgt.length)) + 1;
        const src = padRows(
          batch.map((p) => p.src),
          S,
        );
        const tin = padRows(
          batch.map((p) => [BOS, ...p.tgt]),
          T,
        );
        const tout = padRows(
          batch.map((p) => [...p.tgt, EOS]),
          T,
        );
        const logits = this.forward(src.ids, tin.ids, B, src.lengths);
        return crossEntropy(
          o.reshape(logits, [B * T, this.vocabulary.size]),
          tensor(tout.ids, { backend: this.backendName }),
          {
            ignoreIndex: PAD,
            labelSmoothing: this.labelSmoothing,
          },
        );
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
    const op = 'Seq2Seq.generate';
    const strategy = checkOneOf(op, 'strategy', options.strategy ?? 'greedy', ['greedy', 'beam', 'sample'] as const);
    const maxLen = checkInt(op, 'maxLen', options.maxLen ?? this.maxLen, 1);
    const beamSize = checkInt(op, 'beamSize', options.beamSize ?? 4, 1);
    const temperature = options.temperature ?? 1;
    if (!(temperature > 0) || !Number.isFinite(temperature))
      throw new ValueError(`${op}: temperature must be a positive number; got ${temperature}`);
    if (!Array.isArray(keywordSets) || keywordSets.length === 0)
      throw new ValueError(`${op}: give at least one keyword set`);
    const sources = keywordSets.map((k, i) =>
      this.source(op, k, keywordSets.length === 1 ? 'keywords' : `keywords[${i}]`),
    );
    const wasTraining = this.training;
    this.eval();
    try {
      let rows: number[][];
      if (strategy === 'beam') {
        rows = [];
        for (const src of sources) rows.push(await beamSearch(this, src, maxLen, beamSize));
      } else rows = await greedyOrSample(this, sources, maxLen, strategy, temperature, options.seed ?? 0);
      return rows.map((r) => this.vocabulary.decode(r));
    } finally {
      this.train(wasTraining);
    }
  }

  /** One decoding step (see {@link StepDecoder.step}). */
  step(enc: Encoded, prefix: number[][], last: Int32Array, B: number): { logp: Tensor; next: Encoded } {
    return noGrad(() => {
      if (this.arch === 'transformer') {
        const T = Math.max(...prefix.map((p) => p.length)) + 1;
        const ids = new Int32Array(B * T);
        prefix.forEach((p, b) => {
          ids[b * T] = BOS;
          // Finished rows carry PAD in their prefix; the causal mask keeps later steps away from them.
          for (let t = 0; t < T - 1; t++) ids[b * T + 1 + t] = p[t] ?? PAD;
        });
        const { logits } = this.decode(ids, B, enc);
        return {
          logp: o.logSoftmax(o.reshape(o.narrow(logits, 1, T - 1, 1), [B, this.vocabulary.size]), -1),
          next: enc,
        };
      }
      const r = this.decode(last, B, enc);
      return {
        logp: o.logSoftmax(o.reshape(r.logits, [B, this.vocabulary.size]), -1),
        next: { ...enc, h: r.h!, c: r.c! },
      };
    });
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
    };
  }
}

registerModuleType('Seq2Seq', (c) => new Seq2Seq(c as unknown as Seq2SeqOptions));
