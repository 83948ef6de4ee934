import { noGrad } from '../autograd/tape.js';
import { DataError, NumericalError, ShapeError, ValueError, fmtValue } from '../core/errors.js';
import { FitControl, type FitControlOptions } from '../core/fit-control.js';
import { Rng } from '../core/random.js';
import { type Matrix, type MatrixInput, toBinaryLabels, toMatrix } from '../data/matrix.js';
import { scope } from '../memory.js';
import { logLoss } from '../metrics/classification.js';
import type { BinaryLabels } from '../metrics/validate.js';
import { binaryCrossEntropyWithLogits } from '../nn/functional.js';
import { Adam } from '../optim/adam.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Calibrator, fitIsotonic, fitPlatt } from './calibration.js';
import type { TabularEncoder } from '../data/encoder.js';
import { ChurnNet } from './churn-net.js';
import type { ChurnEpoch, ResolvedChurnOptions } from './churn-options.js';
import { sig } from './churn-report.js';

/** One chunk of labelled rows: features X [rows, features] and labels y [rows] of 0/1. */
export interface ChurnChunk {
  X: MatrixInput;
  y: BinaryLabels;
}

/** Options of {@link ChurnClassifier.fitStream}. */
export interface ChurnStreamOptions extends FitControlOptions {
  /**
   * Held-out rows for calibration and the per-epoch validation loss, in memory (a sample the
   * caller keeps aside; a fraction of a stream would have to be held). Required unless the
   * model's calibration is 'none'.
   */
  validation?: { X: MatrixInput; y: BinaryLabels };
  onEpoch?: (info: ChurnEpoch) => void;
}

/** The part of a ChurnClassifier a streaming fit fills (kept structural: churn.ts imports this file). */
export interface ChurnStreamTarget {
  readonly options: ResolvedChurnOptions;
  encoder: TabularEncoder | null;
  history: ChurnEpoch[];
  restoreParts(
    net: ChurnNet,
    calibrator: Calibrator | null,
    encoder: TabularEncoder | null,
    extra: { names: string[] | null; baseline: Float64Array | null },
  ): unknown;
}

/**
 * Trains `model` on labelled chunks read afresh for every pass (`chunks()`), so memory holds the
 * network and one chunk, never the data. Pass 0 counts the rows and takes the column means
 * (the baseline explanations start from); each epoch streams the chunks, shuffles each chunk's
 * rows (seeded) and takes minibatches of `batchSize` with Adam, as `fit` does; calibration is
 * fitted on `validation`. Rows are not shuffled across chunks: shuffle a sorted file first.
 * A failure or an abort leaves the model as it was.
 */
