import type { Interactions } from '../data/interactions.js';
import { Rng } from '../core/random.js';
import { FactorModel } from './factor-model.js';
import type { FitOptions } from './recommender.js';
import { checkNumber } from '../core/checks.js';
import { factorSpec, registerRecommender } from './recommender-io.js';
import { addOuter, choleskySolve, gram } from './als-solve.js';
import { FitControl } from '../core/fit-control.js';

export interface ImplicitALSOptions {
  /** Default 64. */
  factors?: number;
  /** ALS sweeps (users then items); default 15. */
  epochs?: number;
  /** L2 regularization λ; default 0.05. */
  reg?: number;
  /** Confidence c = 1 + alpha · value; default 10. */
  alpha?: number;
  /** Use the values (counts, ratings) in the confidence, or 1 for every pair (false, the default). */
  useValues?: boolean;
  /** Conjugate-gradient steps per row and sweep (warm-started); default 3. */
  cgSteps?: number;
  /** Default 0.01. */
  initStd?: number;
  seed?: number;
}

/**
 * Implicit-feedback ALS (Hu, Koren and Volinsky 2008) solved with a few warm-started conjugate
 * gradient steps per row (Takács et al. 2011), as the `implicit` library does: each sweep
 * minimizes Σ c_ui (p_ui - x_u·y_i)² + λ(|x|² + |y|²) over all pairs, where p_ui = 1 for observed
 * pairs and 0 otherwise, without ever forming the dense matrix: Yᵀ Y is shared and each row only
 * adds its observed items. CPU typed arrays. Duplicate pairs sum into one confidence.
 * `onEpoch` reports the loss as NaN (the full objective would cost a dense pass).
 */
export class ImplicitALS extends FactorModel {
  readonly kind = 'ImplicitALS';
  private readonly opts: Required<ImplicitALSOptions>;

  constructor(options: ImplicitALSOptions = {}) {
    super();
    const k = 'ImplicitALS';
    this.opts = {
      factors: checkNumber(k, 'factors', options.factors ?? 64, { integer: true, min: 1 }),
      epochs: checkNumber(k, 'epochs', options.epochs ?? 15, { integer: true, min: 0 }),
      reg: checkNumber(k, 'reg', options.reg ?? 0.05, { min: 0 }),
      alpha: checkNumber(k, 'alpha', options.alpha ?? 10, { min: 0 }),
      useValues: options.useValues ?? false,
      cgSteps: checkNumber(k, 'cgSteps', options.cgSteps ?? 3, { integer: true, min: 1 }),
      initStd: checkNumber(k, 'initStd', options.initStd ?? 0.01, { min: 0 }),
      seed: checkNumber(k, 'seed', options.seed ?? 0, { integer: true, min: 0 }),
    };
  }

  config(): Record<string, unknown> {
    return { ...this.opts };
  }

  /**
   * The exact ALS user step for one new user, Y frozen: solve (YᵀY + Σ_i (c_i - 1) y_i y_iᵀ + λI) x
   * = Σ_i c_i y_i by Cholesky (training runs a few warm-started CG steps toward the same point).
   * YᵀY is computed once per fitted table and reused.
   */
  protected override foldInRow(items: Int32Array, values: Float32Array): { p: Float32Array; bias: number } {
    const { k, Q } = this;
    const o = this.opts;
    if (!this.yty || this.ytyOf !== Q) {
      this.yty = gram(Q, k);
      this.ytyOf = Q;
    }
    const A = Float64Array.from(this.yty);
    for (let f = 0; f < k; f++) A[f * k + f]! += o.reg;
    const b = new Float64Array(k);
    for (let j = 0; j < items.length; j++) {
      const c = 1 + o.alpha * (o.useValues ? values[j]! : 1);
      const y = Q.subarray(items[j]! * k, (items[j]! + 1) * k);
      addOuter(A, y, c - 1, k);
      for (let f = 0; f < k; f++) b[f]! += c * y[f]!;
    }
    return { p: Float32Array.from(choleskySolve(A, b, k)), bias: 0 };
  }
  private yty: Float64Array | undefined;
  private ytyOf: Float32Array | undefined;

  protected async train(data: Interactions, options: FitOptions): Promise<void> {
    const o = this.opts;
    const k = o.factors;
    const U = data.numUsers;
    const I = data.numItems;
    const rng = new Rng(o.seed, 'ImplicitALS');
    const byUser = csr(data.users, data.items, data.values, U, o);
    const byItem = csr(data.items, data.users, data.values, I, o);
    const X = rng.normalArray(U * k, o.initStd);
    const Y = rng.normalArray(I * k, o.initStd);
    const epochs = options.epochs ?? o.epochs;
    const control = new FitControl(options, epochs);
    this.mean = 0;
    // A half-iteration (the user sweep, then the item sweep) is a batch: an abort keeps both tables.
    const check = async (epoch: number, half: number): Promise<void> => {
      try {
        await control.batch(epoch, half, 2);
      } catch (e) {
        this.setTables(k, X, Y, new Float32Array(U), new Float32Array(I));
        this.abortedPartial = true;
        throw e;
      }
    };
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      cgSweep(X, Y, byUser, k, o.reg, o.cgSteps);
      await check(epoch, 1);
      cgSweep(Y, X, byItem, k, o.reg, o.cgSteps);
      await check(epoch, 2);
      await options.onEpoch?.({ epoch, loss: NaN, ms: performance.now() - t0 });
    }
    this.mean = 0;
    this.setTables(k, X, Y, new Float32Array(U), new Float32Array(I));
  }
}

