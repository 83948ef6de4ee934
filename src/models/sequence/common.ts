import { checkInt, checkRange } from '../../core/checks.js';
import { FitControl, type FitControlOptions } from '../../core/fit-control.js';
import type { BackendName } from '../../backends/backend.js';
import { NumericalError, ValueError, fmtValue } from '../../core/errors.js';
import { scope } from '../../memory.js';
import type { Module } from '../../nn/module.js';
import { Adam, AdamW } from '../../optim/adam.js';
import { WeightAverage } from '../../optim/ema.js';
import { clipGradNorm } from '../../optim/clip.js';
import { noGrad } from '../../autograd/tape.js';
import * as o from '../../ops/index.js';
import type { Tensor } from '../../tensor/tensor.js';

/** Reported to `onEpoch` after every epoch of a sequence model's fit. */
export interface SequenceEpoch {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss of the epoch (cross-entropy, nats per predicted token). */
  loss: number;
  /** Wall time of the epoch in milliseconds. */
  ms: number;
  /** Wall time since fit started, validation included, in milliseconds. */
  elapsedMs: number;
  /** The validation metric after this epoch (higher is better), when `validation` is given. */
  validation?: number;
}

/**
 * A validation metric scored after every epoch, higher is better: for example HR@10 of the
 * held-out next items (NextItemModel takes those directly), or any metric of the caller's.
 */
export type ValidationMetric = () => number | Promise<number>;

/**
 * Options of the sequence models' `fit`, with the shared progress, yielding and cancelling
 * options (`onProgress` after every batch, `yieldEvery`, `signal`; see {@link FitControlOptions}).
 */
export interface SequenceFitOptions extends FitControlOptions {
  /** Passes over the data; default 20. */
  epochs?: number;
  /** Sequences per step; default 64. */
  batchSize?: number;
  /** Adam learning rate; default 1e-3. */
  lr?: number;
  /**
   * A factor on `lr` for each epoch (1-based), read at its start: a decay such as cosine
   * annealing. Default: constant lr.
   */
  lrSchedule?: (epoch: number) => number;
  /** Global gradient-norm clip; default 5 (0 turns clipping off). */
  clipNorm?: number;
  /** Adam's β2; default 0.999 (SASRec uses 0.98 on sparse item data). */
  beta2?: number;
  /**
   * Decoupled weight decay (AdamW): each step shrinks the weights by lr·weightDecay. Default 0
   * (plain Adam). Sparse item tables decay only in the rows a step touched.
   */
  weightDecay?: number;
  /**
   * Decay of an exponential moving average of the weights (see {@link WeightAverage}), such as
   * 0.999. With it, validation scores the averaged weights and fit leaves them in the model.
   * Default 0 (off).
   */
  emaDecay?: number;
  /** Seed of the shuffling (and sampled negatives); default the model's seed. */
  seed?: number;
  /**
   * Scored after every epoch (higher is better). With it, fit keeps the weights of the best
   * epoch and restores them at the end, and `patience` stops early.
   */
  validation?: ValidationMetric;
  /** Epochs without a better validation score before training stops; default: never stop early. */
  patience?: number;
  /** Stop after the epoch in which this much wall time (seconds, validation included) has passed. */
  maxSeconds?: number;
  /**
   * Called after every epoch (after `onEpoch`); returning true ends training there, with the best
   * weights restored as for `patience`. For budgets `maxSeconds` cannot express, such as the
   * process's CPU time on a shared machine.
   */
  stopWhen?: (info: SequenceEpoch) => boolean;
  onEpoch?: (info: SequenceEpoch) => void | Promise<void>;
}

