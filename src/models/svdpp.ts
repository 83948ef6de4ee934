import type { Interactions } from '../data/interactions.js';
import { Rng } from '../core/random.js';
import { FactorModel } from './factor-model.js';
import type { FitOptions } from './recommender.js';
import { need, type StateArray } from './recommender-state.js';
import { checkNumber } from '../core/checks.js';
import { factorSpec, registerRecommender } from './recommender-io.js';
import { ridgeRow } from './als-solve.js';
import { FitControl } from '../core/fit-control.js';

export interface SVDppOptions {
  /** Default 100 (see {@link SVDpp.defaults}). */
  factors?: number;
  /** Default 60. */
  epochs?: number;
  /** Default 0.005. */
  lr?: number;
  /** Default 0.08. */
  reg?: number;
  /** Learning rate of the biases; default `lr`. */
  lrBias?: number;
  /** Regularization of the biases; default `reg`. */
  regBias?: number;
  /** Regularization of the implicit factors y; default `reg`. */
  regImplicit?: number;
  /** The learning rates are multiplied by this after every epoch; default 1. */
  lrDecay?: number;
  /** Default 0.05. */
  initStd?: number;
  /** Clip predictions to the training range (default true), to [lo, hi], or not (false). */
  clip?: boolean | [number, number];
  seed?: number;
}

/**
 * The defaults of {@link SVDpp}: 100 factors, 60 epochs at lr 0.005, reg 0.08, init sd 0.05, the
 * tuned setting of benchmarks/movielens.ts (MovieLens-100k 5-fold). As for
 * MatrixFactorization, the penalty is per rating, so none of these depends on the data size.
 */
const SVDPP_DEFAULTS = { factors: 100, epochs: 60, lr: 0.005, reg: 0.08, initStd: 0.05 } as const;

/** Peers' defaults: `new SVDpp(SVDpp.presets.surprise)`. */
const SVDPP_PRESETS = {
  /** Surprise's `SVDpp()` defaults: 20 factors, 20 epochs, lr 0.007, reg 0.02, init sd 0.1. */
  surprise: { factors: 20, epochs: 20, lr: 0.007, reg: 0.02, initStd: 0.1 },
} as const satisfies Record<string, SVDppOptions>;

/**
 * SVD++ (Koren 2008): r̂ = μ + b_u + b_i + q_i·(p_u + |N(u)|^-½ Σ_{j∈N(u)} y_j), where N(u) is
 * the set of items u rated in the training data. CPU only (typed-array loops).
 *
 * Training visits users in a shuffled order and each user's ratings in a shuffled order. The
 * implicit sum is computed once per user visit and the y_j gradient is accumulated over the
 * user's ratings and applied once at the end of the visit (the regularization decay is applied
 * |R(u)| times, as per-rating updates would). This makes an epoch O(|R|·k) instead of
 * Surprise's O(Σ_u |R(u)|·|N(u)|·k), with the same fixed points.
 *
 * After `fit`, the host user factors hold p_u plus the implicit term, so `predict`,
 * `recommend` and the saved `userFactors` need no y; `implicitFactors` (y) is saved too.
 */
export class SVDpp extends FactorModel {
  /** Peers' defaults, for comparisons (see {@link SVDpp.presets}). */
  static readonly presets = SVDPP_PRESETS;
  /** The constructor's defaults for the options it documents. */
  static readonly defaults = SVDPP_DEFAULTS;
  readonly kind = 'SVDpp';
  private readonly opts: Required<Omit<SVDppOptions, 'lrBias' | 'regBias' | 'regImplicit' | 'clip'>> & {
    lrBias: number;
    regBias: number;
    regImplicit: number;
    clip: boolean | [number, number];
  };
  private Y: Float32Array = new Float32Array(0);

