import type { BackendName } from '../backends/backend.js';
import type { Interactions } from '../data/interactions.js';
import { checkOneOf } from '../core/checks.js';
import { DeviceSweeps } from './ials-device.js';
import { Rng } from '../core/random.js';
import { DataError, ValueError } from '../core/errors.js';
import type { RawTensor } from '../io/safetensors.js';
import { FactorModel } from './factor-model.js';
import type { FitOptions } from './recommender.js';
import { checkNumber } from '../core/checks.js';
import { type ArraySpec, factorSpec, registerRecommender } from './recommender-io.js';
import { need, type StateArray } from './recommender-state.js';
import type { HostTables } from './sgd-loop.js';
import { addOuter, choleskySolve, gram } from './als-solve.js';
import { ialsCgKernel } from '../backends/cpu/ials.js';
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
  /**
   * Where the sweeps run: 'cpu' (default; float64 CG vectors) or 'webgpu' (per half-sweep one
   * matmul for YᵀY and one batched kernel for every row's CG steps, f32 vectors, k ≤ 128;
   * `recommend` then scores on the GPU too).
   */
  backend?: BackendName;
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
      backend: checkOneOf(k, 'backend', options.backend ?? 'cpu', ['cpu', 'webgpu'] as const),
    };
    if (this.opts.backend === 'webgpu' && this.opts.factors > 128)
      throw new ValueError(
        `${k}: factors must be at most 128 on webgpu (the CG kernel keeps them in private memory); got ${this.opts.factors}`,
      );
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

  /**
   * Each seen pair's summed value (1 per row unless `useValues`), aligned with the seen items:
   * what the confidences are made from, kept so partialFit re-solves rows from all their data.
   */
  private seenValues: Float32Array = new Float32Array(0);

  protected async train(data: Interactions, options: FitOptions): Promise<void> {
    const o = this.opts;
    const k = o.factors;
    const rng = new Rng(o.seed, 'ImplicitALS');
    this.seenValues = pairValues(this.seenOffsets, this.seenItems, data.users, data.items, data.values, o.useValues);
    const X = rng.normalArray(data.numUsers * k, o.initStd);
    const Y = rng.normalArray(data.numItems * k, o.initStd);
    await this.sweeps(X, Y, options.epochs ?? o.epochs, options, undefined);
  }

  /**
   * partialFit: the new rows' values join the seen pairs' values (summed with any earlier value
   * of the same pair), then each epoch re-solves the users in `data` and then the items in
   * `data` against all their interactions, old and new; rows `data` does not touch keep their
   * factors (new rows start from the grown tables' small random values).
   */
  protected override async continueFit(data: Interactions, t: HostTables, options: FitOptions): Promise<void> {
    const before = this.pending;
    if (!before) throw new DataError(`${this.kind}.partialFit: internal: the earlier seen values are missing`);
    const prev = new Map<number, number>();
    const U = this.seenOffsets.length - 1;
    const values = new Float32Array(this.seenItems.length);
    for (let u = 0; u < U; u++) {
      prev.clear();
      if (u < before.offsets.length - 1)
        for (let a = before.offsets[u]!; a < before.offsets[u + 1]!; a++)
          prev.set(before.items[a]!, before.values.length > 0 ? before.values[a]! : 1);
      for (let a = this.seenOffsets[u]!; a < this.seenOffsets[u + 1]!; a++)
        values[a] = prev.get(this.seenItems[a]!) ?? 0;
    }
    this.seenValues = values;
    addRowValues(this.seenOffsets, this.seenItems, values, data.users, data.items, data.values, this.opts.useValues);
    const touched = { users: Int32Array.from(new Set(data.users)), items: Int32Array.from(new Set(data.items)) };
    await this.sweeps(t.P, t.Q, options.epochs ?? this.opts.epochs, options, touched);
  }

  /** The earlier seen pairs and values while a partialFit runs (FactorModel.partialFit replaces them first). */
  private pending: { offsets: Int32Array; items: Int32Array; values: Float32Array } | undefined;

  /**
   * Continues training on new interactions without a full refit: see `FactorModel.partialFit`
   * for the id maps and seen items, and `continueFit` here for which rows are re-solved.
   */
  override async partialFit(data: Interactions, options: FitOptions = {}): Promise<this> {
    this.pending = this.fitted
      ? { offsets: this.seenOffsets, items: this.seenItems, values: this.seenValues }
      : undefined;
    try {
      return await super.partialFit(data, options);
    } finally {
      this.pending = undefined;
    }
  }

  /** `epochs` ALS sweeps from X and Y (all rows, or only `rows`), then installs the tables. */
  private async sweeps(
    X: Float32Array,
    Y: Float32Array,
    epochs: number,
    options: FitOptions,
    rows: { users: Int32Array; items: Int32Array } | undefined,
  ): Promise<void> {
    const o = this.opts;
    const k = o.factors;
    const U = X.length / k;
    const I = Y.length / k;
    const byUser = {
      offsets: this.seenOffsets,
      cols: this.seenItems,
      conf: this.seenValues.map((v) => 1 + o.alpha * v),
    };
    const byItem = transpose(byUser, I);
    const control = new FitControl(options, epochs);
    this.mean = 0;
    const device =
      o.backend === 'webgpu'
        ? new DeviceSweeps(X, Y, byUser, byItem, rows ?? everyRow(U, I), k, o.reg, o.cgSteps)
        : undefined;
    const install = async () => {
      await device?.read(X, Y);
      this.setTables(k, X, Y, new Float32Array(U), new Float32Array(I), o.backend);
    };
    // A half-iteration (the user sweep, then the item sweep) is a batch: an abort keeps both tables.
    const check = async (epoch: number, half: number): Promise<void> => {
      try {
        await control.batch(epoch, half, 2);
      } catch (e) {
        await install();
        this.abortedPartial = true;
        throw e;
      }
    };
    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const t0 = performance.now();
        if (device) device.userHalf();
        else cgSweep(X, Y, byUser, k, o.reg, o.cgSteps, rows?.users);
        await check(epoch, 1);
        if (device) device.itemHalf();
        else cgSweep(Y, X, byItem, k, o.reg, o.cgSteps, rows?.items);
        await check(epoch, 2);
        await options.onEpoch?.({ epoch, loss: NaN, ms: performance.now() - t0 });
      }
      await install();
    } finally {
      device?.dispose();
    }
  }

  protected override stateArrays(): Record<string, StateArray> {
    return { ...super.stateArrays(), 'seen.values': { data: this.seenValues, shape: [this.seenValues.length] } };
  }

  protected override loadArrays(arrays: Record<string, StateArray>, scalars: Record<string, number>): void {
    super.loadArrays(arrays, scalars);
    // Files written before the values were saved have none: partialFit then counts each pair once.
    const v = arrays['seen.values'] ? (need(arrays, 'seen.values', this.kind).data as Float32Array) : undefined;
    const bad = v ? v.findIndex((x) => !(x >= 0 && Number.isFinite(x))) : -1;
    if (bad >= 0)
      throw new DataError(
        `load ${this.kind}: 'seen.values' entry ${bad} is ${v![bad]}; values must be finite and >= 0`,
      );
    this.seenValues = v ?? new Float32Array(this.seenItems.length).fill(1);
  }
}