export function resolveFit(op: string, options: SequenceFitOptions, seed: number) {
  const epochs = checkInt(op, 'epochs', options.epochs ?? 20, 1);
  const batchSize = checkInt(op, 'batchSize', options.batchSize ?? 64, 1);
  const lr = options.lr ?? 1e-3;
  if (!(lr > 0) || !Number.isFinite(lr))
    throw new ValueError(`${op}: lr must be a positive number; got ${fmtValue(lr)}`);
  const clipNorm = options.clipNorm ?? 5;
  if (!(clipNorm >= 0)) throw new ValueError(`${op}: clipNorm must be >= 0; got ${fmtValue(clipNorm)}`);
  const beta2 = checkRange(op, 'beta2', options.beta2 ?? 0.999, 0, 1);
  const weightDecay = checkRange(op, 'weightDecay', options.weightDecay ?? 0, 0, Infinity);
  const emaDecay = checkRange(op, 'emaDecay', options.emaDecay ?? 0, 0, 1);
  const patience = options.patience === undefined ? Infinity : checkInt(op, 'patience', options.patience, 1);
  const maxSeconds = options.maxSeconds ?? Infinity;
  if (!(maxSeconds > 0))
    throw new ValueError(`${op}: maxSeconds must be a positive number; got ${fmtValue(maxSeconds)}`);
  if (options.validation !== undefined && typeof options.validation !== 'function')
    throw new ValueError(`${op}: validation must be a function returning a score (higher is better)`);
  const validation: ValidationMetric | undefined = options.validation;
  if (options.stopWhen !== undefined && typeof options.stopWhen !== 'function')
    throw new ValueError(`${op}: stopWhen must be a function of the epoch returning true to stop`);
  if (options.lrSchedule !== undefined && typeof options.lrSchedule !== 'function')
    throw new ValueError(`${op}: lrSchedule must be a function of the epoch returning a factor on lr`);
  const control = { onProgress: options.onProgress, yieldEvery: options.yieldEvery, signal: options.signal };
  return {
    epochs,
    batchSize,
    lr,
    clipNorm,
    beta2,
    weightDecay,
    emaDecay,
    patience,
    maxSeconds,
    validation,
    stopWhen: options.stopWhen,
    lrSchedule: options.lrSchedule,
    seed: options.seed ?? seed,
    signal: options.signal,
    // Checked here, before any work, so a bad option or an already fired signal throws at once.
    control: new FitControl(control, epochs),
  };
}

/**
 * The training loop the sequence models share: Adam over `module`'s parameters, one
 * `at.scope` per step (so live tensors stay flat), gradient clipping, the mean loss per epoch.
 * `epochBatches` returns the epoch's batches: an array, or an async iterable (a streamed epoch,
 * built chunk by chunk so memory holds one chunk's batches) whose length is known only at its
 * end; progress then reports `batches` from `expectedBatches`, else from the previous epoch's
 * count, and leaves it out where neither is known (or the epoch runs past it). `loss` builds
 * the scalar loss of one batch.
 * With a validation metric it scores every epoch (in eval mode), copies the weights of the best
 * one, stops after `patience` epochs without a better score, and restores the best weights, as
 * recommender studies do; `maxSeconds` bounds the wall time. With `emaDecay` the weights it
 * scores, keeps and leaves in the model are the moving average's.
 * After every batch it drives `fit.control` (progress, event-loop turns, abort). An abort
 * rejects with the signal's reason and leaves the weights of the last finished batch (no best
 * weights restored, nothing rolled back); any other failure puts back the weights from before
 * the fit.
 */
