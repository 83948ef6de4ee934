import { ValueError, fmtValue } from '../../core/errors.js';
import type { Rng } from '../../core/random.js';
import { UNK, type Vocabulary } from '../sequence/vocabulary.js';

/** A text as the classifier reads it: its kept words and their ids, and how many tokens were cut. */
export interface EncodedText {
  /** The kept tokens as written (empty for a text with no tokens). */
  words: string[];
  /** Token ids, at least one: an empty text is the single `<unk>`. */
  ids: number[];
  /** Tokens past maxLen that were cut. */
  truncated: number;
}

/**
 * Tokenizes texts with `vocabulary` (unknown words → `<unk>`), keeps the first `maxLen` tokens
 * and reads an empty text as one `<unk>`, so every row has a length of at least one. A text that
 * is not a string is an `Err` naming it (DataError for training data, ValueError by default).
 */
export function encodeTexts(
  op: string,
  vocabulary: Vocabulary,
  texts: readonly string[],
  maxLen: number,
  Err: typeof ValueError = ValueError,
): EncodedText[] {
  return texts.map((text, i) => {
    if (typeof text !== 'string') throw new Err(`${op}: texts[${i}] must be a string; got ${fmtValue(text)}`);
    const all = vocabulary.tokenize(text);
    const words = all.slice(0, maxLen);
    const ids = words.map((w) => vocabulary.idOf(w));
    return { words, ids: ids.length ? ids : [UNK], truncated: all.length - words.length };
  });
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
