import { DataError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import type { Embedding } from '../../nn/embedding.js';
import { crossEntropy } from '../../nn/functional.js';
import type { Linear } from '../../nn/linear.js';
import type { Module } from '../../nn/module.js';
import * as o from '../../ops/index.js';
import { tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type SequenceEpoch, type SequenceFitOptions, resolveFit, trainLoop } from './common.js';
import { type EncodedEvents, padRight, trainingWindows } from './next-item-encoding.js';

/** What training needs of a next-item network (NextItemModel is one). */
export interface NextItemNetwork extends Module {
  readonly numItems: number;
  readonly dim: number;
  readonly maxLen: number;
  readonly seed: number;
  readonly lossKind: 'full' | 'sampled';
  readonly negatives: number;
  readonly actionNames: readonly string[];
  readonly items: Embedding;
  readonly actionHead: Linear | null;
  forward(items: Int32Array, batch: number, lengths: ArrayLike<number>, actions?: Int32Array | null): Tensor;
}

/**
 * Trains on every position of every sequence (each predicts the event after it). Histories
 * longer than maxLen are cut into windows; batches are shuffled, then sorted by length within
 * runs of 32 batches so that each batch is padded only to its own longest window.
 */
export async function fitNextItem(
  net: NextItemNetwork,
  op: string,
  seqs: EncodedEvents[],
  options: SequenceFitOptions,
): Promise<SequenceEpoch[]> {
  const fit = resolveFit(op, options, net.seed);
  const windows = trainingWindows(seqs, net.maxLen);
  if (windows.length === 0)
    throw new DataError(`${op}: no sequence has two or more events, so there is no next event to learn`);
  const withActions = net.actionNames.length > 0 && windows.some((w) => w.actions);
  const shuffler = new Rng(fit.seed, 'NextItemModel.fit', 'shuffle');
  const negatives = new Rng(fit.seed, 'NextItemModel.fit', 'negatives');
  const batches = () => {
    const order = shuffler.shuffle(windows.slice());
    const run = 32 * fit.batchSize;
    for (let i = 0; i < order.length; i += run) {
      const part = order.slice(i, i + run).sort((a, b) => a.items.length - b.items.length);
      order.splice(i, part.length, ...part);
    }
    const out: EncodedEvents[][] = [];
    for (let i = 0; i < order.length; i += fit.batchSize) out.push(order.slice(i, i + fit.batchSize));
    return shuffler.shuffle(out);
  };
  return trainLoop(net, fit, batches, (batch) => batchLoss(net, batch, withActions, negatives), options.onEpoch);
}

function batchLoss(net: NextItemNetwork, batch: EncodedEvents[], withActions: boolean, negatives: Rng): Tensor {
  const B = batch.length;
  const T = Math.max(...batch.map((w) => w.items.length)) - 1;
  const inputs = batch.map((w) => ({
    items: w.items.subarray(0, w.items.length - 1),
    actions: w.actions ? w.actions.subarray(0, w.actions.length - 1) : null,
  }));
  const { items, actions, lengths } = padRight(inputs, T, withActions);
  // Valid positions (flattened b·T + t) and what follows each.
  const rows: number[] = [];
  const nextItem: number[] = [];
  const nextAction: number[] = [];
  batch.forEach((w, b) => {
    for (let t = 0; t + 1 < w.items.length; t++) {
      rows.push(b * T + t);
      nextItem.push(w.items[t + 1]!);
      nextAction.push(w.actions ? w.actions[t + 1]! : -1);
    }
  });
  const backend = net.items.weight.backend;
  const h = net.forward(items, B, lengths, actions);
  const rowIdx = tensor(Int32Array.from(rows), { backend });
  const hv = o.indexSelect(o.reshape(h, [B * T, net.dim]), 0, rowIdx);
  let loss: Tensor;
  if (net.lossKind === 'full') {
    const table = o.narrow(net.items.weight, 0, 1, net.numItems);
    loss = crossEntropy(o.linear(hv, table), tensor(Int32Array.from(nextItem), { backend }));
  } else {
    loss = sampledSoftmaxLoss(net, hv, nextItem, negatives);
  }
  if (withActions && net.actionHead) {
    const targets = tensor(Int32Array.from(nextAction), { backend });
    loss = o.add(loss, crossEntropy(net.actionHead.forward(hv), targets, { ignoreIndex: -1 }));
  }
  return loss;
}

/** Softmax over [target, shared negatives]; a negative equal to the row's target is masked. */
function sampledSoftmaxLoss(net: NextItemNetwork, hv: Tensor, nextItem: number[], negatives: Rng): Tensor {
  const K = Math.min(net.negatives, net.numItems);
  const neg = new Int32Array(K);
  for (let j = 0; j < K; j++) neg[j] = 1 + negatives.int(net.numItems);
  const N = nextItem.length;
  const mask = new Float32Array(N * K);
  for (let r = 0; r < N; r++) for (let j = 0; j < K; j++) if (neg[j] === nextItem[r]! + 1) mask[r * K + j] = -1e9;
  const backend = net.items.weight.backend;
  const pos = net.items.forward(Int32Array.from(nextItem, (i) => i + 1));
  const posLogit = o.sum(o.mul(hv, pos), -1, true);
  const negLogit = o.add(o.linear(hv, net.items.forward(neg)), tensor(mask, { shape: [N, K], backend }));
  const logits = o.concat([posLogit, negLogit], 1);
  return crossEntropy(logits, tensor(new Int32Array(N), { backend }));
}