export async function trainLoop<B>(
  module: Module,
  fit: ReturnType<typeof resolveFit>,
  epochBatches: (epoch: number) => readonly B[] | AsyncIterable<B>,
  loss: (batch: B) => Tensor,
  onEpoch: SequenceFitOptions['onEpoch'],
  expectedBatches?: number,
): Promise<SequenceEpoch[]> {
  const params = module.parameters();
  const adam = { lr: fit.lr, betas: [0.9, fit.beta2] as [number, number], weightDecay: fit.weightDecay };
  const opt = fit.weightDecay > 0 ? new AdamW(params, adam) : new Adam(params, adam);
  const average = fit.emaDecay > 0 ? new WeightAverage(params, fit.emaDecay) : null;
  const history: SequenceEpoch[] = [];
  const start = Date.now();
  let best = -Infinity;
  let bestWeights: Tensor[] | null = null;
  let sinceBest = 0;
  let lastCount = expectedBatches;
  // The weights before this fit: a fit that fails (divergence, a lost device) puts them back.
  let startWeights: Tensor[] | null = noGrad(() => params.map((p) => o.mul(p, 1)));
  module.train();
  try {
    for (let epoch = 1; epoch <= fit.epochs; epoch++) {
      const t0 = Date.now();
      if (fit.lrSchedule)
        opt.lr = checkRange(
          module.typeName() ?? 'fit',
          'lrSchedule(epoch) · lr',
          fit.lr * fit.lrSchedule(epoch),
          0,
          Infinity,
        );
      let sum = 0;
      let n = 0;
      const batches = epochBatches(epoch);
      const total = Array.isArray(batches) ? batches.length : lastCount;
      for await (const batch of batches) {
        const l = scope(() => {
          opt.zeroGrad();
          const value = loss(batch);
          value.backward();
          if (fit.clipNorm > 0) clipGradNorm(params, fit.clipNorm);
          opt.step();
          average?.update();
          return value;
        });
        sum += await l.item();
        n++;
        l.dispose();
        await fit.control.batch(epoch, n, total !== undefined && n <= total ? total : undefined);
      }
      lastCount = n;
      opt.zeroGrad();
      const info = { epoch, loss: n ? sum / n : NaN, ms: Date.now() - t0 };
      if (n > 0 && !Number.isFinite(info.loss)) {
        throw new NumericalError(
          `${module.typeName() ?? 'model'}.fit: training diverged: the loss became ${info.loss} in epoch ${epoch}; lower lr (now ${fit.lr})`,
        );
      }
      let score: number | undefined;
      if (fit.validation) {
        module.eval();
        const validate = fit.validation;
        score = average ? await average.withAverage(validate) : await validate();
        module.train();
        if (!Number.isFinite(score))
          throw new ValueError(`${module.typeName()}.fit: the validation metric returned ${score} in epoch ${epoch}`);
        if (score > best) {
          best = score;
          sinceBest = 0;
          for (const t of bestWeights ?? []) t.dispose();
          bestWeights = average ? average.copies() : params.map((p) => noGrad(() => o.mul(p, 1)));
        } else sinceBest++;
      }
      const elapsedMs = Date.now() - start;
      const epochInfo: SequenceEpoch = { ...info, elapsedMs, ...(score === undefined ? {} : { validation: score }) };
      history.push(epochInfo);
      await onEpoch?.(epochInfo);
      if (sinceBest >= fit.patience || elapsedMs >= fit.maxSeconds * 1000 || fit.stopWhen?.(epochInfo)) break;
    }
    // The best epoch's weights, when a later one scored worse.
    if (bestWeights && sinceBest > 0) {
      const saved = bestWeights;
      bestWeights = null; // assign consumes the copies
      noGrad(() => params.forEach((p, i) => p.assign(saved[i]!)));
    } else average?.copyInto();
  } catch (e) {
    // An abort keeps the last finished batch's weights, as FitControlOptions.signal promises.
    if (fit.signal?.aborted && e === fit.signal.reason) throw e;
    const saved = startWeights;
    startWeights = null; // assign consumes the copies
    // Host-side bookkeeping only, so it works after a device loss too (the weights then fail on
    // their next use with the lost-device error, which says to call ready()).
    if (saved) noGrad(() => params.forEach((p, i) => p.assign(saved[i]!)));
    throw e;
  } finally {
    for (const t of startWeights ?? []) t.dispose();
    for (const t of bestWeights ?? []) t.dispose();
    opt.zeroGrad();
    opt.dispose();
    average?.dispose();
    module.eval();
  }
  return history;
}

export type { BackendName };
