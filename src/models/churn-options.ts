import type { BackendName } from '../backends/backend.js';
import { ValueError, fmtValue } from '../core/errors.js';
import type { FitControlOptions } from '../core/fit-control.js';
import { Rng } from '../core/random.js';
import type { MatrixInput } from '../data/matrix.js';
import type { BinaryLabels } from '../metrics/validate.js';
import type { AttributionOptions } from './churn-explain.js';

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
export interface ChurnFitOptions extends FitControlOptions {
  /**
   * Held-out rows for calibration and the per-epoch validation loss: explicit `{ X, y }`, or a
   * fraction of the training rows split off (stratified, seeded). Default 0.2 when calibration
   * is on, none otherwise.
   */
  validation?: { X: MatrixInput; y: BinaryLabels } | number;
  /** Called after each epoch with its mean training loss (and validation loss when there is one). */
  onEpoch?: (info: ChurnEpoch) => void;
}

/** Options of {@link ChurnClassifier.explain}. */
export interface ChurnExplainOptions extends AttributionOptions {
  /** Reasons per customer; default 3. */
  top?: number;
}

export interface ChurnEpoch {
  epoch: number;
  loss: number;
  valLoss?: number;
}

/** The options of a ChurnClassifier with every default filled in. */
export type ResolvedChurnOptions = Readonly<Required<Omit<ChurnClassifierOptions, 'backend'>>> & {
  backend?: BackendName;
};

/** Fills in the defaults and checks every option, naming the one that is wrong. */
export function resolveChurnOptions(options: ChurnClassifierOptions): ResolvedChurnOptions {
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
  return { ...o, ...(options.backend ? { backend: options.backend } : {}) };
}
