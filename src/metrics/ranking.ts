import { ShapeError, ValueError, fmtValue } from '../core/errors.js';
import { checkK } from './validate.js';

/** The relevant (held-out) items of one user: a Set or a list of item indices. */
export type RelevantItems = ReadonlySet<number> | ArrayLike<number>;

/**
 * Shared conventions of the top-K metrics below:
 * - `recommended[u]` is user u's ranked list, best first; only its first `k` entries count, and
 *   a list shorter than `k` is scored as if padded with misses;
 * - `relevant[u]` holds user u's relevant items; the two arrays must have the same length
 *   (ShapeError);
 * - users with no relevant item are skipped (no metric is defined for them) and the result is
 *   the mean over the rest; if no user has a relevant item, a ValueError is thrown;
 * - an item repeated within a user's top `k` is a ValueError, since it would count twice.
 */
function meanOverUsers(
  op: string,
  recommended: readonly ArrayLike<number>[],
  relevant: readonly RelevantItems[],
  k: number,
  score: (top: ArrayLike<number>, rel: ReadonlySet<number>, k: number) => number,
): number {
  checkK(op, k);
  if (recommended.length !== relevant.length) {
    throw new ShapeError(
      `${op}: recommended and relevant must list the same users; got ${fmtValue(recommended.length)} and ${relevant.length}`,
    );
  }
  let sum = 0;
  let users = 0;
  for (let u = 0; u < recommended.length; u++) {
    const rel = toSet(relevant[u]!);
    if (rel.size === 0) continue;
    const list = recommended[u]!;
    const top = list.length > k ? (Array.prototype.slice.call(list, 0, k) as number[]) : list;
    checkDistinct(op, u, top);
    sum += score(top, rel, k);
    users++;
  }
  if (users === 0) throw new ValueError(`${op}: no user has a relevant item, so the metric is undefined`);
  return sum / users;
}

function toSet(x: RelevantItems): ReadonlySet<number> {
  return x instanceof Set ? x : new Set(Array.from(x as ArrayLike<number>));
}

function checkDistinct(op: string, u: number, top: ArrayLike<number>): void {
  const seen = new Set<number>();
  for (let i = 0; i < top.length; i++) {
    if (seen.has(top[i]!)) throw new ValueError(`${op}: recommended[${u}] repeats item ${top[i]} within the top k`);
    seen.add(top[i]!);
  }
}

function hits(top: ArrayLike<number>, rel: ReadonlySet<number>): number {
  let h = 0;
  for (let i = 0; i < top.length; i++) if (rel.has(top[i]!)) h++;
  return h;
}

/** Precision@K: hits in the top K divided by K, averaged over users (see conventions above). */
export function precisionAtK(
  recommended: readonly ArrayLike<number>[],
  relevant: readonly RelevantItems[],
  k: number,
): number {
  return meanOverUsers('precisionAtK', recommended, relevant, k, (top, rel, k) => hits(top, rel) / k);
}

/** Recall@K: hits in the top K divided by the user's number of relevant items, averaged over users. */
export function recallAtK(
  recommended: readonly ArrayLike<number>[],
  relevant: readonly RelevantItems[],
  k: number,
): number {
  return meanOverUsers('recallAtK', recommended, relevant, k, (top, rel) => hits(top, rel) / rel.size);
}

/** Hit rate@K (HR@K): the share of users with at least one relevant item in their top K. */
export function hitRateAtK(
  recommended: readonly ArrayLike<number>[],
  relevant: readonly RelevantItems[],
  k: number,
): number {
  return meanOverUsers('hitRateAtK', recommended, relevant, k, (top, rel) => (hits(top, rel) > 0 ? 1 : 0));
}

/**
 * NDCG@K with binary relevance: DCG = sum over hits at 0-based rank i of 1/log2(i + 2),
 * divided by the DCG of an ideal list (min(K, |relevant|) hits first). In [0, 1]; 1 exactly
 * when the top K is as good as possible.
 */
export function ndcgAtK(
  recommended: readonly ArrayLike<number>[],
  relevant: readonly RelevantItems[],
  k: number,
): number {
  return meanOverUsers('ndcgAtK', recommended, relevant, k, (top, rel, k) => {
    let dcg = 0;
    for (let i = 0; i < top.length; i++) if (rel.has(top[i]!)) dcg += 1 / Math.log2(i + 2);
    let ideal = 0;
    for (let i = 0; i < Math.min(k, rel.size); i++) ideal += 1 / Math.log2(i + 2);
    return dcg / ideal;
  });
}

/**
 * MAP@K: per user, the mean of precision@i over the ranks i (1-based, i ≤ K) that hold a
 * relevant item, divided by min(K, |relevant|) so that a perfect list scores 1; then averaged
 * over users.
 */
export function mapAtK(
  recommended: readonly ArrayLike<number>[],
  relevant: readonly RelevantItems[],
  k: number,
): number {
  return meanOverUsers('mapAtK', recommended, relevant, k, (top, rel, k) => {
    let h = 0;
    let sum = 0;
    for (let i = 0; i < top.length; i++) {
      if (rel.has(top[i]!)) {
        h++;
        sum += h / (i + 1);
      }
    }
    return sum / Math.min(k, rel.size);
  });
}

/**
 * Catalog coverage: the share of the `numItems` items that appear in at least one user's top
 * `k` (all of each list when `k` is omitted). Items must be integers in [0, numItems)
 * (ValueError otherwise).
 */
export function catalogCoverage(recommended: readonly ArrayLike<number>[], numItems: number, k?: number): number {
  if (!Number.isInteger(numItems) || numItems < 1)
    throw new ValueError(`catalogCoverage: numItems must be a positive integer; got ${fmtValue(numItems)}`);
  if (k !== undefined) checkK('catalogCoverage', k);
  const shown = new Uint8Array(numItems);
  let count = 0;
  for (let u = 0; u < recommended.length; u++) {
    const list = recommended[u]!;
    const m = k === undefined ? list.length : Math.min(k, list.length);
    for (let i = 0; i < m; i++) {
      const item = list[i]!;
      if (!Number.isInteger(item) || item < 0 || item >= numItems) {
        throw new ValueError(
          `catalogCoverage: recommended[${u}][${i}] must be an item index in [0, ${numItems}); got ${fmtValue(item)}`,
        );
      }
      if (!shown[item]) {
        shown[item] = 1;
        count++;
      }
    }
  }
  return count / numItems;
}
