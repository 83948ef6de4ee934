import type { BackendName } from '../backends/backend.js';
import { toBinaryLabels, toMatrix, type Matrix, type MatrixInput } from '../data/matrix.js';
import { Rng } from '../core/random.js';
import { DataError, ShapeError, ValueError, NumericalError, fmtValue } from '../core/errors.js';
import {
  brierScore,
  calibrationCurve,
  expectedCalibrationError,
  logLoss,
  prAuc,
  rocAuc,
  type CalibrationCurve,
} from '../metrics/classification.js';
import { toLabels, type BinaryLabels } from '../metrics/validate.js';
import { noGrad } from '../autograd/tape.js';
import { scope } from '../memory.js';
import { binaryCrossEntropyWithLogits } from '../nn/functional.js';
import type { ModelState } from '../io/models.js';
import type { TabularEncoder } from '../data/encoder.js';
import { ChurnNet } from './churn-net.js';
import { registerChurnLoader } from './churn-io.js';
import { Adam } from '../optim/adam.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { fitIsotonic, fitPlatt, type Calibrator, type IsotonicJSON, type PlattJSON } from './calibration.js';

/** Options of {@link ChurnClassifier}. */
export interface ChurnClassifierOptions {
  /** Hidden layer widths (ReLU); `[]` (default) is logistic regression. */
  hidden?: readonly number[];
  /** Passes over the training rows; default 60. */
  epochs?: number;
  /** Adam learning rate; default 0.01. */
  lr?: number;
  /** L2 penalty added to the gradient (Adam's weightDecay); default 1e-4. */
  weightDecay?: number;
  /** Minibatch rows; default 256. */
  batchSize?: number;
  /** Seeds the weights, the shuffles and the calibration split; default 0. */
  seed?: number;
  /**
   * How raw scores become probabilities: `'platt'` (default; sigmoid(a·logit + b)),
   * `'isotonic'` (monotone step function; wants ≥ 1000 calibration rows) or `'none'`.
   * Calibration is fitted on the validation rows, never on the rows the network trained on.
   */
  calibration?: 'platt' | 'isotonic' | 'none';
  /** Backend to train and predict on; the current one by default. */
  backend?: BackendName;
}

/** Options of {@link ChurnClassifier.fit}. */
export interface ChurnFitOptions {
  /**
   * Held-out rows for calibration and the per-epoch validation loss: explicit `{ X, y }`, or a
   * fraction of the training rows split off (stratified, seeded). Default 0.2 when calibration
   * is on, none otherwise.
   */
  validation?: { X: MatrixInput; y: BinaryLabels } | number;
  /** Called after each epoch with its mean training loss (and validation loss when there is one). */
  onEpoch?: (info: ChurnEpoch) => void;
}

export interface ChurnEpoch {
  epoch: number;
  loss: number;
  valLoss?: number;
}

/** What {@link ChurnClassifier.evaluate} reports. Probabilities are calibrated unless asked otherwise. */
export interface ChurnReport {
  rocAuc: number;
  prAuc: number;
  logLoss: number;
  brier: number;
  /** Expected calibration error over 10 equal-width bins. */
  ece: number;
  calibration: CalibrationCurve;
  /** Churn rate among the top-scored 10% of rows ÷ the overall rate. */
  liftAtDecile: number;
  /** Churn rate (precision) among the top-scored 10% of rows. */
  precisionAtDecile: number;
  /** Share of all churners found in the top-scored 10% of rows. */
  recallAtDecile: number;
  /** Overall positive rate. */
  baseRate: number;
}

/**
 * A churn classifier on tabular features: logistic regression (`hidden: []`) or a small MLP,
 * trained with the library's own Linear layers, Adam and binaryCrossEntropyWithLogits on the
 * chosen backend, then calibrated on held-out rows (Platt or isotonic). Encode raw columns with
 * `at.data.TabularEncoder` first; NaN in X is a DataError naming the row and column.
 *
 * Shapes: X [n, features] (any {@link MatrixInput}), y [n] of 0/1 → probabilities [n].
 *
 * @example
 * const clf = new at.models.ChurnClassifier({ hidden: [], epochs: 60, calibration: 'platt', seed: 1 });
 * await clf.fit(Xtrain, yTrain);
 * const p = await clf.predictProba(Xtest);
 * const report = await clf.evaluate(Xtest, yTest); // rocAuc, prAuc, logLoss, brier, ece, lift
 */
