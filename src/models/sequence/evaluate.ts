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
  /** Negatives per user: as asked, or capped at numItems − 1 on a small catalogue (see `note`). */
  negatives: number;
  /** Set when the protocol had to change, e.g. a catalogue too small for the negatives asked. */
  note?: string;
  /** The held-out item ranked among itself and `negatives` items the user never touched. */
  sampled: RankingResult;
  /** The held-out item ranked in the whole catalogue, the user's other history items left out. */
  full?: RankingResult;
}

/**
 * Scores of the next item after the history of each listed sequence (all but its last event):
 * row j of `scores` (at offset j·stride) belongs to `rows[j]`; item i's score is at column i.
 * When `candidates` is given (sampled-only evaluation), a scorer may instead score just those
 * items and say `columns: 'candidates'`: then column c of row j is item candidates[j][c].
 */
export type NextItemScorer = (
  rows: number[],
  candidates?: Int32Array[],
) => Promise<{ scores: Float32Array; stride: number; columns?: 'items' | 'candidates' }>;

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
  // Shortest histories first, so each scored batch is padded only to similar lengths (the
  // negatives follow this order, so every scorer still sees the same ones).
  rows.sort((a, b) => sequences[a]!.length - sequences[b]!.length || a - b);
  if (rows.length === 0) throw new DataError(`${op}: no sequence has two or more events to hold one out`);
  if (numItems < 2) throw new ValueError(`${op}: ranking needs at least two items; the catalogue has ${numItems}`);
  // A small catalogue cannot supply the negatives asked for: rank among every untouched item
  // instead, and say so, since a cut-off near the catalogue size makes HR@K close to 1.
  const note =
    nNeg > numItems - 1
      ? `the catalogue has ${numItems} items, so each held-out item was ranked among at most ${numItems - 1} negatives instead of ${nNeg}${2 * k >= numItems ? `; with k = ${k} of at most ${numItems} candidates the sampled metrics are near 1 by construction` : ''}; prefer the full ranking`
      : undefined;
  const negatives = new Rng(options.seed ?? 0, 'evaluateNextItem', 'negatives');
  const acc = { hr: 0, ndcg: 0, fhr: 0, fndcg: 0 };
  const gain = (rank: number) => (rank < k ? 1 / Math.log2(rank + 2) : 0);
  for (let i = 0; i < rows.length; i += batchSize) {
    const chunk = rows.slice(i, i + batchSize);
    // Candidates first (target, then negatives), so a scorer can score only them.
    const candidates = chunk.map((r) => {
      const s = sequences[r]!;
      const touched = new Set(Array.from(s));
      const want = Math.min(nNeg, numItems - touched.size);
      const drawn = new Set<number>();
      while (drawn.size < want) {
        const j = negatives.int(numItems);
        if (!touched.has(j)) drawn.add(j);
      }
      return Int32Array.from([s[s.length - 1]!, ...drawn]);
    });
    const { scores, stride, columns } = await score(chunk, full ? undefined : candidates);
    chunk.forEach((r, b) => {
      const s = sequences[r]!;
      const cand = candidates[b]!;
      const target = cand[0]!;
      const at = (c: number) => (columns === 'candidates' ? scores[b * stride + c]! : scores[b * stride + cand[c]!]!);
      const ts = at(0);
      let rank = 0;
      for (let c = 1; c < cand.length; c++) if (at(c) >= ts) rank++;
      if (rank < k) acc.hr++;
      acc.ndcg += gain(rank);
      if (full) {
        const row = scores.subarray(b * stride, b * stride + numItems);
        // Items scoring at least the target's, less the target and the user's other history items.
        let fr = -1;
        for (let j = 0; j < numItems; j++) if (row[j]! >= ts) fr++;
        const hist = new Set(Array.prototype.slice.call(s, 0, -1) as number[]);
        hist.delete(target);
        for (const j of hist) if (row[j]! >= ts) fr--;
        if (fr < k) acc.fhr++;
        acc.fndcg += gain(fr);
      }
    });
  }
  const n = rows.length;
  return {
    users: n,
    k,
    negatives: Math.min(nNeg, numItems - 1),
    ...(note ? { note } : {}),
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