interface Csr {
  offsets: Int32Array;
  cols: Int32Array;
  conf: Float32Array;
}

/** Rows -> (col, confidence) lists with duplicate pairs summed. */
function csr(
  rows: Int32Array,
  cols: Int32Array,
  values: Float32Array,
  numRows: number,
  o: Required<ImplicitALSOptions>,
): Csr {
  const lists: Map<number, number>[] = Array.from({ length: numRows }, () => new Map());
  for (let r = 0; r < rows.length; r++) {
    const m = lists[rows[r]!]!;
    const v = o.useValues ? values[r]! : 1;
    m.set(cols[r]!, (m.get(cols[r]!) ?? 0) + v);
  }
  const offsets = new Int32Array(numRows + 1);
  let nnz = 0;
  for (let u = 0; u < numRows; u++) offsets[u + 1] = nnz += lists[u]!.size;
  const c = new Int32Array(nnz);
  const conf = new Float32Array(nnz);
  let a = 0;
  for (const m of lists) {
    for (const [col, v] of m) {
      c[a] = col;
      conf[a++] = 1 + o.alpha * v;
    }
  }
  return { offsets, cols: c, conf };
}

/** Updates every row of X given the fixed Y, with `steps` CG iterations from the current X. */
function cgSweep(X: Float32Array, Y: Float32Array, m: Csr, k: number, reg: number, steps: number): void {
  const numY = Y.length / k;
  const YtY = new Float64Array(k * k);
  for (let i = 0; i < numY; i++) {
    const o = i * k;
    for (let a = 0; a < k; a++) {
      const ya = Y[o + a]!;
      for (let b = a; b < k; b++) YtY[a * k + b]! += ya * Y[o + b]!;
    }
  }
  for (let a = 0; a < k; a++) {
    YtY[a * k + a]! += reg;
    for (let b = 0; b < a; b++) YtY[a * k + b] = YtY[b * k + a]!;
  }
  const x = new Float64Array(k);
  const r = new Float64Array(k);
  const p = new Float64Array(k);
  const ap = new Float64Array(k);
  const numX = X.length / k;
  for (let u = 0; u < numX; u++) {
    const xo = u * k;
    for (let f = 0; f < k; f++) x[f] = X[xo + f]!;
    const lo = m.offsets[u]!;
    const hi = m.offsets[u + 1]!;
    // r = b - A x, with A = YtY + Σ (c-1) y yᵀ and b = Σ c y.
    for (let a = 0; a < k; a++) {
      let s = 0;
      for (let b = 0; b < k; b++) s += YtY[a * k + b]! * x[b]!;
      r[a] = -s;
    }
    for (let j = lo; j < hi; j++) {
      const yo = m.cols[j]! * k;
      const c = m.conf[j]!;
      let yx = 0;
      for (let f = 0; f < k; f++) yx += Y[yo + f]! * x[f]!;
      const w = c - (c - 1) * yx;
      for (let f = 0; f < k; f++) r[f]! += w * Y[yo + f]!;
    }
    p.set(r);
    let rs = 0;
    for (let f = 0; f < k; f++) rs += r[f]! * r[f]!;
    for (let it = 0; it < steps && rs > 1e-20; it++) {
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let b = 0; b < k; b++) s += YtY[a * k + b]! * p[b]!;
        ap[a] = s;
      }
      for (let j = lo; j < hi; j++) {
        const yo = m.cols[j]! * k;
        let yp = 0;
        for (let f = 0; f < k; f++) yp += Y[yo + f]! * p[f]!;
        const w = (m.conf[j]! - 1) * yp;
        for (let f = 0; f < k; f++) ap[f]! += w * Y[yo + f]!;
      }
      let pap = 0;
      for (let f = 0; f < k; f++) pap += p[f]! * ap[f]!;
      const step = rs / pap;
      let rsNew = 0;
      for (let f = 0; f < k; f++) {
        x[f]! += step * p[f]!;
        r[f]! -= step * ap[f]!;
        rsNew += r[f]! * r[f]!;
      }
      for (let f = 0; f < k; f++) p[f] = r[f]! + (rsNew / rs) * p[f]!;
      rs = rsNew;
    }
    for (let f = 0; f < k; f++) X[xo + f] = x[f]!;
  }
}

registerRecommender('ImplicitALS', ImplicitALS, (c) => new ImplicitALS(c), factorSpec);