  constructor(options: SVDppOptions = {}) {
    super();
    const k = 'SVDpp';
    const lr = checkNumber(k, 'lr', options.lr ?? SVDPP_DEFAULTS.lr, { positive: true });
    const reg = checkNumber(k, 'reg', options.reg ?? SVDPP_DEFAULTS.reg, { min: 0 });
    this.opts = {
      factors: checkNumber(k, 'factors', options.factors ?? SVDPP_DEFAULTS.factors, { integer: true, min: 0 }),
      epochs: checkNumber(k, 'epochs', options.epochs ?? SVDPP_DEFAULTS.epochs, { integer: true, min: 0 }),
      lr,
      reg,
      lrBias: checkNumber(k, 'lrBias', options.lrBias ?? lr, { min: 0 }),
      regBias: checkNumber(k, 'regBias', options.regBias ?? reg, { min: 0 }),
      regImplicit: checkNumber(k, 'regImplicit', options.regImplicit ?? reg, { min: 0 }),
      lrDecay: checkNumber(k, 'lrDecay', options.lrDecay ?? 1, { positive: true }),
      initStd: checkNumber(k, 'initStd', options.initStd ?? SVDPP_DEFAULTS.initStd, { min: 0 }),
      clip: options.clip ?? true,
      seed: checkNumber(k, 'seed', options.seed ?? 0, { integer: true, min: 0 }),
    };
  }

  config(): Record<string, unknown> {
    return { ...this.opts };
  }

  /**
   * A new user's combined vector (p_u plus the implicit term, as the host table holds it) and
   * bias by ridge least squares against the frozen q_i and b_i, penalty reg·n as in MF. The y
   * vectors are not re-solved: this is exact for the combined vector.
   */
  protected override foldInRow(items: Int32Array, values: Float32Array): { p: Float32Array; bias: number } {
    const o = this.opts;
    const n = items.length;
    const y = Float32Array.from(values, (v) => v - this.mean);
    const r = ridgeRow(this.Q, this.k, items, y, this.bi, o.reg * n, o.regBias * n, true);
    return { p: Float32Array.from(r.x), bias: r.bias };
  }