export class ChurnClassifier {
  readonly options: Readonly<Required<Omit<ChurnClassifierOptions, 'backend'>>> & { backend?: BackendName };
  /** Per-epoch losses of the last fit. */
  history: ChurnEpoch[] = [];
  private net: ChurnNet | null = null;
  private features = 0;
  private calibrator: Calibrator | null = null;

  constructor(options: ChurnClassifierOptions = {}) {
    const op = 'ChurnClassifier';
    const hidden = [...(options.hidden ?? [])];
    for (const [i, h] of hidden.entries()) {
      if (!Number.isInteger(h) || h < 1)
        throw new ValueError(`${op}: hidden[${i}] must be a positive integer; got ${fmtValue(h)}`);
    }
    const o = {
      hidden,
      epochs: options.epochs ?? 60,
      lr: options.lr ?? 0.01,
      weightDecay: options.weightDecay ?? 1e-4,
      batchSize: options.batchSize ?? 256,
      seed: options.seed ?? 0,
      calibration: options.calibration ?? 'platt',
    } as const;
    if (!Number.isInteger(o.epochs) || o.epochs < 1)
      throw new ValueError(`${op}: epochs must be a positive integer; got ${fmtValue(o.epochs)}`);
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1)
      throw new ValueError(`${op}: batchSize must be a positive integer; got ${fmtValue(o.batchSize)}`);
    if (!(o.lr > 0) || !Number.isFinite(o.lr))
      throw new ValueError(`${op}: lr must be a positive finite number; got ${fmtValue(o.lr)}`);
    if (!(o.weightDecay >= 0) || !Number.isFinite(o.weightDecay))
      throw new ValueError(`${op}: weightDecay must be a finite number ≥ 0; got ${fmtValue(o.weightDecay)}`);
    if (!['platt', 'isotonic', 'none'].includes(o.calibration)) {
      throw new ValueError(`${op}: calibration must be 'platt', 'isotonic' or 'none'; got ${fmtValue(o.calibration)}`);
    }
    new Rng(o.seed, op);
    this.options = { ...o, ...(options.backend ? { backend: options.backend } : {}) };
  }

  /** The TabularEncoder that made X from raw columns, if set; `at.save` stores it with the model. */
  encoder: TabularEncoder | null = null;

  /** The fitted calibrator's parameters, or null (calibration 'none' or not fitted). */
  get calibratorState(): PlattJSON | IsotonicJSON | null {
    return this.calibrator?.toJSON() ?? null;
  }

  /** Trains on (X, y), then calibrates on validation rows; a failed fit keeps the earlier fit in place. */
  async fit(X: MatrixInput, y: BinaryLabels, options: ChurnFitOptions = {}): Promise<this> {
    const before = { net: this.net, features: this.features, calibrator: this.calibrator, history: this.history };
    try {
      await this.train(X, y, options);
    } catch (e) {
      if (this.net !== before.net) this.net?.dispose();
      throw Object.assign(this, before) && e;
    }
    if (before.net !== this.net) before.net?.dispose();
    return this;
  }
  private async train(X: MatrixInput, y: BinaryLabels, options: ChurnFitOptions): Promise<void> {
    const op = 'ChurnClassifier.fit';
    let train = await toMatrix(op, 'X', X);
    let labels = toBinaryLabels(op, 'y', y);
    if (labels.length !== train.rows)
      throw new ShapeError(`${op}: X has ${train.rows} rows but y has ${labels.length}`);
    const rng = new Rng(this.options.seed, 'ChurnClassifier');
    let val: { m: Matrix; y: Uint8Array } | undefined;
    const v = options.validation ?? (this.options.calibration === 'none' ? undefined : 0.2);
    if (typeof v === 'number') {
      if (!(v > 0 && v < 1))
        throw new ValueError(`${op}: validation must be a fraction in (0, 1) or { X, y }; got ${fmtValue(v)}`);
      const split = stratifiedSplit(train, labels, v, rng);
      train = split.train.m;
      labels = split.train.y;
      val = split.val;
    } else if (v !== undefined) {
      const m = await toMatrix(op, 'validation.X', v.X);
      const vy = toBinaryLabels(op, 'validation.y', v.y);
      if (m.cols !== train.cols)
        throw new ShapeError(`${op}: validation.X has ${m.cols} columns but X has ${train.cols}`);
      if (vy.length !== m.rows)
        throw new ShapeError(`${op}: validation.X has ${m.rows} rows but validation.y has ${vy.length}`);
      val = { m, y: vy };
    }
    if (train.rows === 0) throw new DataError(`${op}: X has no rows`);
    this.features = train.cols;
    const net = (this.net = new ChurnNet(train.cols, this.options.hidden, this.options.seed, this.options.backend));
    const opt = new Adam(net.parameters(), { lr: this.options.lr, weightDecay: this.options.weightDecay });
    const { rows: n, cols: d } = train;
    const bs = Math.min(this.options.batchSize, n);
    const xb = new Float32Array(bs * d);
    const yb = new Float32Array(bs);
    this.history = [];
    try {
      for (let epoch = 1; epoch <= this.options.epochs; epoch++) {
        const perm = rng.permutation(n);
        const losses: Tensor[] = [];
        const sizes: number[] = [];
        for (let s = 0; s < n; s += bs) {
          const m = Math.min(bs, n - s);
          for (let r = 0; r < m; r++) {
            const i = perm[s + r]!;
            for (let f = 0; f < d; f++) xb[r * d + f] = train.data[i * d + f]!;
            yb[r] = labels[i]!;
          }
          const loss = scope(() => {
            const xt = tensor(xb.subarray(0, m * d), { shape: [m, d], backend: net.backend });
            const yt = tensor(yb.subarray(0, m), { shape: [m, 1], backend: net.backend });
            opt.zeroGrad();
            const l = binaryCrossEntropyWithLogits(net.forward(xt), yt);
            l.backward();
            opt.step();
            return l.detach();
          });
          losses.push(loss);
          sizes.push(m);
        }
        // One readback per epoch: the step losses stay on the device until here.
        let total = 0;
        for (const [i, l] of losses.entries()) {
          total += (await l.item()) * sizes[i]!;
          l.dispose();
        }
        const info: ChurnEpoch = { epoch, loss: total / n };
        if (!Number.isFinite(info.loss)) {
          throw new NumericalError(
            `ChurnClassifier.fit: training diverged: the loss became ${info.loss} in epoch ${epoch}; lower lr (now ${this.options.lr})`,
          );
        }
        if (val) info.valLoss = logLoss(val.y, (await this.logits(val.m)).map(sig));
        this.history.push(info);
        options.onEpoch?.(info);
      }
    } finally {
      opt.zeroGrad();
      opt.dispose();
    }
    this.calibrator = null;
    if (this.options.calibration !== 'none') {
      if (!val)
        throw new ValueError(
          `${op}: calibration '${this.options.calibration}' needs validation rows; pass validation or calibration: 'none'`,
        );
      const z = await this.logits(val.m);
      this.calibrator = this.options.calibration === 'platt' ? fitPlatt(z, val.y) : fitIsotonic(z, val.y);
    }
  }

  /** Churn probabilities (calibrated unless `calibrated: false` or calibration was 'none'). */
  async predictProba(X: MatrixInput, options: { calibrated?: boolean } = {}): Promise<Float64Array> {
    const m = await this.input('ChurnClassifier.predictProba', X);
    const z = await this.logits(m);
    const cal = options.calibrated === false ? null : this.calibrator;
    return z.map((v) => (cal ? cal.apply(v) : sig(v)));
  }

  /** Raw scores (logits) before calibration. */
  async decisionFunction(X: MatrixInput): Promise<Float64Array> {
    return this.logits(await this.input('ChurnClassifier.decisionFunction', X));
  }

  /** Ranking, probability and calibration metrics on (X, y); see {@link ChurnReport}. */
  async evaluate(
    X: MatrixInput,
    y: BinaryLabels,
    options: { calibrated?: boolean; bins?: number } = {},
  ): Promise<ChurnReport> {
    const op = 'ChurnClassifier.evaluate';
    const p = await this.predictProba(X, options);
    const yt = toLabels(op, 'y', y);
    if (yt.length !== p.length) throw new ShapeError(`${op}: X has ${p.length} rows but y has ${yt.length}`);
    return churnReport(yt, p, options.bins ?? 10);
  }

  /** The fitted model as `at.save` writes it: options, encoder and calibrator as config, weights as tensors. */
  async saveState(): Promise<ModelState> {
    if (!this.net) throw new ValueError('save: the ChurnClassifier is not fitted; call await fit(X, y) first');
    const tensors: ModelState['tensors'] = {};
    for (const [name, t] of Object.entries(this.net.stateDict()))
      tensors[name] = { dtype: t.dtype, shape: [...t.shape], data: await t.data() };
    const { backend: _, ...options } = this.options;
    const encoder = this.encoder?.toJSON() ?? null;
    return {
      type: 'ChurnClassifier',
      config: { options, features: this.features, calibrator: this.calibratorState, encoder },
      tensors,
    };
  }

  /** @internal Installs a loaded network and calibrator (churn-io.ts checks them first). */
  restoreParts(net: ChurnNet, calibrator: Calibrator | null, encoder: TabularEncoder | null): this {
    this.net?.dispose();
    this.net = net;
    this.features = net.layers[0]!.inFeatures;
    this.calibrator = calibrator;
    this.encoder = encoder;
    return this;
  }

  /** Frees the network's weights. */
  dispose(): void {
    this.net?.dispose();
    this.net = null;
  }

  private async input(op: string, X: MatrixInput): Promise<Matrix> {
    if (!this.net) throw new ValueError(`${op}: the model is not fitted; call await fit(X, y) first`);
    const m = await toMatrix(op, 'X', X);
    if (m.cols !== this.features)
      throw new ShapeError(`${op}: X has ${m.cols} columns but the model was fitted on ${this.features}`);
    return m;
  }

  private async logits(m: Matrix): Promise<Float64Array> {
    const out = new Float64Array(m.rows);
    const chunk = 8192;
    for (let s = 0; s < m.rows; s += chunk) {
      const r = Math.min(chunk, m.rows - s);
      const z = noGrad(() =>
        scope(() => {
          const xt = tensor(Float32Array.from(m.data.subarray(s * m.cols, (s + r) * m.cols)), {
            shape: [r, m.cols],
            backend: this.net!.backend,
          });
          return this.net!.forward(xt);
        }),
      );
      out.set(await z.data(), s);
      z.dispose();
    }
    return out;
  }
}

