import { noGrad } from '../autograd/tape.js';
import { checkRange } from '../core/checks.js';
import * as o from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * An exponential moving average of parameters (Polyak averaging; PyTorch's `AveragedModel` with
 * an EMA, TensorFlow's `ExponentialMovingAverage`). After every optimizer step,
 *
 *   a ← d·a + (1 − d)·p,   d = min(decay, (1 + t) / (10 + t)),
 *
 * where t counts the updates: the ramp keeps the first averages from being dominated by the
 * initial weights. The average smooths out the noise of the last steps, so late in training, when
 * the iterate wanders around a minimum, it usually scores better than the iterate itself.
 *
 * The averages live on the parameters' backend (one copy of every parameter).
 */
export class WeightAverage {
  readonly decay: number;
  private readonly params: readonly Tensor[];
  private averages: Tensor[];
  private updates = 0;

  constructor(params: readonly Tensor[], decay: number) {
    this.decay = checkRange('WeightAverage', 'decay', decay, 0, 1);
    this.params = params;
    this.averages = noGrad(() => params.map((p) => o.mul(p, 1)));
  }

  /** Folds the parameters' current values into the average; call after each optimizer step. */
  update(): void {
    this.updates++;
    const d = Math.min(this.decay, (1 + this.updates) / (10 + this.updates));
    noGrad(() =>
      this.params.forEach((p, i) => {
        const a = this.averages[i]!;
        a.assign(o.add(o.mul(a, d), o.mul(p, 1 - d)));
      }),
    );
  }

  /** Runs `fn` with the averaged weights in the parameters, then puts the live weights back. */
  async withAverage<T>(fn: () => T | Promise<T>): Promise<T> {
    const live = noGrad(() => this.params.map((p) => o.mul(p, 1)));
    this.copyInto();
    try {
      return await fn();
    } finally {
      noGrad(() => this.params.forEach((p, i) => p.assign(live[i]!)));
    }
  }

  /** Copies of the averaged weights, in the parameters' order (the caller disposes them). */
  copies(): Tensor[] {
    return noGrad(() => this.averages.map((a) => o.mul(a, 1)));
  }

  /** Puts the averaged weights into the parameters (for good: the end of training). */
  copyInto(): void {
    noGrad(() => this.params.forEach((p, i) => p.assign(o.mul(this.averages[i]!, 1))));
  }

  dispose(): void {
    for (const a of this.averages) a.dispose();
    this.averages = [];
  }
}
