import type { FitControl } from '../core/fit-control.js';
import type { Rng } from '../core/random.js';

/** The losses of {@link HybridRecommender}. */
export type HybridLoss = 'warp' | 'bpr' | 'logistic';

/** A sparse feature matrix by dense row: row r has features cols[offsets[r]..offsets[r+1]) with weights values[...]. */
export interface Csr {
  offsets: Int32Array;
  cols: Int32Array;
  values: Float32Array;
}

/** One side's parameters: a k-vector and a bias per feature, with their Adagrad accumulators. */
export interface FeatureTables {
  emb: Float32Array;
  bias: Float32Array;
  embAcc: Float32Array;
  biasAcc: Float32Array;
}

/** Fresh tables for `features` features: LightFM's init, uniform in ±0.5/k, accumulators at 1. */
export function initTables(features: number, k: number, rng: Rng): FeatureTables {
  const emb = new Float32Array(features * k);
  for (let j = 0; j < emb.length; j++) emb[j] = (rng.float() - 0.5) / k;
  return {
    emb,
    bias: new Float32Array(features),
    embAcc: new Float32Array(features * k).fill(1),
    biasAcc: new Float32Array(features).fill(1),
  };
}

/** WARP's rank weight is capped, as LightFM's MAX_LOSS, so one rare violation cannot blow up a step. */
const MAX_WARP_WEIGHT = 10;

export interface HybridTrainOptions {
  k: number;
  loss: HybridLoss;
  lr: number;
  reg: number;
  maxSampled: number;
  user: FeatureTables;
  item: FeatureTables;
  userCsr: Csr;
  itemCsr: Csr;
  /** Each user's training items, sorted (the positives, and what a negative must not be). */
  seenOffsets: Int32Array;
  seenItems: Int32Array;
  /** The items negatives are drawn from (those with training interactions). */
  pool: Int32Array;
  /** Which users get trained (a fold-in trains only the new ones); default all. */
  users?: Int32Array | undefined;
  /** Update the item-side tables; false freezes them (fold-in). Default true. */
  trainItems?: boolean;
  epochs: number;
  batch: number;
  shuffle: Rng;
  negatives: Rng;
  control: FitControl;
  onEpoch?: ((epoch: number, loss: number, ms: number) => void | Promise<void>) | undefined;
}

/**
 * SGD over every (user, positive item) pair, in a shuffled order each epoch, with per-element
 * Adagrad as LightFM's default schedule. A user's (item's) representation is the weighted sum
 * of its features' vectors, so a gradient on it reaches every feature of the row.
 * - `bpr`: one uniform unseen negative, loss -log σ(x_ui - x_uj);
 * - `warp`: negatives drawn until one scores above x_ui - 1 (at most `maxSampled`); the hinge
 *   is weighted by log(⌊(items-1)/draws⌋), the rank estimate of WARP (Weston et al. 2011);
 * - `logistic`: the positive labelled 1 and one uniform unseen negative labelled 0.
 * Calls `control.batch` after every `batch` pairs (the abort point).
 */
export async function trainHybrid(o: HybridTrainOptions): Promise<void> {
  const { seenOffsets: off, seenItems: seen } = o;
  const owners: number[] = [];
  const rows: number[] = [];
  const users = o.users ?? Int32Array.from({ length: off.length - 1 }, (_, u) => u);
  for (const u of users) {
    for (let j = off[u]!; j < off[u + 1]!; j++) {
      owners.push(u);
      rows.push(j);
    }
  }
  const n = rows.length;
  const step = hybridStepper(o);
  const batches = Math.max(1, Math.ceil(n / o.batch));
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    const perm = o.shuffle.permutation(n);
    let lossSum = 0;
    for (let b = 0; b < batches; b++) {
      const end = Math.min(n, (b + 1) * o.batch);
      for (let p = b * o.batch; p < end; p++) {
        const u = owners[perm[p]!]!;
        lossSum += step(u, seen[rows[perm[p]!]!]!, seen, off[u]!, off[u + 1]!);
      }
      await o.control.batch(epoch, b + 1, batches);
    }
    await o.onEpoch?.(epoch, n > 0 ? lossSum / n : 0, performance.now() - t0);
  }
}

/** What one SGD step of the hybrid reads and updates (see {@link hybridStepper}). */
export type HybridStepOptions = Omit<
  HybridTrainOptions,
  'seenOffsets' | 'seenItems' | 'users' | 'epochs' | 'batch' | 'shuffle' | 'control' | 'onEpoch'
>;

/**
 * One SGD step on a positive pair, as {@link trainHybrid} runs it, for in-memory and streamed
 * fits alike: `step(u, i, seen, lo, hi)` trains user row `u` on item row `i`, with negatives
 * drawn from `pool` and rejected when they are in the sorted `seen[lo..hi)` (the user's
 * positives in memory; the positive alone when streaming, where the seen lists would be the
 * data). Returns the pair's loss. The scratch vectors are the stepper's own.
 */
