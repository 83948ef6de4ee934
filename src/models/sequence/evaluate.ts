import { DataError, ValueError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { checkInt } from '../../core/checks.js';

export interface NextItemEvaluateOptions {
  /** Cut-off of HR@K and NDCG@K; default 10. */
  k?: number;
  /** Sampled negatives per user (SASRec protocol); default 100. */
  negatives?: number;
  /** Also rank the full catalogue (history items excluded, except the target); default true. */
  full?: boolean;
  /** Seed of the negatives; default 0. */
  seed?: number;
  /** Sequences scored per forward pass; default 128. */
  batchSize?: number;
}

export interface RankingResult {
  /** Share of users whose held-out item is in the top K. */
  hitRate: number;
  /** Mean over users of 1/log2(rank + 2) when the held-out item is in the top K, else 0. */
  ndcg: number;
}

export interface NextItemEvaluation {
  /** Users (sequences) scored: those with at least two events. */
  users: number;
  k: number;
  negatives: number;
  /** The held-out item ranked among itself and `negatives` items the user never touched. */
  sampled: RankingResult;
  /** The held-out item ranked in the whole catalogue, the user's other history items left out. */
  full?: RankingResult;
}

/**
 * Scores of the next item after the history of each listed sequence (all but its last event):
 * row j of `scores` (at offset j·stride) belongs to `rows[j]`; item i's score is at column i.
 */
export type NextItemScorer = (rows: number[]) => Promise<{ scores: Float32Array; stride: number }>;

/**
 * The leave-one-out protocol of SASRec, in one place for the models and the baselines: the
 * last event of each sequence (item indices, oldest first) is held out and ranked from the
 * scores of the history before it. Sampled: among itself and `negatives` items drawn uniformly
 * (seeded, without repeats) from the items the user never touched. Full: among all items, the
 * user's other history items left out. Ties count against the scorer (rank = other candidates
 * scoring higher or equal). Sequences shorter than two events are skipped.
 */
export async function leaveOneOut(
  op: string,
  sequences: readonly ArrayLike<number>[],
  numItems: number,
  score: NextItemScorer,
  options: NextItemEvaluateOptions = {},
): Promise<NextItemEvaluation> {
  const k = checkInt(op, 'k', options.k ?? 10, 1);
  const nNeg = checkInt(op, 'negatives', options.negatives ?? 100, 1);
  const batchSize = checkInt(op, 'batchSize', options.batchSize ?? 128, 1);
  const full = options.full ?? true;
  const rows: number[] = [];
  sequences.forEach((s, i) => s.length >= 2 && rows.push(i));
  if (rows.length === 0) throw new DataError(`${op}: no sequence has two or more events to hold one out`);
  if (nNeg > numItems - 1)
    throw new ValueError(`${op}: negatives (${nNeg}) must be less than the number of items (${numItems})`);
  const negatives = new Rng(options.seed ?? 0, 'evaluateNextItem', 'negatives');
  const acc = { hr: 0, ndcg: 0, fhr: 0, fndcg: 0 };
  const gain = (rank: number) => (rank < k ? 1 / Math.log2(rank + 2) : 0);
  for (let i = 0; i < rows.length; i += batchSize) {
    const chunk = rows.slice(i, i + batchSize);
    const { scores, stride } = await score(chunk);
    chunk.forEach((r, b) => {
      const s = sequences[r]!;
      const row = scores.subarray(b * stride, b * stride + numItems);
      const target = s[s.length - 1]!;
      const ts = row[target]!;
      const touched = new Set(Array.from(s));
      const want = Math.min(nNeg, numItems - touched.size);
      const drawn = new Set<number>();
      let rank = 0;
      while (drawn.size < want) {
        const j = negatives.int(numItems);
        if (touched.has(j) || drawn.has(j)) continue;
        drawn.add(j);
        if (row[j]! >= ts) rank++;
      }
      if (rank < k) acc.hr++;
      acc.ndcg += gain(rank);
      if (full) {
        const hist = new Set(Array.prototype.slice.call(s, 0, -1) as number[]);
        let fr = 0;
        for (let j = 0; j < numItems; j++) if (j !== target && !hist.has(j) && row[j]! >= ts) fr++;
        if (fr < k) acc.fhr++;
        acc.fndcg += gain(fr);
      }
    });
  }
  const n = rows.length;
  return {
    users: n,
    k,
    negatives: nNeg,
    sampled: { hitRate: acc.hr / n, ndcg: acc.ndcg / n },
    ...(full ? { full: { hitRate: acc.fhr / n, ndcg: acc.fndcg / n } } : {}),
  };
}

/** The leave-one-out protocol for a fixed score per item (popularity and other history-free baselines). */
export function evaluateStaticScores(
  sequences: readonly ArrayLike<number>[],
  itemScores: Float32Array,
  options: NextItemEvaluateOptions = {},
): Promise<NextItemEvaluation> {
  return leaveOneOut(
    'evaluateStaticScores',
    sequences,
    itemScores.length,
    async (rows) => {
      const out = new Float32Array(rows.length * itemScores.length);
      rows.forEach((_, j) => out.set(itemScores, j * itemScores.length));
      return { scores: out, stride: itemScores.length };
    },
    options,
  );
}

/** The leave-one-out protocol with any scorer: for baselines and models outside this module. */
export function evaluateNextItem(
  sequences: readonly ArrayLike<number>[],
  numItems: number,
  score: NextItemScorer,
  options: NextItemEvaluateOptions = {},
): Promise<NextItemEvaluation> {
  return leaveOneOut('evaluateNextItem', sequences, numItems, score, options);
}