interface Csr {
  offsets: Int32Array;
  cols: Int32Array;
  conf: Float32Array;
}

/** Position of item `i` in user u's sorted seen items (it is there: the seen CSR holds every row's pair). */
function seenAt(offsets: Int32Array, items: Int32Array, u: number, i: number): number {
  let lo = offsets[u]!;
  let hi = offsets[u + 1]!;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (items[m]! < i) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Adds each row's value (1 unless `useValues`) to its pair's slot in `out`, so duplicate rows sum. */
function addRowValues(
  offsets: Int32Array,
  items: Int32Array,
  out: Float32Array,
  users: Int32Array,
  rowItems: Int32Array,
  values: Float32Array,
  useValues: boolean,
): void {
  for (let r = 0; r < users.length; r++)
    out[seenAt(offsets, items, users[r]!, rowItems[r]!)]! += useValues ? values[r]! : 1;
}

/** The summed value of every seen pair, aligned with the seen CSR. */
function pairValues(
  offsets: Int32Array,
  items: Int32Array,
  users: Int32Array,
  rowItems: Int32Array,
  values: Float32Array,
  useValues: boolean,
): Float32Array {
  const out = new Float32Array(items.length);
  addRowValues(offsets, items, out, users, rowItems, values, useValues);
  return out;
}

function everyRow(users: number, items: number): { users: Int32Array; items: Int32Array } {
  const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  return { users: all(users), items: all(items) };
}

/** The item-major CSR of a user-major one. */
function transpose(m: Csr, numCols: number): Csr {
  const offsets = new Int32Array(numCols + 1);
  for (const c of m.cols) offsets[c + 1]!++;
  for (let c = 0; c < numCols; c++) offsets[c + 1]! += offsets[c]!;
  const fill = offsets.slice(0, numCols);
  const cols = new Int32Array(m.cols.length);
  const conf = new Float32Array(m.cols.length);
  for (let u = 0; u + 1 < m.offsets.length; u++)
    for (let a = m.offsets[u]!; a < m.offsets[u + 1]!; a++) {
      const at = fill[m.cols[a]!]!++;
      cols[at] = u;
      conf[at] = m.conf[a]!;
    }
  return { offsets, cols, conf };
}

/** Updates every row of X (or those in `rows`) given the fixed Y, with `steps` CG iterations from the current X. */
function cgSweep(
  X: Float32Array,
  Y: Float32Array,
  m: Csr,
  k: number,
  reg: number,
  steps: number,
  rows?: Int32Array,
): void {
  const YtY = gram(Y, k);
  for (let a = 0; a < k; a++) YtY[a * k + a]! += reg;
  ialsCgKernel(X, Y, YtY, m, rows, k, steps);
}

/** The factor tables, and each seen pair's value where the file has them (older files have none). */
function ialsSpec(users: number, items: number, tensors: Record<string, RawTensor>): ArraySpec {
  const seen = tensors['seen.items']?.shape[0] ?? 0;
  const values: ArraySpec = tensors['seen.values'] ? { 'seen.values': { dtype: 'float32', shape: [seen] } } : {};
  return { ...factorSpec(users, items, tensors), ...values };
}

registerRecommender('ImplicitALS', ImplicitALS, (c) => new ImplicitALS(c), ialsSpec);
