import { toBinaryLabels, toMatrix, type Matrix, type MatrixInput } from '../data/matrix.js';
import { Rng } from '../core/random.js';
import { DataError, ShapeError, ValueError, NumericalError, fmtValue } from '../core/errors.js';
import { logLoss } from '../metrics/classification.js';
import { toLabels, type BinaryLabels } from '../metrics/validate.js';
import { type ChurnReport, churnReport, sig, splitMatrixByClass } from './churn-report.js';
import { noGrad } from '../autograd/tape.js';
import { scope } from '../memory.js';
import { binaryCrossEntropyWithLogits } from '../nn/functional.js';
import type { ModelState } from '../io/models.js';
import type { TabularEncoder, TableInput } from '../data/encoder.js';
import { FitControl } from '../core/fit-control.js';
import { checkInt } from '../core/checks.js';
import { Tensor } from '../tensor/tensor.js';
import {
  type AttributionOptions,
  type ChurnAttributions,
  type ChurnCoefficients,
  type ChurnExplanation,
  type ExplainParts,
  churnAttributions,
  churnCoefficients,
  explainAttributions,
} from './churn-explain.js';
import { ChurnNet } from './churn-net.js';
import { type ChurnChunk, type ChurnStreamOptions, fitChurnStream } from './churn-stream.js';
import { registerChurnLoader } from './churn-io.js';
import { Adam } from '../optim/adam.js';
import { tensor } from '../tensor/creation.js';
import {
  type ChurnClassifierOptions,
  type ChurnEpoch,
  type ChurnExplainOptions,
  type ChurnFitOptions,
  type ResolvedChurnOptions,
  resolveChurnOptions,
} from './churn-options.js';
import { fitIsotonic, fitPlatt, type Calibrator, type IsotonicJSON, type PlattJSON } from './calibration.js';

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
  readonly options: ResolvedChurnOptions;
  /** Per-epoch losses of the last fit. */
  history: ChurnEpoch[] = [];
  private net: ChurnNet | null = null;
  private features = 0;
  private calibrator: Calibrator | null = null;
  /** Column means of the training rows: the average customer explanations are measured from. */
  private baseline: Float64Array | null = null;
  /** Column names given with X at fit (an EncodedTable's names), if any. */
  private names: string[] | null = null;

  constructor(options: ChurnClassifierOptions = {}) {
    this.options = resolveChurnOptions(options);
  }

  /** The TabularEncoder that made X from raw columns, if set; `at.save` stores it with the model. */
  encoder: TabularEncoder | null = null;

  /** The fitted calibrator's parameters, or null (calibration 'none' or not fitted). */
  get calibratorState(): PlattJSON | IsotonicJSON | null {
    return this.calibrator?.toJSON() ?? null;
  }

  /**
   * Trains on (X, y), then calibrates on validation rows; a failed fit keeps the earlier fit in
   * place. `onProgress`, `yieldEvery` and `signal` act after every batch (see FitControlOptions):
   * on abort, fit rejects with the signal's reason and the model keeps the weights of the last
   * finished batch, calibrated on the validation rows, so it stays usable.
   */
  async fit(X: MatrixInput, y: BinaryLabels, options: ChurnFitOptions = {}): Promise<this> {
    const { net, features, calibrator, history, baseline, names } = this;
    const before = { net, features, calibrator, history, baseline, names };
    try {
      await this.train(X, y, options);
    } catch (e) {
      const stopped = this.net !== before.net && options.signal?.aborted === true && e === options.signal.reason;
      if (stopped) before.net?.dispose();
      else {
        if (this.net !== before.net) this.net?.dispose();
        Object.assign(this, before);
      }
      throw e;
    }
    if (before.net !== this.net) before.net?.dispose();
    return this;
  }
  /** Trains on `{X, y}` chunks read afresh each pass (memory: the net and one chunk), calibrated on `validation`. */
  async fitStream(chunks: () => AsyncIterable<ChurnChunk> | Iterable<ChurnChunk>, options: ChurnStreamOptions = {}) {
    return fitChurnStream(this, chunks, options).then(() => this);
  }

  private async train(X: MatrixInput, y: BinaryLabels, options: ChurnFitOptions): Promise<void> {
    const op = 'ChurnClassifier.fit';
    const control = new FitControl(options, this.options.epochs);
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
      const split = splitMatrixByClass(train, labels, v, rng);
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
    const given = (X as { names?: unknown }).names;
    this.names = Array.isArray(given) && given.length === train.cols ? given.map(String) : null;
    this.baseline = columnMeans(train);
    const net = (this.net = new ChurnNet(train.cols, this.options.hidden, this.options.seed, this.options.backend));
    const opt = new Adam(net.parameters(), { lr: this.options.lr, weightDecay: this.options.weightDecay });
    const { rows: n, cols: d } = train;
    const bs = Math.min(this.options.batchSize, n);
    const xb = new Float32Array(bs * d);
    const yb = new Float32Array(bs);
    this.history = [];
    const batches = Math.ceil(n / bs);
    let stopped: { reason: unknown } | null = null;
    try {
      for (let epoch = 1; epoch <= this.options.epochs && !stopped; epoch++) {
        const perm = rng.permutation(n);
        const losses: Tensor[] = [];
        const sizes: number[] = [];
        for (let s = 0, b = 1; s < n; s += bs, b++) {
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
          try {
            await control.batch(epoch, b, batches);
          } catch (e) {
            for (const l of losses) l.dispose();
            if (!(options.signal?.aborted && e === options.signal.reason)) throw e;
            stopped = { reason: e };
            break;
          }
        }
        // An aborted epoch has no loss to report; the weights are those of its last batch.
        if (stopped) break;
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
    if (stopped) throw stopped.reason;
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

  /**
   * The logistic model's coefficients (logit space, before calibration) with column names, also
   * per unit of each original column when a standardising TabularEncoder is set as `encoder`.
   * A ValueError for the MLP, which has no one weight per column: use {@link explain}.
   */
  async coefficients(): Promise<ChurnCoefficients> {
    return churnCoefficients(this.explainParts('ChurnClassifier.coefficients'));
  }

  /**
   * Each input column's contribution to each row's logit against the baseline (the training rows'
   * column means unless `baseline` is given): exact for the logistic model, integrated gradients
   * for the MLP with every row's sum within `tolerance` of logit − baseline logit (see
   * {@link ChurnAttributions.gap}). X is encoded input, or a raw table when `encoder` is set.
   */
  async attributions(X: MatrixInput | TableInput, options: AttributionOptions = {}): Promise<ChurnAttributions> {
    const op = 'ChurnClassifier.attributions';
    return churnAttributions(op, this.explainParts(op), await this.input(op, X), options);
  }

  /**
   * Per-customer reasons in words: the attributions summed per original column (one-hot columns
   * of a category together), the `top` largest as sentences such as "Contract is Month-to-month:
   * raises the churn odds 2.10×", and a summary with the churn probability.
   *
   * @example
   * clf.encoder = encoder; // the TabularEncoder that made X
   * for (const e of await clf.explain(rawRows)) console.log(e.summary);
   */
  async explain(X: MatrixInput | TableInput, options: ChurnExplainOptions = {}): Promise<ChurnExplanation[]> {
    const op = 'ChurnClassifier.explain';
    const top = checkInt(op, 'top', options.top ?? 3, 1);
    const parts = this.explainParts(op);
    const m = await this.input(op, X);
    const a = await churnAttributions(op, parts, m, options);
    return explainAttributions(parts, a, m, { top, customBaseline: options.baseline !== undefined });
  }

  private explainParts(op: string): ExplainParts {
    if (!this.net) throw new ValueError(`${op}: the model is not fitted; call await fit(X, y) first`);
    if (!this.baseline)
      throw new ValueError(`${op}: this model was saved without its training means; pass options.baseline`);
    const names = this.encoder?.names ?? this.names ?? Array.from({ length: this.features }, (_, j) => `x${j}`);
    if (names.length !== this.features)
      throw new ShapeError(`${op}: the encoder makes ${names.length} columns but the model takes ${this.features}`);
    const cal = this.calibrator;
    return {
      net: this.net,
      names,
      baseline: this.baseline,
      encoder: this.encoder,
      probability: (z) => (cal ? cal.apply(z) : sig(z)),
    };
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
      config: {
        options,
        features: this.features,
        calibrator: this.calibratorState,
        encoder,
        names: this.names,
        baseline: this.baseline ? Array.from(this.baseline) : null,
      },
      tensors,
    };
  }

  /** @internal Installs a loaded network and calibrator (churn-io.ts checks them first). */
  restoreParts(
    net: ChurnNet,
    calibrator: Calibrator | null,
    encoder: TabularEncoder | null,
    extra: { names: string[] | null; baseline: Float64Array | null } = { names: null, baseline: null },
  ): this {
    this.net?.dispose();
    this.net = net;
    this.features = net.layers[0]!.inFeatures;
    this.calibrator = calibrator;
    this.encoder = encoder;
    this.names = extra.names;
    this.baseline = extra.baseline;
    return this;
  }

  /** Frees the network's weights. */
  dispose(): void {
    this.net?.dispose();
    this.net = null;
  }

  private async input(op: string, X: MatrixInput | TableInput): Promise<Matrix> {
    if (!this.net) throw new ValueError(`${op}: the model is not fitted; call await fit(X, y) first`);
    const table = !(X instanceof Tensor) && !Array.isArray(X) && typeof (X as { cols?: unknown }).cols !== 'number';
    if (table && !this.encoder)
      throw new ValueError(
        `${op}: X is a table of named columns; set model.encoder to the TabularEncoder that made X, or pass encoded rows`,
      );
    const m = await toMatrix(op, 'X', table ? this.encoder!.transform(X as TableInput) : (X as MatrixInput));
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

/** Column means of a matrix: the average row. */
function columnMeans(m: Matrix): Float64Array {
  const out = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j]! += m.data[i * m.cols + j]! / m.rows;
  return out;
}

export { churnReport, type ChurnReport } from './churn-report.js';
export type {
  ChurnClassifierOptions,
  ChurnEpoch,
  ChurnExplainOptions,
  ChurnFitOptions,
  ResolvedChurnOptions,
} from './churn-options.js';
export type {
  AttributionOptions,
  ChurnAttributions,
  ChurnCoefficient,
  ChurnCoefficients,
  ChurnExplanation,
  ChurnReason,
} from './churn-explain.js';

registerChurnLoader(ChurnClassifier);