export async function fitChurnStream(
  model: ChurnStreamTarget,
  chunks: () => AsyncIterable<ChurnChunk> | Iterable<ChurnChunk>,
  options: ChurnStreamOptions = {},
): Promise<void> {
  const op = 'ChurnClassifier.fitStream';
  if (typeof chunks !== 'function')
    throw new ValueError(
      `${op}: chunks must be a function returning an (async) iterable of {X, y}; got ${fmtValue(chunks)}`,
    );
  const o = model.options;
  if ((options.validation as unknown) !== undefined && typeof options.validation !== 'object')
    throw new ValueError(
      `${op}: validation must be held-out rows {X, y} (a fraction of a stream would have to be held in memory); got ${fmtValue(options.validation)}`,
    );
  if (o.calibration !== 'none' && !options.validation)
    throw new ValueError(
      `${op}: calibration '${o.calibration}' needs validation rows {X, y}; pass them or calibration: 'none'`,
    );
  const control = new FitControl(options, o.epochs);
  let d = -1;
  const read = async function* () {
    let index = 0;
    for await (const c of chunks()) {
      if (c === null || typeof c !== 'object')
        throw new ValueError(`${op}: chunk ${index} must be {X, y}; got ${fmtValue(c)}`);
      const m = await toMatrix(op, `chunk ${index} X`, c.X);
      const y = toBinaryLabels(op, `chunk ${index} y`, c.y);
      if (y.length !== m.rows)
        throw new ShapeError(`${op}: chunk ${index} has ${m.rows} rows in X but ${y.length} labels`);
      if (d < 0) d = m.cols;
      if (m.cols !== d) throw new ShapeError(`${op}: chunk ${index} has ${m.cols} columns; the first had ${d}`);
      index++;
      if (m.rows > 0) yield { m, y };
    }
  };
  // Pass 0: rows, batches per epoch and column sums.
  let n = 0;
  let batches = 0;
  let sums = new Float64Array(0);
  for await (const { m } of read()) {
    if (sums.length === 0) sums = new Float64Array(m.cols);
    for (let i = 0; i < m.data.length; i++) sums[i % m.cols]! += m.data[i]!;
    n += m.rows;
    batches += Math.ceil(m.rows / o.batchSize);
  }
  if (n === 0) throw new DataError(`${op}: the chunks hold no rows`);
  const val = options.validation ? await validationRows(op, options.validation, d) : undefined;
  const net = new ChurnNet(d, o.hidden, o.seed, o.backend);
  const opt = new Adam(net.parameters(), { lr: o.lr, weightDecay: o.weightDecay });
  const rng = new Rng(o.seed, 'ChurnClassifier');
  const history: ChurnEpoch[] = [];
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      let total = 0;
      let b = 0;
      for await (const { m, y } of read()) {
        const perm = rng.permutation(m.rows);
        // The step losses stay on the device until the chunk ends: one readback per chunk.
        const losses: { loss: Tensor; rows: number }[] = [];
        try {
          for (let s = 0; s < m.rows; s += o.batchSize) {
            const r = Math.min(o.batchSize, m.rows - s);
            const xb = new Float32Array(r * d);
            const yb = new Float32Array(r);
            for (let j = 0; j < r; j++) {
              const i = perm[s + j]!;
              xb.set(m.data.subarray(i * d, (i + 1) * d), j * d);
              yb[j] = y[i]!;
            }
            const loss = scope(() => {
              opt.zeroGrad();
              const l = binaryCrossEntropyWithLogits(
                net.forward(tensor(xb, { shape: [r, d], backend: net.backend })),
                tensor(yb, { shape: [r, 1], backend: net.backend }),
              );
              l.backward();
              opt.step();
              return l.detach();
            });
            losses.push({ loss, rows: r });
            await control.batch(epoch, ++b, batches);
          }
          for (const l of losses) total += (await l.loss.item()) * l.rows;
        } finally {
          for (const l of losses) l.loss.dispose();
        }
      }
      const info: ChurnEpoch = { epoch, loss: total / n };
      if (!Number.isFinite(info.loss))
        throw new NumericalError(
          `${op}: training diverged: the loss became ${info.loss} in epoch ${epoch}; lower lr (now ${o.lr})`,
        );
      if (val) info.valLoss = logLoss(val.y, (await logits(net, val.m)).map(sig));
      history.push(info);
      options.onEpoch?.(info);
    }
    let calibrator: Calibrator | null = null;
    if (val && o.calibration !== 'none') {
      const z = await logits(net, val.m);
      calibrator = o.calibration === 'platt' ? fitPlatt(z, val.y) : fitIsotonic(z, val.y);
    }
    model.restoreParts(net, calibrator, model.encoder, { names: null, baseline: sums.map((v) => v / n) });
    model.history = history;
  } catch (e) {
    net.dispose();
    throw e;
  } finally {
    opt.zeroGrad();
    opt.dispose();
  }
}

async function validationRows(op: string, v: { X: MatrixInput; y: BinaryLabels }, d: number) {
  const m = await toMatrix(op, 'validation.X', v.X);
  const y = toBinaryLabels(op, 'validation.y', v.y);
  if (m.cols !== d) throw new ShapeError(`${op}: validation.X has ${m.cols} columns but the chunks have ${d}`);
  if (y.length !== m.rows)
    throw new ShapeError(`${op}: validation.X has ${m.rows} rows but validation.y has ${y.length}`);
  return { m, y };
}

/** The network's logits for the rows of m, in slices (no gradient). */
async function logits(net: ChurnNet, m: Matrix): Promise<Float64Array> {
  const out = new Float64Array(m.rows);
  for (let s = 0; s < m.rows; s += 8192) {
    const r = Math.min(8192, m.rows - s);
    const x = Float32Array.from(m.data.subarray(s * m.cols, (s + r) * m.cols));
    const z = noGrad(() => scope(() => net.forward(tensor(x, { shape: [r, m.cols], backend: net.backend }))));
    out.set(await z.data(), s);
    z.dispose();
  }
  return out;
}
