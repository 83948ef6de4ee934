import type { BackendName } from '../../backends/backend.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { KvCache } from './seq2seq-cache.js';
import type { SourceBatch } from './seq2seq-copy.js';
import type { Vocabulary } from './vocabulary.js';

export interface Seq2SeqOptions {
  /** 'lstm' (bi-LSTM encoder, LSTM decoder with scaled dot-product Luong attention) or 'transformer' (the default). */
  arch?: 'lstm' | 'transformer';
  /** The shared source and target vocabulary (or its JSON). */
  vocabulary: Vocabulary | { tokens: string[]; lowercase?: boolean };
  /** Embedding and hidden size; default 64 (even for the LSTM's two directions). */
  dim?: number;
  /** Encoder and decoder layers each; default 2. */
  layers?: number;
  /** Attention heads (transformer); default 4; must divide dim. */
  heads?: number;
  /** Longest source or target in tokens (longer ones are cut); default 32. */
  maxLen?: number;
  /** Dropout; default 0.1. */
  dropout?: number;
  /** Label smoothing of the training loss; default 0. */
  labelSmoothing?: number;
  /** Seed of the weights, dropout masks and shuffling; default 0. */
  seed?: number;
  /**
   * Pointer-generator copying (default true): a learned gate mixes the vocabulary distribution
   * with the attention over the source words, so keywords (even ones outside the vocabulary)
   * can be copied into the output.
   */
  copy?: boolean;
  backend?: BackendName;
}

/** A training pair: keywords (a list, or one string) and the text written from them. */
export interface Seq2SeqPair {
  keywords: string | readonly string[];
  text: string;
}

export interface GenerateOptions {
  /** Most tokens to generate; default the model's maxLen. */
  maxLen?: number;
  /** 'greedy' (default), 'beam' search, or 'sample' from softmax(logits / temperature). */
  strategy?: 'greedy' | 'beam' | 'sample';
  /** Beams kept by 'beam'; default 4. */
  beamSize?: number;
  /** Softmax temperature of 'sample' (> 0); default 1. */
  temperature?: number;
  /** Seed of 'sample'; default 0. */
  seed?: number;
  /** Transformer: reuse each step's keys and values (default true); false re-runs the whole prefix every step. */
  cache?: boolean;
}

/** A generated text with the alignment of each output word to the source words. */
export interface AlignedGeneration {
  text: string;
  /** The output words, in order. */
  output: string[];
  /** The source words ('<sep>' between keywords). */
  source: string[];
  /** alignment[i][j]: attention of output word i on source word j (each row sums to 1). */
  alignment: number[][];
}

/** What the encoder hands the decoder. */
export interface Encoded {
  memory: Tensor;
  /** int32 [B, S], 1 = padding. */
  mask: Tensor;
  h?: Tensor;
  c?: Tensor;
}

/** Where decoding stands: the encoder output, the source batch and the tokens fed so far. */
export interface DecodeState {
  enc: Encoded;
  src: SourceBatch;
  /** Tokens fed so far per row, `<bos>` first (extended ids). */
  fed: number[][];
  /** Transformer key/value cache, when decoding with it. */
  cache?: KvCache;
}

/** The part of a Seq2Seq that decoding strategies drive (kept apart so generation needs no import of the model). */
export interface StepDecoder {
  readonly vocabulary: Vocabulary;
  readonly backendName: BackendName;
  /** Encodes the sources and returns the state before the first step. */
  start(src: SourceBatch, cache: boolean): DecodeState;
  /**
   * Feeds `last` (one extended id per row) and returns the log-probabilities [B, extSize] of the
   * next token, the alignment [B, S] of this step to the source (null where the model has none:
   * the uncached transformer without copying), and the state to continue from.
   */
  step(state: DecodeState, last: Int32Array): { logp: Tensor; align: Tensor | null; next: DecodeState };
  /** The state with its batch rows picked by `rows` (beam search). */
  reorder(state: DecodeState, rows: Int32Array): DecodeState;
}