  protected async train(data: Interactions, options: FitOptions): Promise<void> {
    const o = this.opts;
    const epochs = options.epochs ?? o.epochs;
    const k = o.factors;
    const U = data.numUsers;
    const I = data.numItems;
    const rng = new Rng(o.seed, 'SVDpp');
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of data.values) {
      sum += v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const mu = sum / data.length;
    this.mean = mu;
    if (o.clip === true) [this.clipLo, this.clipHi] = [lo, hi];
    else if (o.clip === false) [this.clipLo, this.clipHi] = [-Infinity, Infinity];
    else [this.clipLo, this.clipHi] = o.clip;
    const P = rng.normalArray(U * k, o.initStd);
    const Q = rng.normalArray(I * k, o.initStd);
    const Y = rng.normalArray(I * k, o.initStd);
    const bu = new Float32Array(U);
    const bi = new Float32Array(I);
    const g = data.byUser();
    const { seenOffsets: nOff, seenItems: nItems } = this;
    const z = new Float64Array(k);
    const acc = new Float64Array(k);
    const order = new Int32Array(0);
    let rowBuf = order;
    const control = new FitControl(options, epochs);
    const batches = Math.ceil(U / USERS_PER_BATCH);
    const check = async (epoch: number, batch: number): Promise<void> => {
      try {
        await control.batch(epoch, batch, batches);
      } catch (e) {
        // The tables hold every finished user visit: install them and keep them.
        this.Y = Y;
        this.setTables(k, foldImplicit(P, Y, nOff, nItems, k), Q, bu, bi);
        this.abortedPartial = true;
        throw e;
      }
    };
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      const decay = o.lrDecay ** (epoch - 1);
      const lr = o.lr * decay;
      const lrB = o.lrBias * decay;
      let sq = 0;
      const users = rng.permutation(U);
      for (let visit = 0; visit < U; visit++) {
        if (visit > 0 && visit % USERS_PER_BATCH === 0) await check(epoch, visit / USERS_PER_BATCH);
        const u = users[visit]!;
        const r0 = g.offsets[u]!;
        const r1 = g.offsets[u + 1]!;
        if (r1 === r0) continue;
        const n0 = nOff[u]!;
        const n1 = nOff[u + 1]!;
        const norm = 1 / Math.sqrt(n1 - n0);
        z.fill(0);
        for (let a = n0; a < n1; a++) {
          const yo = nItems[a]! * k;
          for (let f = 0; f < k; f++) z[f]! += Y[yo + f]!;
        }
        for (let f = 0; f < k; f++) z[f]! *= norm;
        acc.fill(0);
        if (rowBuf.length < r1 - r0) rowBuf = new Int32Array(r1 - r0);
        const rows = rowBuf.subarray(0, r1 - r0);
        for (let a = 0; a < rows.length; a++) rows[a] = r0 + a;
        rng.shuffle(rows);
        const po = u * k;
        for (const a of rows) {
          const i = g.items[a]!;
          const qo = i * k;
          let dot = 0;
          for (let f = 0; f < k; f++) dot += Q[qo + f]! * (P[po + f]! + z[f]!);
          const e = g.values[a]! - (mu + bu[u]! + bi[i]! + dot);
          sq += e * e;
          bu[u] = bu[u]! + lrB * (e - o.regBias * bu[u]!);
          bi[i] = bi[i]! + lrB * (e - o.regBias * bi[i]!);
          for (let f = 0; f < k; f++) {
            const pf = P[po + f]!;
            const qf = Q[qo + f]!;
            P[po + f] = pf + lr * (e * qf - o.reg * pf);
            Q[qo + f] = qf + lr * (e * (pf + z[f]!) - o.reg * qf);
            acc[f]! += e * qf;
          }
        }
        const shrink = Math.max(0, 1 - lr * o.regImplicit * rows.length);
        for (let a = n0; a < n1; a++) {
          const yo = nItems[a]! * k;
          for (let f = 0; f < k; f++) Y[yo + f] = Y[yo + f]! * shrink + lr * norm * acc[f]!;
        }
      }
      await check(epoch, batches);
      await options.onEpoch?.({ epoch, loss: Math.sqrt(sq / data.length), ms: performance.now() - t0 });
    }
    this.Y = Y;
    this.setTables(k, foldImplicit(P, Y, nOff, nItems, k), Q, bu, bi);
  }

  protected override stateArrays(): Record<string, StateArray> {
    return { ...super.stateArrays(), implicitFactors: { data: this.Y, shape: [this.bi.length, this.k] } };
  }

  protected override loadArrays(arrays: Record<string, StateArray>, scalars: Record<string, number>): void {
    super.loadArrays(arrays, scalars);
    this.Y = need(arrays, 'implicitFactors', this.kind).data as Float32Array;
  }
}

/** User visits between FitControl checks (SVD++ updates per user visit, not per minibatch). */
const USERS_PER_BATCH = 64;

/** p_u + |N(u)|^-½ Σ y_j for every user. */
function foldImplicit(P: Float32Array, Y: Float32Array, off: Int32Array, items: Int32Array, k: number): Float32Array {
  const out = P.slice();
  for (let u = 0; u + 1 < off.length; u++) {
    const n = off[u + 1]! - off[u]!;
    if (n === 0) continue;
    const norm = 1 / Math.sqrt(n);
    for (let a = off[u]!; a < off[u + 1]!; a++) {
      const yo = items[a]! * k;
      for (let f = 0; f < k; f++) out[u * k + f]! += norm * Y[yo + f]!;
    }
  }
  return out;
}

registerRecommender(
  'SVDpp',
  SVDpp,
  (c) => new SVDpp(c),
  (users, items, tensors) => ({
    ...factorSpec(users, items, tensors),
    implicitFactors: { dtype: 'float32', shape: [items, tensors.userFactors?.shape[1] ?? 0] },
  }),
);
