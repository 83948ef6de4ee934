import { noGrad } from '../../autograd/tape.js';
import { ValueError } from '../../core/errors.js';
import { checkInt, checkOneOf } from '../../core/checks.js';
import { scope } from '../../memory.js';
import * as o from '../../ops/index.js';
import { tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ScoredItem } from '../recommender.js';
import type { Id } from '../../data/idmap.js';
import { type EncodedEvents, type EventCodec, type EventSequence, padRight } from './next-item-encoding.js';
import { type NextItemNetwork, catalogueScores, withBias } from './next-item-training.js';

export interface RecommendNextOptions {
  /** How many items; default 10. */
  k?: number;
  /** Leave out items already in the history; default true. */
  excludeSeen?: boolean;
  /** Only items for which this returns true may be recommended. */
  filter?: (item: Id) => boolean;
  /**
   * What an empty history gets: 'popular' returns the items seen most often in the last fit's
   * data (scores are those counts); 'error' (default) throws a ValueError.
   */
  coldStart?: 'popular' | 'error';
}

/** The attention behind one recommendation (see NextItemModel.explainNext). */
export interface NextItemExplanation {
  /** The recommendations, best first, as recommendNext gives them. */
  recommended: ScoredItem[];
  /**
   * Each past event the model read (the most recent maxLen, oldest first) with the attention the
   * final position paid to it in the last block, averaged over heads; the weights sum to 1.
   */
  events: { item: Id; action?: string; weight: number }[];
  /** The same weights for every block, first block first ([layers][events]). */
  layers: number[][];
}

/**
 * Next-item scores for histories (the most recent maxLen events of each): [B, numItems], or
 * with `candidates` (the same number C per history) only those items, [B, C], which spares the
 * product with the whole item table when a protocol ranks a few sampled items.
 */
export async function nextItemScores(
  net: NextItemNetwork,
  histories: EncodedEvents[],
  candidates?: Int32Array[],
): Promise<Float32Array> {
  const T = Math.min(net.maxLen, Math.max(...histories.map((h) => h.items.length)));
  const withActions = net.actionNames.length > 0 && histories.some((h) => h.actions);
  const { items, actions, lengths } = padRight(histories, T, withActions);
  const B = histories.length;
  const wasTraining = net.training;
  net.eval();
  try {
    return await scope(async () => {
      const last = noGrad(() => {
        const h = net.forward(items, B, lengths, actions);
        const rows = Int32Array.from(lengths, (n, b) => b * T + n - 1);
        const hv = o.indexSelect(o.reshape(h, [B * T, net.dim]), 0, tensor(rows, { backend: h.backend }));
        if (!candidates) return catalogueScores(net, hv);
        const C = candidates[0]!.length;
        const ids = new Int32Array(B * C);
        candidates.forEach((c, b) => {
          for (let j = 0; j < C; j++) ids[b * C + j] = c[j]! + 1;
        });
        const e = o.reshape(net.items.forward(ids), [B, C, net.dim]);
        return withBias(net, o.sum(o.mul(o.reshape(hv, [B, 1, net.dim]), e), -1), ids);
      });
      return (await last.data()) as Float32Array;
    });
  } finally {
    net.train(wasTraining);
  }
}

/** Encodes histories for inference; an empty one is a ValueError unless `allowEmpty`. */
export function encodeHistories(
  codec: EventCodec,
  op: string,
  list: readonly EventSequence[],
  allowEmpty = false,
): EncodedEvents[] {
  return list.map((s, i) => {
    const where = list.length === 1 ? 'history' : `histories[${i}]`;
    const e = codec.encode(op, s, where);
    if (e.items.length === 0 && !allowEmpty)
      throw new ValueError(
        `${op}: ${where} is empty; the model needs at least one event (pass coldStart: 'popular' for popular items)`,
      );
    return e;
  });
}

