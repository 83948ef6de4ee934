import { checkNumber } from '../core/checks.js';
import { FitControl } from '../core/fit-control.js';
import { Rng } from '../core/random.js';
import type { Interactions } from '../data/interactions.js';
import { ridgeRow } from './als-solve.js';
import { FactorModel } from './factor-model.js';
import type { FitOptions } from './recommender.js';
import { factorSpec, registerRecommender } from './recommender-io.js';

export interface ALSOptions {
  /** Latent dimension; default 50. */
  factors?: number;
  /** Alternations (users, then items); default 15. */
  epochs?: number;
  /**
   * λ of the weighted-λ penalty: a row with n ratings is penalized λ·n·(|x|² + b²) (Zhou et al.
   * 2008), so heavy and light users are shrunk alike and λ does not depend on the data size;
   * default 0.1.
   */
  reg?: number;
  /** Learn user and item biases; default true. */
  biases?: boolean;
  /** Standard deviation of the initial item factors; default 0.1. */
  initStd?: number;
  /** Clip predictions to the training range (true, the default), to [lo, hi], or not (false). */
  clip?: boolean | [number, number];
  seed?: number;
}

/**
 * Alternating least squares for explicit ratings: r̂ = μ + b_u + b_i + p_u·q_i. Each half-step
 * solves every user's (p_u, b_u) exactly with the items fixed (a (k+1)-square Cholesky solve per
 * row), then every item's. No learning rate to tune, and fold-in (`foldIn`) is the same solve.
 * CPU (typed arrays).
 *
 * @example
 * const als = await new ALS({ factors: 50, reg: 0.1 }).fit(ratings);
 */
export class ALS extends FactorModel {
  readonly kind = 'ALS';
  private readonly opts: Required<Omit<ALSOptions, 'clip'>> & { clip: boolean | [number, number] };

  constructor(options: ALSOptions = {}) {
    super();
    const k = 'ALS';
    this.opts = {
      factors: checkNumber(k, 'factors', options.factors ?? 50, { integer: true, min: 0 }),
      epochs: checkNumber(k, 'epochs', options.epochs ?? 15, { integer: true, min: 0 }),
      reg: checkNumber(k, 'reg', options.reg ?? 0.1, { positive: true }),
      biases: options.biases ?? true,
      initStd: checkNumber(k, 'initStd', options.initStd ?? 0.1, { min: 0 }),
      clip: options.clip ?? true,
      seed: checkNumber(k, 'seed', options.seed ?? 0, { integer: true, min: 0 }),
    };
  }

  config(): Record<string, unknown> {
    return { ...this.opts };
  }

  protected async train(data: Interactions, options: FitOptions): Promise<void> {
    const o = this.opts;
    const k = o.factors;
    const U = data.numUsers;
    const I = data.numItems;
    const epochs = options.epochs ?? o.epochs;
    const control = new FitControl(options, epochs);
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of data.values) {
      sum += v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    this.mean = o.biases ? sum / data.length : 0;
    if (o.clip === true) [this.clipLo, this.clipHi] = [lo, hi];
    else if (o.clip === false) [this.clipLo, this.clipHi] = [-Infinity, Infinity];
    else [this.clipLo, this.clipHi] = o.clip;
    const rng = new Rng(o.seed, this.kind, 'init');
    const P = new Float32Array(U * k);
    const Q = rng.normalArray(I * k, o.initStd);
    const bu = new Float32Array(U);
    const bi = new Float32Array(I);
    const byUser = data.byUser();
    const byItem = data.byItem();
    const y = Float32Array.from(data.values, (v) => v - this.mean);
    const check = async (epoch: number, half: number): Promise<void> => {
      try {
        await control.batch(epoch, half, 2);
      } catch (e) {
        this.setTables(k, P, Q, bu, bi);
        this.abortedPartial = true;
        throw e;
      }
    };
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      sweep(P, bu, Q, bi, k, byUser.offsets, byUser.items, byUser.rows, y, o.reg, o.biases);
      await check(epoch, 1);
      sweep(Q, bi, P, bu, k, byItem.offsets, byItem.users, byItem.rows, y, o.reg, o.biases);
      await check(epoch, 2);
      if (options.onEpoch) {
        let sq = 0;
        for (let r = 0; r < data.length; r++) {
          const u = data.users[r]!;
          const i = data.items[r]!;
          let s = bu[u]! + bi[i]!;
          for (let f = 0; f < k; f++) s += P[u * k + f]! * Q[i * k + f]!;
          sq += (y[r]! - s) ** 2;
        }
        await options.onEpoch({ epoch, loss: Math.sqrt(sq / data.length), ms: performance.now() - t0 });
      }
    }
    this.setTables(k, P, Q, bu, bi);
  }

  /** The same solve as a training half-step, for one new user. */
  protected override foldInRow(items: Int32Array, values: Float32Array): { p: Float32Array; bias: number } {
    const o = this.opts;
    const n = items.length;
    const y = Float32Array.from(values, (v) => v - this.mean);
    const r = ridgeRow(this.Q, this.k, items, y, this.bi, o.reg * n, o.reg * n, o.biases);
    return { p: Float32Array.from(r.x), bias: r.bias };
  }
}

/** Solves every row of (X, bx) with (Y, by) fixed; row r's ratings are rows[offsets[r]..] of y, against cols. */
function sweep(
  X: Float32Array,
  bx: Float32Array,
  Y: Float32Array,
  by: Float32Array,
  k: number,
  offsets: Int32Array,
  cols: Int32Array,
  rows: Int32Array,
  y: Float32Array,
  reg: number,
  biases: boolean,
): void {
  for (let r = 0; r + 1 < offsets.length; r++) {
    const a = offsets[r]!;
    const n = offsets[r + 1]! - a;
    if (n === 0) continue;
    const c = cols.subarray(a, a + n);
    const t = Float32Array.from(rows.subarray(a, a + n), (j) => y[j]!);
    const s = ridgeRow(Y, k, c, t, by, reg * n, reg * n, biases);
    for (let f = 0; f < k; f++) X[r * k + f] = s.x[f]!;
    bx[r] = s.bias;
  }
}

registerRecommender('ALS', ALS, (c) => new ALS(c), factorSpec);
