import type { BackendName } from '../../backends/backend.js';
import type { Tensor } from '../../tensor/tensor.js';
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
}

/** What the encoder hands the decoder. */
export interface Encoded {
  memory: Tensor;
  /** int32 [B, S], 1 = padding. */
  mask: Tensor;
  h?: Tensor;
  c?: Tensor;
}

/** The part of a Seq2Seq that decoding strategies drive (kept apart so generation needs no import of the model). */
export interface StepDecoder {
  readonly vocabulary: Vocabulary;
  readonly arch: 'lstm' | 'transformer';
  readonly backendName: BackendName;
  encode(src: Int32Array, B: number, lengths: Int32Array): Encoded;
  /**
   * One decoding step: log-probabilities [B, V] of the next token after `prefix` (generated so
   * far, without `<bos>`) whose last token is `last`, and the encoder state to continue from.
   */
  step(enc: Encoded, prefix: number[][], last: Int32Array, B: number): { logp: Tensor; next: Encoded };
}
