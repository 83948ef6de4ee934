import type { BackendName } from '../backends/backend.js';
import type { Interactions } from '../data/interactions.js';
import { Rng } from '../core/random.js';
import { ValueError, fmtValue } from '../core/errors.js';
import { FactorModel } from './factor-model.js';
import { mfSgdStep } from '../ops/fused/mf.js';
import type { FitOptions } from './recommender.js';
import { checkNumber } from '../core/checks.js';
import { FitControl } from '../core/fit-control.js';
import { type HostTables, sgdLoop } from './sgd-loop.js';
import { deterministicAlgorithms } from '../core/determinism.js';
import { factorSpec, registerRecommender } from './recommender-io.js';
import { ridgeRow } from './als-solve.js';

export interface MatrixFactorizationOptions {
  /** Latent dimension; 0 gives a biases-only baseline. Default 100. */
  factors?: number;
  /** Default 80 (see {@link MatrixFactorization.defaults}). */
  epochs?: number;
  /** Learning rate of the factors; default 0.005. */
  lr?: number;
  /** L2 regularization of the factors; default 0.1 (see {@link MatrixFactorization.defaults}). */
  reg?: number;
  /** Learning rate of the biases; default `lr`. */
  lrBias?: number;
  /** L2 regularization of the biases; default `reg`. */
  regBias?: number;
  /** The learning rates are multiplied by this after every epoch; default 1. */
  lrDecay?: number;
  /** Standard deviation of the normal initialization; default 0.05. */
  initStd?: number;
  /** Learn user and item biases; default true. */
  biases?: boolean;
  /** Clip predictions to the training values' [min, max] (true, the default), to a range, or not at all (false). */
  clip?: boolean | [number, number];
  /** 'cpu' (default) or 'webgpu'. */
  backend?: BackendName;
  /** Rows per GPU kernel call (Hogwild batch); default 1024. Ignored on the CPU, which applies rows in order. */
  batchSize?: number;
  /** Seed of the initialization and the per-epoch shuffles; default 0. */
  seed?: number;
}

/**
 * The defaults of {@link MatrixFactorization}: 100 factors, 80 epochs at lr 0.005, reg 0.1,
 * init sd 0.05, the tuned setting of benchmarks/movielens.ts (MovieLens-100k, 5-fold), which
 * beats Surprise's SVD defaults there (the benchmark prints both). Against Surprise's
 * `reg: 0.02, 20 epochs`: the 5x stronger penalty keeps 100 factors from overfitting, so SGD
 * can run longer to a better fixed point, and the smaller init adds less noise to rarely rated
 * items. No setting depends on the data size: SGD visits every rating once per epoch and the
 * penalty is applied per rating, so a step means the same on 100k or 1M ratings.
 */
const MF_DEFAULTS = { factors: 100, epochs: 80, lr: 0.005, reg: 0.1, initStd: 0.05 } as const;

/**
 * Named option sets that reproduce other libraries' defaults, for side-by-side comparisons:
 * `new MatrixFactorization(MatrixFactorization.presets.surprise)`.
 */
const MF_PRESETS = {
  /** Surprise's `SVD()` defaults: 100 factors, 20 epochs, lr 0.005, reg 0.02, init sd 0.1. */
  surprise: { factors: 100, epochs: 20, lr: 0.005, reg: 0.02, initStd: 0.1 },
  /** Surprise's `SVD(biased=False)` (Funk's unbiased SVD) with its other defaults. */
  surpriseUnbiased: { factors: 100, epochs: 20, lr: 0.005, reg: 0.02, initStd: 0.1, biases: false },
} as const satisfies Record<string, MatrixFactorizationOptions>;

/**
 * Biased matrix factorization for explicit ratings, in the style of Funk/Koren SVD:
 * r̂ = μ + b_u + b_i + p_u·q_i, trained by SGD with L2 regularization on shuffled rows. Each
 * epoch runs the fused kernel ({@link mfSgdStep}): on the CPU backend a typed-array loop in row
 * order; on webgpu kernels/mf_sgd.wgsl in minibatches (Hogwild within a batch).
 *
 * @example
 * const mf = new MatrixFactorization(); // the defaults above
 * await mf.fit(train);
 * mf.predict([196], [242]); // Float32Array [~3.8]
 */
export class MatrixFactorization extends FactorModel {
  /** Peers' defaults, for comparisons (see {@link MatrixFactorization.presets}). */
  static readonly presets = MF_PRESETS;
  /** The constructor's defaults for the options it documents. */
  static readonly defaults = MF_DEFAULTS;
  readonly kind: string = 'MatrixFactorization';
  protected readonly opts: Required<Omit<MatrixFactorizationOptions, 'clip' | 'lrBias' | 'regBias'>> & {
    clip: boolean | [number, number];
    lrBias: number | undefined;
    regBias: number | undefined;
  };