function sig(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * The {@link ChurnReport} of probabilities `p` against 0/1 outcomes `y` (also usable on any
 * model's scores); ties at the decile cut are ordered by row.
 */
export function churnReport(y: BinaryLabels, p: ArrayLike<number>, bins = 10): ChurnReport {
  const yt = toLabels('churnReport', 'y', y);
  const n = yt.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += yt[i]!;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  const top = Math.max(1, Math.round(n / 10));
  let hits = 0;
  for (let i = 0; i < top; i++) hits += yt[order[i]!]!;
  const baseRate = pos / n;
  return {
    rocAuc: rocAuc(yt, p),
    prAuc: prAuc(yt, p),
    logLoss: logLoss(yt, p),
    brier: brierScore(yt, p),
    ece: expectedCalibrationError(yt, p, { bins }),
    calibration: calibrationCurve(yt, p, { bins }),
    liftAtDecile: hits / top / baseRate,
    precisionAtDecile: hits / top,
    recallAtDecile: pos > 0 ? hits / pos : 0,
    baseRate,
  };
}

function stratifiedSplit(
  m: Matrix,
  y: Uint8Array,
  frac: number,
  rng: Rng,
): { train: { m: Matrix; y: Uint8Array }; val: { m: Matrix; y: Uint8Array } } {
  const valRows: number[] = [];
  const trainRows: number[] = [];
  for (const cls of [0, 1]) {
    const rows = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) rows.push(i);
    rng.shuffle(rows);
    const nv = Math.round(rows.length * frac);
    valRows.push(...rows.slice(0, nv));
    trainRows.push(...rows.slice(nv));
  }
  const take = (rows: number[]): { m: Matrix; y: Uint8Array } => {
    rows.sort((a, b) => a - b);
    const data = new Float64Array(rows.length * m.cols);
    const yy = new Uint8Array(rows.length);
    rows.forEach((i, r) => {
      data.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), r * m.cols);
      yy[r] = y[i]!;
    });
    return { m: { data, rows: rows.length, cols: m.cols }, y: yy };
  };
  return { train: take(trainRows), val: take(valRows) };
}

registerChurnLoader(ChurnClassifier);
