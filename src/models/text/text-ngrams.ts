/**
 * Hashed word n-grams for the TextClassifier's n-gram bag (the fastText trick: a linear model on
 * word 1- and 2-grams, hashed into a fixed number of buckets so no n-gram vocabulary is stored
 * and words never seen in training still get a feature of their own).
 */

/** FNV-1a, 32 bits, over the UTF-16 code units of `s`: a fixed hash, so saved models read texts alike. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The distinct buckets of the 1- to `order`-grams of `words`, in [1, buckets) (bucket 0 is
 * padding). A word n-gram is its words joined by a space, as written (already lower-cased when
 * the vocabulary lower-cases), so unknown words hash like known ones.
 */
export function ngramBuckets(words: readonly string[], order: number, buckets: number): number[] {
  const out = new Set<number>();
  for (let n = 1; n <= order; n++)
    for (let i = 0; i + n <= words.length; i++) out.add(1 + (fnv1a(words.slice(i, i + n).join(' ')) % (buckets - 1)));
  return [...out];
}