  constructor(options: MatrixFactorizationOptions = {}) {
    super();
    const k = 'MatrixFactorization';
    this.opts = {
      factors: checkNumber(k, 'factors', options.factors ?? MF_DEFAULTS.factors, { integer: true, min: 0 }),
      epochs: checkNumber(k, 'epochs', options.epochs ?? MF_DEFAULTS.epochs, { integer: true, min: 0 }),
      lr: checkNumber(k, 'lr', options.lr ?? MF_DEFAULTS.lr, { positive: true }),
      reg: checkNumber(k, 'reg', options.reg ?? MF_DEFAULTS.reg, { min: 0 }),
      lrBias: options.lrBias === undefined ? undefined : checkNumber(k, 'lrBias', options.lrBias, { min: 0 }),
      regBias: options.regBias === undefined ? undefined : checkNumber(k, 'regBias', options.regBias, { min: 0 }),
      lrDecay: checkNumber(k, 'lrDecay', options.lrDecay ?? 1, { positive: true }),
      initStd: checkNumber(k, 'initStd', options.initStd ?? MF_DEFAULTS.initStd, { min: 0 }),
      biases: options.biases ?? true,
      clip: options.clip ?? true,
      backend: options.backend ?? 'cpu',
      batchSize: checkNumber(k, 'batchSize', options.batchSize ?? 1024, { integer: true, min: 1 }),
      seed: checkNumber(k, 'seed', options.seed ?? 0, { integer: true, min: 0 }),
    };
    if (this.opts.backend !== 'cpu' && this.opts.backend !== 'webgpu') {
      throw new ValueError(`${k}: backend must be 'cpu' or 'webgpu'; got ${fmtValue(this.opts.backend)}`);
    }
  }

  config(): Record<string, unknown> {
    return { ...this.opts };
  }

  /**
   * The exact fixed point of SGD for the user's row with Q and b_i frozen: ridge least squares
   * with penalty reg·n (SGD applies reg once per rating, n ratings).
   */
  protected override foldInRow(items: Int32Array, values: Float32Array): { p: Float32Array; bias: number } {
    const o = this.opts;
    const n = items.length;
    const y = Float32Array.from(values, (v) => v - this.mean);
    const r = ridgeRow(this.Q, this.k, items, y, this.bi, o.reg * n, (o.regBias ?? o.reg) * n, o.biases);
    return { p: Float32Array.from(r.x), bias: r.bias };
  }

  protected async train(data: Interactions, options: FitOptions): Promise<void> {
    const o = this.opts;
    const epochs = options.epochs ?? o.epochs;
    const k = o.factors;
    const n = data.length;
    const rng = new Rng(o.seed, this.kind);
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of data.values) {
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.mean = o.biases ? sum / n : 0;
    if (o.clip === true) [this.clipLo, this.clipHi] = [lo, hi];
    else if (o.clip === false) [this.clipLo, this.clipHi] = [-Infinity, Infinity];
    else [this.clipLo, this.clipHi] = o.clip;
    const tables = {
      P: rng.normalArray(data.numUsers * k, o.initStd),
      Q: rng.normalArray(data.numItems * k, o.initStd),
      bu: new Float32Array(data.numUsers),
      bi: new Float32Array(data.numItems),
    };
    await this.runSgd(data, tables, epochs, options, rng);
  }

  /** partialFit: SGD over the new rows only, from the current (extended) tables; mean and clip stay. */
  protected override async continueFit(data: Interactions, tables: HostTables, options: FitOptions): Promise<void> {
    const rng = new Rng(this.opts.seed, this.kind, 'shuffle');
    await this.runSgd(data, tables, options.epochs ?? this.opts.epochs, options, rng);
  }

  /** Epochs of shuffled SGD over `data`'s rows from `tables`; installs the result. */
  private async runSgd(data: Interactions, tables: HostTables, epochs: number, options: FitOptions, rng: Rng) {
    const o = this.opts;
    const k = o.factors;
    const n = data.length;
    const users = new Int32Array(n);
    const items = new Int32Array(n);
    const ratings = new Float32Array(n);
    const t = await sgdLoop({
      model: this.kind,
      lr: o.lr,
      backend: o.backend,
      k,
      tables,
      epochs,
      batchSize: o.batchSize,
      deterministic: options.deterministic ?? deterministicAlgorithms(),
      rows: () => {
        const perm = rng.permutation(n);
        for (let j = 0; j < n; j++) {
          const r = perm[j]!;
          users[j] = data.users[r]!;
          items[j] = data.items[r]!;
          ratings[j] = data.values[r]!;
        }
        return { users, items, third: ratings };
      },
      step: (params, cols, start, count, epoch) => {
        const decay = o.lrDecay ** (epoch - 1);
        mfSgdStep(
          params,
          { users: cols.users, items: cols.items, ratings: cols.third, loss: cols.loss },
          {
            start,
            count,
            lr: o.lr * decay,
            reg: o.reg,
            lrBias: (o.lrBias ?? o.lr) * decay,
            regBias: o.regBias ?? o.reg,
            mean: this.mean,
            biases: o.biases,
          },
        );
      },
      reduceLoss: (s, rows) => Math.sqrt(s / rows),
      onEpoch: options.onEpoch,
      control: new FitControl(options, options.epochs ?? o.epochs),
      onAborted: (t) => {
        this.setTables(k, t.P, t.Q, t.bu, t.bi, o.backend);
        this.abortedPartial = true;
      },
    });
    this.setTables(k, t.P, t.Q, t.bu, t.bi, o.backend);
  }
}

/**
 * Biases only, r̂ = μ + b_u + b_i (Surprise's BaselineOnly, fitted by SGD): a
 * {@link MatrixFactorization} with `factors: 0`. Defaults follow Surprise's SGD baseline.
 */
export class BaselineOnly extends MatrixFactorization {
  override readonly kind: string = 'BaselineOnly';
  constructor(options: Omit<MatrixFactorizationOptions, 'factors' | 'biases'> = {}) {
    super({ epochs: 20, lr: 0.005, reg: 0.02, ...options, factors: 0, biases: true });
  }
}

registerRecommender('MatrixFactorization', MatrixFactorization, (c) => new MatrixFactorization(c), factorSpec);
registerRecommender('BaselineOnly', BaselineOnly, (c) => new BaselineOnly(c), factorSpec);
