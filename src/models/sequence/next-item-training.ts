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
import { type EncodedEvents, padRight, shuffledBatches, trainingWindows } from './next-item-encoding.js';

/**
 * Training losses. 'bce': SASRec's binary cross-entropy, the next item against `negatives`
 * uniformly drawn items per position. 'sampled': softmax over the next item and `negatives`
 * uniformly drawn items shared by the batch. 'full': softmax over the whole catalogue.
 */
export type NextItemLoss = 'bce' | 'sampled' | 'full';

/** What training needs of a next-item network (NextItemModel is one). */
export interface NextItemNetwork extends Module {
  readonly numItems: number;
  readonly dim: number;
  readonly maxLen: number;
  readonly seed: number;
  readonly lossKind: NextItemLoss;
  readonly negatives: number;
  readonly actionNames: readonly string[];
  readonly items: Embedding;
  /** A learned score per item added to h·e (popularity, learned in a few steps), or null. */
  readonly itemBias: Embedding | null;
  readonly actionHead: Linear | null;
  /** Training counts of each item (a cold start's popular items). */
  readonly itemCounts: Tensor;
  /** Whether `forward` can collect attention maps (transformer) or not (LSTM). */
  readonly hasAttention: boolean;
  /** Hidden states [B, T, dim]; `attention` collects each block's [B, T, T] weights when given. */
  forward(
    items: Int32Array,
    batch: number,
    lengths: ArrayLike<number>,
    actions?: Int32Array | null,
    attention?: Tensor[],
  ): Tensor;
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
  const batches = () => shuffledBatches(windows, fit.batchSize, shuffler);
  return trainLoop(net, fit, batches, (batch) => batchLoss(net, batch, withActions, negatives), options.onEpoch);
}

/** The scalar training loss of one batch of windows with the network's loss; `fitStream` shares it. */
export function batchLoss(net: NextItemNetwork, batch: EncodedEvents[], withActions: boolean, negatives: Rng): Tensor {
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
    loss = crossEntropy(catalogueScores(net, hv), tensor(Int32Array.from(nextItem), { backend }));
  } else if (net.lossKind === 'sampled') {
    loss = sampledSoftmaxLoss(net, hv, nextItem, negatives);
  } else {
    loss = binaryLoss(net, hv, nextItem, negatives);
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
  const posRows = Int32Array.from(nextItem, (i) => i + 1);
  const posLogit = withBias(net, o.sum(o.mul(hv, net.items.forward(posRows)), -1, true), posRows);
  const negLogit = o.add(
    withBias(net, o.linear(hv, net.items.forward(neg)), neg),
    tensor(mask, { shape: [N, K], backend }),
  );
  const logits = o.concat([posLogit, negLogit], 1);
  return crossEntropy(logits, tensor(new Int32Array(N), { backend }));
}

/**
 * SASRec's loss: −log σ(h·e_next) − Σ log σ(−h·e_neg) over `negatives` items drawn uniformly per
 * position (redrawn when equal to the next item), averaged over positions. Cheap (a dot product
 * per candidate), and its uniform negatives match the sampled evaluation protocol.
 */
function binaryLoss(net: NextItemNetwork, hv: Tensor, nextItem: number[], negatives: Rng): Tensor {
  const N = nextItem.length;
  const K = net.negatives;
  const neg = new Int32Array(N * K);
  for (let r = 0; r < N; r++) {
    for (let j = 0; j < K; j++) {
      let i = negatives.int(net.numItems);
      // One redraw suffices unless the catalogue is a single item.
      if (i === nextItem[r] && net.numItems > 1) while (i === nextItem[r]) i = negatives.int(net.numItems);
      neg[r * K + j] = i + 1;
    }
  }
  const posRows = Int32Array.from(nextItem, (i) => i + 1);
  const posLogit = withBias(net, o.sum(o.mul(hv, net.items.forward(posRows)), -1), posRows);
  const negE = o.reshape(net.items.forward(neg), [N, K, net.dim]);
  const negLogit = withBias(net, o.sum(o.mul(o.reshape(hv, [N, 1, net.dim]), negE), -1), neg);
  const total = o.add(o.sum(o.softplus(o.neg(posLogit))), o.sum(o.softplus(negLogit)));
  return o.mul(total, 1 / N);
}

/** Scores of every catalogue item for hidden states hv [N, dim] → [N, numItems]. */
export function catalogueScores(net: NextItemNetwork, hv: Tensor): Tensor {
  const table = o.narrow(net.items.weight, 0, 1, net.numItems);
  const bias = net.itemBias ? o.reshape(o.narrow(net.itemBias.weight, 0, 1, net.numItems), [net.numItems]) : undefined;
  return o.linear(hv, table, bias);
}

/**
 * `scores` plus each item's bias, the items given as table rows (index + 1): `rows` holds one
 * row per score, in the scores' order, or (for scores [N, K]) the K shared rows of every line.
 */
export function withBias(net: NextItemNetwork, scores: Tensor, rows: Int32Array): Tensor {
  if (!net.itemBias) return scores;
  const b = net.itemBias.forward(rows);
  return o.add(scores, o.reshape(b, rows.length === scores.size ? scores.shape : [1, rows.length]));
}
