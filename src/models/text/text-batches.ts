import { ValueError, fmtValue } from '../../core/errors.js';
import type { Rng } from '../../core/random.js';
import { UNK, type Vocabulary } from '../sequence/vocabulary.js';
import { ngramBuckets } from './text-ngrams.js';

/** A text as the classifier reads it: its kept words and their ids, and how many tokens were cut. */
export interface EncodedText {
  /** The kept tokens as written (empty for a text with no tokens). */
  words: string[];
  /** Token ids, at least one: an empty text is the single `<unk>`. */
  ids: number[];
  /** Tokens past maxLen that were cut. */
  truncated: number;
  /** The distinct n-gram buckets of the kept words (empty without an n-gram bag). */
  grams: number[];
}

/** How texts become model input: the longest text kept, and the n-gram bag's order and buckets (0 = none). */
export interface TextEncoding {
  maxLen: number;
  ngramOrder: number;
  ngramBuckets: number;
}

/**
 * Tokenizes texts with `vocabulary` (unknown words → `<unk>`), keeps the first `maxLen` tokens
 * and reads an empty text as one `<unk>`, so every row has a length of at least one. A text that
 * is not a string is an `Err` naming it (DataError for training data, ValueError by default).
 * `encoding` is the model's {@link TextEncoding}, or just maxLen for a model without an n-gram bag.
 */
export function encodeTexts(
  op: string,
  vocabulary: Vocabulary,
  texts: readonly string[],
  encoding: TextEncoding | number,
  Err: typeof ValueError = ValueError,
): EncodedText[] {
  const enc = typeof encoding === 'number' ? { maxLen: encoding, ngramOrder: 1, ngramBuckets: 0 } : encoding;
  return texts.map((text, i) => {
    if (typeof text !== 'string') throw new Err(`${op}: texts[${i}] must be a string; got ${fmtValue(text)}`);
    const all = vocabulary.tokenize(text);
    const words = all.slice(0, enc.maxLen);
    const ids = words.map((w) => vocabulary.idOf(w));
    const grams = enc.ngramBuckets > 0 ? ngramBuckets(words, enc.ngramOrder, enc.ngramBuckets) : [];
    return { words, ids: ids.length ? ids : [UNK], truncated: all.length - words.length, grams };
  });
}

/**
 * A padded batch: token ids [B·T] right-padded with 0 and their lengths (each ≥ 1); with an
 * n-gram bag, its buckets [B·G] right-padded with bucket 0 (whose weights stay 0).
 */
export interface TextBatch {
  ids: Int32Array;
  lengths: Int32Array;
  grams?: Int32Array;
}

/** Pads encoded texts into one batch; with `dropper`, known words become `<unk>` with chance `wordDropout`. */
export function padBatch(
  rows: readonly EncodedText[],
  withGrams: boolean,
  dropper: Rng | null,
  wordDropout: number,
): TextBatch {
  const T = Math.max(...rows.map((r) => r.ids.length));
  const ids = new Int32Array(rows.length * T);
  const lengths = Int32Array.from(rows, (r) => r.ids.length);
  rows.forEach((r, b) =>
    r.ids.forEach((id, t) => {
      ids[b * T + t] = dropper && dropper.float() < wordDropout ? UNK : id;
    }),
  );
  if (!withGrams) return { ids, lengths };
  const G = Math.max(1, ...rows.map((r) => r.grams.length));
  const gramIds = new Int32Array(rows.length * G);
  rows.forEach((r, b) => gramIds.set(r.grams, b * G));
  return { ids, lengths, grams: gramIds };
}

/**
 * One epoch's batches of row indices: a seeded shuffle, then windows of 50 batches sorted by
 * length and cut into batches (so a batch holds texts of similar length and little padding),
 * the batches themselves in shuffled order.
 */
export function lengthBuckets(rng: Rng, data: readonly EncodedText[], batchSize: number): number[][] {
  const order = rng.shuffle(Array.from(data, (_, i) => i));
  const window = batchSize * 50;
  const batches: number[][] = [];
  for (let w = 0; w < order.length; w += window) {
    const part = order.slice(w, w + window).sort((a, b) => data[a]!.ids.length - data[b]!.ids.length);
    for (let i = 0; i < part.length; i += batchSize) batches.push(part.slice(i, i + batchSize));
  }
  return rng.shuffle(batches);
}
