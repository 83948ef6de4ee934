import { checkInt } from '../../core/checks.js';
import type { BackendName } from '../../backends/backend.js';
import { NumericalError, ValueError } from '../../core/errors.js';
import { scope } from '../../memory.js';
import type { Module } from '../../nn/module.js';
import { Adam } from '../../optim/adam.js';
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
}

/** Options of the sequence models' `fit`. */
export interface SequenceFitOptions {
  /** Passes over the data; default 20. */
  epochs?: number;
  /** Sequences per step; default 64. */
  batchSize?: number;
  /** Adam learning rate; default 1e-3. */
  lr?: number;
  /** Global gradient-norm clip; default 5 (0 turns clipping off). */
  clipNorm?: number;
  /** Seed of the shuffling (and sampled negatives); default the model's seed. */
  seed?: number;
  onEpoch?: (info: SequenceEpoch) => void | Promise<void>;
}

export function resolveFit(op: string, options: SequenceFitOptions, seed: number) {
  const epochs = checkInt(op, 'epochs', options.epochs ?? 20, 1);
  const batchSize = checkInt(op, 'batchSize', options.batchSize ?? 64, 1);
  const lr = options.lr ?? 1e-3;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new ValueError(`${op}: lr must be a positive number; got ${lr}`);
  const clipNorm = options.clipNorm ?? 5;
  if (!(clipNorm >= 0)) throw new ValueError(`${op}: clipNorm must be >= 0; got ${clipNorm}`);
  return { epochs, batchSize, lr, clipNorm, seed: options.seed ?? seed };
}

/**
 * The training loop both sequence models share: Adam over `module`'s parameters, one
 * `at.scope` per step (so live tensors stay flat), gradient clipping, the mean loss per epoch.
 * `epochBatches` returns the epoch's batches; `loss` builds the scalar loss of one.
 */
export async function trainLoop<B>(
  module: Module,
  fit: ReturnType<typeof resolveFit>,
  epochBatches: (epoch: number) => B[],
  loss: (batch: B) => Tensor,
  onEpoch: SequenceFitOptions['onEpoch'],
): Promise<SequenceEpoch[]> {
  const params = module.parameters();
  const opt = new Adam(params, { lr: fit.lr });
  const history: SequenceEpoch[] = [];
  // The weights before this fit: a fit that fails (divergence, a lost device) puts them back.
  let startWeights: Tensor[] | null = noGrad(() => params.map((p) => o.mul(p, 1)));
  module.train();
  try {
    for (let epoch = 1; epoch <= fit.epochs; epoch++) {
      const t0 = Date.now();
      let sum = 0;
      let n = 0;
      for (const batch of epochBatches(epoch)) {
        const l = scope(() => {
          opt.zeroGrad();
          const value = loss(batch);
          value.backward();
          if (fit.clipNorm > 0) clipGradNorm(params, fit.clipNorm);
          opt.step();
          return value;
        });
        sum += await l.item();
        n++;
        l.dispose();
      }
      opt.zeroGrad();
      const info = { epoch, loss: n ? sum / n : NaN, ms: Date.now() - t0 };
      if (n > 0 && !Number.isFinite(info.loss)) {
        throw new NumericalError(
          `${module.typeName() ?? 'model'}.fit: training diverged: the loss became ${info.loss} in epoch ${epoch}; lower lr (now ${fit.lr})`,
        );
      }
      history.push(info);
      await onEpoch?.(info);
    }
  } catch (e) {
    const saved = startWeights;
    startWeights = null; // assign consumes the copies
    // Host-side bookkeeping only, so it works after a device loss too (the weights then fail on
    // their next use with the lost-device error, which says to call ready()).
    if (saved) noGrad(() => params.forEach((p, i) => p.assign(saved[i]!)));
    throw e;
  } finally {
    for (const t of startWeights ?? []) t.dispose();
    opt.zeroGrad();
    disposeOptimizer(opt);
    module.eval();
  }
  return history;
}

/** Frees the optimizer's moment tensors (the optimizer has no dispose of its own). */
function disposeOptimizer(opt: Adam): void {
  const state = (opt as unknown as { state: Map<Tensor, Record<string, Tensor>> }).state;
  for (const st of state.values()) for (const t of Object.values(st)) t.dispose();
  state.clear();
}

export type { BackendName };
