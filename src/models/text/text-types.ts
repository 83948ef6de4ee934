import type { BackendName } from '../../backends/backend.js';
import type { SequenceFitOptions } from '../sequence/common.js';
import type { Vocabulary } from '../sequence/vocabulary.js';

export interface TextClassifierOptions {
  /** The word vocabulary (or its JSON); {@link TextClassifier.fromTexts} builds one from training texts. */
  vocabulary: Vocabulary | { tokens: string[]; lowercase?: boolean };
  /** Class names, in the order of `predict`'s columns (at least 2). */
  classes: readonly string[];
  /** 'bilstm' (the default) or 'transformer' (pre-LN encoder layers with sinusoidal positions). */
  encoder?: 'bilstm' | 'transformer';
  /** Embedding size; default 64. */
  dim?: number;
  /** Encoder width: hidden units per LSTM direction, or the transformer's model size (= dim); default 64. */
  hidden?: number;
  /** Encoder layers; default 1. */
  layers?: number;
  /** Attention heads of the transformer encoder; default 4. */
  heads?: number;
  /** Longest text in tokens; longer texts keep their first maxLen tokens. Default 64. */
  maxLen?: number;
  /** Dropout on embeddings and the pooled vector; default 0.3. */
  dropout?: number;
  /** Training only: the chance a known word is replaced by `<unk>` (teaches the model unknown words); default 0.05. */
  wordDropout?: number;
  /**
   * 'attention' (the default): the text's vector is the attention-weighted mean of the token
   * states. 'attention+max' concatenates the element-wise max over the tokens to it (a second
   * view that picks up strong words the attention spreads thin); `explain` still reports the
   * attention weights.
   */
  pooling?: 'attention' | 'attention+max';
  /**
   * Hash buckets of the n-gram bag, 0 (the default) for none. With buckets, the word 1- to
   * `ngramOrder`-grams of the text (unknown words included) are hashed (FNV-1a) into this many
   * buckets, each holding one weight per class, and the sum over the text's distinct n-grams is
   * added to the logits: a linear model on binary n-gram features (as fastText, with hashing),
   * trained jointly with the encoder.
   */
  ngramBuckets?: number;
  /** Longest n-gram of the bag; default 2 (words and word pairs). */
  ngramOrder?: number;
  /** Seed of the weights, dropout masks and shuffling; default 0. */
  seed?: number;
  backend?: BackendName;
}

/** Options of {@link TextClassifier.fit}: the sequence models' fit options and label smoothing. */
export interface TextClassifierFitOptions extends SequenceFitOptions {
  /** Mixes each one-hot label with the uniform distribution by this weight (see crossEntropy); default 0. */
  labelSmoothing?: number;
}

/** One token of {@link TextClassifier.explain}: the word, whether the vocabulary knew it, its attention weight. */
export interface TokenWeight {
  token: string;
  known: boolean;
  weight: number;
}

export interface Explanation {
  /** Class probabilities, in `classes` order. */
  probabilities: number[];
  /** The most probable class. */
  label: string;
  /** Each kept token's attention-pooling weight (they sum to 1; empty for an empty text). */
  tokens: TokenWeight[];
  /** Tokens past maxLen, not read by the model. */
  truncated: number;
}