export function hybridStepper(
  o: HybridStepOptions,
): (u: number, i: number, seen: Int32Array, lo: number, hi: number) => number {
  const { k, pool } = o;
  const trainItems = o.trainItems ?? true;
  const pu = new Float64Array(k);
  const qi = new Float64Array(k);
  const qj = new Float64Array(k);
  const gu = new Float64Array(k);
  const gi = new Float64Array(k);
  return (u, i, seen, lo, hi) => {
    let loss = 0;
    const buv = repr(o.userCsr, o.user, k, u, pu);
    const xi = buv + repr(o.itemCsr, o.item, k, i, qi) + dot(pu, qi, k);
    // dL/dx for the positive and the negative, and the negative itself (-1: no update).
    let dPos = 0;
    let dNeg = 0;
    let j = -1;
    if (o.loss === 'warp') {
      for (let s = 1; s <= o.maxSampled; s++) {
        const c = pool[o.negatives.int(pool.length)]!;
        if (contains(seen, lo, hi, c)) continue;
        const xj = buv + repr(o.itemCsr, o.item, k, c, qj) + dot(pu, qj, k);
        if (xj > xi - 1) {
          const w = Math.min(Math.log(Math.max(1, Math.floor((pool.length - 1) / s))), MAX_WARP_WEIGHT);
          loss = w * (1 - xi + xj);
          dPos = -w;
          dNeg = w;
          j = c;
          break;
        }
      }
    } else {
      j = sampleUnseen(o.negatives, pool, seen, lo, hi);
      const xj = buv + repr(o.itemCsr, o.item, k, j, qj) + dot(pu, qj, k);
      if (o.loss === 'bpr') {
        const sg = sigmoid(xi - xj);
        loss = -Math.log(Math.max(sg, 1e-12));
        dPos = sg - 1;
        dNeg = 1 - sg;
      } else {
        const si = sigmoid(xi);
        const sj = sigmoid(xj);
        loss = -(Math.log(Math.max(si, 1e-12)) + Math.log(Math.max(1 - sj, 1e-12)));
        dPos = si - 1;
        dNeg = sj;
      }
    }
    if (dPos === 0 && dNeg === 0) return loss;
    // Gradients from the values before any update.
    for (let f = 0; f < k; f++) {
      gu[f] = dPos * qi[f]! + (j >= 0 ? dNeg * qj[f]! : 0);
      gi[f] = dPos * pu[f]!;
    }
    // Pairwise losses cancel the user's bias; the logistic loss does not.
    const userBiasGrad = o.loss === 'logistic' ? dPos + dNeg : 0;
    update(o.userCsr, o.user, k, u, gu, userBiasGrad, o.lr, o.reg);
    if (trainItems) {
      update(o.itemCsr, o.item, k, i, gi, dPos, o.lr, o.reg);
      if (j >= 0) {
        for (let f = 0; f < k; f++) gi[f] = dNeg * pu[f]!;
        update(o.itemCsr, o.item, k, j, gi, dNeg, o.lr, o.reg);
      }
    }
    return loss;
  };
}

/** Row `r`'s representation into `out`; returns its bias. */
export function repr(csr: Csr, t: FeatureTables, k: number, r: number, out: Float64Array): number {
  out.fill(0);
  let bias = 0;
  for (let j = csr.offsets[r]!; j < csr.offsets[r + 1]!; j++) {
    const f = csr.cols[j]!;
    const w = csr.values[j]!;
    bias += w * t.bias[f]!;
    const o = f * k;
    for (let d = 0; d < k; d++) out[d]! += w * t.emb[o + d]!;
  }
  return bias;
}

/** Every row's representation and bias, as the tables a FactorModel scores with. */
export function allReprs(csr: Csr, t: FeatureTables, k: number): { P: Float32Array; b: Float32Array } {
  const n = csr.offsets.length - 1;
  const P = new Float32Array(n * k);
  const b = new Float32Array(n);
  const row = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    b[r] = repr(csr, t, k, r, row);
    P.set(row, r * k);
  }
  return { P, b };
}

/** Adagrad step on every feature of row `r`, given dL/d(representation) and dL/d(bias), plus L2. */
function update(
  csr: Csr,
  t: FeatureTables,
  k: number,
  r: number,
  g: Float64Array,
  gb: number,
  lr: number,
  reg: number,
) {
  for (let j = csr.offsets[r]!; j < csr.offsets[r + 1]!; j++) {
    const f = csr.cols[j]!;
    const w = csr.values[j]!;
    const o = f * k;
    for (let d = 0; d < k; d++) {
      const grad = w * g[d]! + reg * t.emb[o + d]!;
      t.embAcc[o + d]! += grad * grad;
      t.emb[o + d]! -= (lr * grad) / Math.sqrt(t.embAcc[o + d]!);
    }
    const grad = w * gb + reg * t.bias[f]!;
    t.biasAcc[f]! += grad * grad;
    t.bias[f]! -= (lr * grad) / Math.sqrt(t.biasAcc[f]!);
  }
}

function dot(a: Float64Array, b: Float64Array, k: number): number {
  let s = 0;
  for (let d = 0; d < k; d++) s += a[d]! * b[d]!;
  return s;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Whether the sorted `a[lo..hi)` holds `x`. */
export function contains(a: Int32Array, lo: number, hi: number, x: number): boolean {
  let a0 = lo;
  let b0 = hi;
  while (a0 < b0) {
    const m = (a0 + b0) >> 1;
    if (a[m]! < x) a0 = m + 1;
    else b0 = m;
  }
  return a0 < hi && a[a0] === x;
}

/** A uniform pool item the user has not seen, by rejection (a user who has seen the whole pool gets a seen one). */
function sampleUnseen(rng: Rng, pool: Int32Array, seen: Int32Array, lo: number, hi: number): number {
  let c = pool[rng.int(pool.length)]!;
  for (let tries = 0; tries < 100 && contains(seen, lo, hi, c); tries++) c = pool[rng.int(pool.length)]!;
  return c;
}
