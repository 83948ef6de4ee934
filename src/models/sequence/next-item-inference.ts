import { noGrad } from '../../autograd/tape.js';
import { ValueError } from '../../core/errors.js';
import { checkInt } from '../../core/checks.js';
import { scope } from '../../memory.js';
import * as o from '../../ops/index.js';
import { tensor } from '../../tensor/creation.js';
import type { ScoredItem } from '../recommender.js';
import type { Id } from '../../data/idmap.js';
import { type EncodedEvents, type EventCodec, type EventSequence, padRight } from './next-item-encoding.js';
import type { NextItemNetwork } from './next-item-training.js';

export interface RecommendNextOptions {
  /** How many items; default 10. */
  k?: number;
  /** Leave out items already in the history; default true. */
  excludeSeen?: boolean;
  /** Only items for which this returns true may be recommended. */
  filter?: (item: Id) => boolean;
}

/** Next-item scores [B, numItems] for histories (the most recent maxLen events of each). */
export async function nextItemScores(net: NextItemNetwork, histories: EncodedEvents[]): Promise<Float32Array> {
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
        return o.linear(hv, o.narrow(net.items.weight, 0, 1, net.numItems));
      });
      return (await last.data()) as Float32Array;
    });
  } finally {
    net.train(wasTraining);
  }
}

/** Encodes histories for inference; an empty one is a ValueError. */
export function encodeHistories(codec: EventCodec, op: string, list: readonly EventSequence[]): EncodedEvents[] {
  return list.map((s, i) => {
    const where = list.length === 1 ? 'history' : `histories[${i}]`;
    const e = codec.encode(op, s, where);
    if (e.items.length === 0) throw new ValueError(`${op}: ${where} is empty; the model needs at least one event`);
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
  const enc = encodeHistories(codec, op, histories);
  const s = await nextItemScores(net, enc);
  const N = net.numItems;
  return enc.map((h, b) => {
    const seen = (options.excludeSeen ?? true) ? new Set(h.items) : new Set<number>();
    const row = s.subarray(b * N, (b + 1) * N);
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