/** The top `k` items of each history, best first (see NextItemModel.recommendNextBatch). */
export async function recommendNextBatch(
  net: NextItemNetwork,
  codec: EventCodec,
  histories: readonly EventSequence[],
  options: RecommendNextOptions,
): Promise<ScoredItem[][]> {
  const op = 'NextItemModel.recommendNext';
  const k = checkInt(op, 'k', options.k ?? 10, 1);
  if (!Array.isArray(histories) || histories.length === 0) throw new ValueError(`${op}: give at least one history`);
  const coldStart = checkOneOf(op, 'coldStart', options.coldStart ?? 'error', ['popular', 'error'] as const);
  const enc = encodeHistories(codec, op, histories, coldStart === 'popular');
  const warm = enc.filter((h) => h.items.length > 0);
  const s = warm.length ? await nextItemScores(net, warm) : new Float32Array(0);
  const N = net.numItems;
  let popular: Float32Array | null = null;
  if (warm.length < enc.length) {
    popular = (await net.itemCounts.data()) as Float32Array;
    if (!popular.some((c) => c > 0))
      throw new ValueError(`${op}: a cold start needs item counts, and this model has not been fit yet`);
  }
  let w = 0;
  return enc.map((h) => {
    const row = h.items.length ? s.subarray(w * N, ++w * N) : popular!;
    const seen = (options.excludeSeen ?? true) ? new Set(h.items) : new Set<number>();
    const cand: number[] = [];
    for (let i = 0; i < codec.knownItems; i++) {
      if (seen.has(i)) continue;
      if (options.filter && !options.filter(codec.itemId(i))) continue;
      cand.push(i);
    }
    cand.sort((a, c) => row[c]! - row[a]! || a - c);
    return cand.slice(0, k).map((i) => ({ item: codec.itemId(i), score: row[i]! }));
  });
}

/** Recommendations for one history with the last position's attention over its events. */
export async function explainNext(
  net: NextItemNetwork,
  codec: EventCodec,
  history: EventSequence,
  options: RecommendNextOptions,
): Promise<NextItemExplanation> {
  const op = 'NextItemModel.explainNext';
  if (!net.hasAttention)
    throw new ValueError(
      `${op}: the lstm architecture has no attention to show; build the model with arch 'transformer'`,
    );
  const [h] = encodeHistories(codec, op, [history]);
  const recommended = (await recommendNextBatch(net, codec, [history], options))[0]!;
  const T = Math.min(net.maxLen, h!.items.length);
  const withActions = net.actionNames.length > 0 && h!.actions !== null;
  const { items, actions, lengths } = padRight([h!], T, withActions);
  const wasTraining = net.training;
  net.eval();
  try {
    const layers = await scope(async () => {
      const maps: Tensor[] = [];
      noGrad(() => net.forward(items, 1, lengths, actions, maps));
      // The final position's row of each [1, T, T] map: what the prediction looked at.
      return Promise.all(maps.map(async (m) => Array.from(await o.narrow(m, 1, T - 1, 1).data())));
    });
    const off = h!.items.length - T;
    const last = layers[layers.length - 1]!;
    const events = last.map((weight, t) => ({
      item: codec.itemId(h!.items[off + t]!),
      ...(h!.actions ? { action: net.actionNames[h!.actions[off + t]!]! } : {}),
      weight,
    }));
    return { recommended, events, layers };
  } finally {
    net.train(wasTraining);
  }
}

/** Probabilities of the next event type after one history, most likely first. */
export async function predictNextAction(
  net: NextItemNetwork,
  codec: EventCodec,
  history: EventSequence,
): Promise<{ action: string; probability: number }[]> {
  const op = 'NextItemModel.predictNextAction';
  const head = net.actionHead;
  if (!head) throw new ValueError(`${op}: the model was built without actions`);
  const [h] = encodeHistories(codec, op, [history]);
  const T = Math.min(net.maxLen, h!.items.length);
  const { items, actions, lengths } = padRight([h!], T, true);
  const wasTraining = net.training;
  net.eval();
  try {
    const p = await scope(async () => {
      const probs = noGrad(() => {
        const hid = net.forward(items, 1, lengths, actions);
        return o.softmax(head.forward(o.narrow(hid, 1, T - 1, 1)), -1);
      });
      return await probs.data();
    });
    return net.actionNames
      .map((action, i) => ({ action, probability: p[i]! }))
      .sort((a, b) => b.probability - a.probability);
  } finally {
    net.train(wasTraining);
  }
}
