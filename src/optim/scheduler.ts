import { ValueError, fmtValue } from '../core/errors.js';
import type { Optimizer } from './optimizer.js';

/**
 * Learning-rate schedules. Each sets every param group's `lr` from its base rate (the group's lr
 * when the scheduler was made) and a step count t: t = 0 at construction, +1 per `step()`.
 * Call `scheduler.step()` after `optimizer.step()`, once per step or epoch as you choose.
 */
export abstract class LRScheduler {
  readonly baseLrs: number[];
  /** Steps taken so far. */
  t = 0;

  constructor(readonly optimizer: Optimizer<{ lr: number }>) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.apply();
  }

  /** The rate of group `i` at step t. */
  abstract lrAt(i: number, t: number): number;

  step(): void {
    this.t++;
    this.apply();
  }

  /** Current rates, one per group. */
  get lrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The schedule's position and base rates, to checkpoint next to the optimizer's stateDict(). */
  stateDict(): { t: number; baseLrs: number[] } {
    return { t: this.t, baseLrs: [...this.baseLrs] };
  }

  /** Restores a position saved by {@link stateDict} and sets the groups' rates for it. */
  loadStateDict(state: { t: number; baseLrs: number[] }): void {
    const name = this.constructor.name;
    if (!Number.isInteger(state?.t) || state.t < 0)
      throw new ValueError(`${name}.loadStateDict: t must be a non-negative integer; got ${String(state?.t)}`);
    if (!Array.isArray(state.baseLrs) || state.baseLrs.length !== this.baseLrs.length)
      throw new ValueError(
        `${name}.loadStateDict: baseLrs must have one rate per param group (${this.baseLrs.length}); got ${fmtValue(state.baseLrs)}`,
      );
    state.baseLrs.forEach((lr, i) => {
      if (!Number.isFinite(lr) || lr < 0)
        throw new ValueError(`${name}.loadStateDict: baseLrs[${i}] must be a finite rate ≥ 0; got ${fmtValue(lr)}`);
    });
    this.baseLrs.splice(0, this.baseLrs.length, ...state.baseLrs);
    this.t = state.t;
    this.apply();
  }

  /** Sets every group's lr for the current t (subclasses call it again once their fields exist). */
  protected apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.lrAt(i, this.t)));
  }
}

/** lr = base · gamma^⌊t / stepSize⌋. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer<{ lr: number }>, options: { stepSize: number; gamma?: number }) {
    if (!Number.isInteger(options.stepSize) || options.stepSize <= 0)
      throw new ValueError(`StepLR: stepSize must be a positive integer; got ${fmtValue(options.stepSize)}`);
    const gamma = options.gamma ?? 0.1;
    super(optimizer);
    this.stepSize = options.stepSize;
    this.gamma = gamma;
    this.apply();
  }

  lrAt(i: number, t: number): number {
    // Fields are unset while the base constructor runs; t = 0 gives the base rate anyway.
    return this.baseLrs[i]! * (this.gamma ?? 1) ** Math.floor(t / (this.stepSize ?? 1));
  }
}

/** lr = etaMin + (base − etaMin)·(1 + cos(π·t / tMax)) / 2 (PyTorch's closed form). */
export class CosineAnnealing extends LRScheduler {
  constructor(
    optimizer: Optimizer<{ lr: number }>,
    readonly options: { tMax: number; etaMin?: number },
  ) {
    if (!(options.tMax > 0)) throw new ValueError(`CosineAnnealing: tMax must be > 0; got ${fmtValue(options.tMax)}`);
    super(optimizer);
  }

  lrAt(i: number, t: number): number {
    const eta = this.options?.etaMin ?? 0;
    const tMax = this.options?.tMax ?? 1;
    return eta + ((this.baseLrs[i]! - eta) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;
  }
}

/**
 * Linear warmup from startFactor·base to base over `warmupSteps`, then either constant or
 * another schedule (`then`, made on the same optimizer beforehand) run from its own t = 0:
 * `new LinearWarmup(opt, { warmupSteps: 100, then: new CosineAnnealing(opt, { tMax: 900 }) })`.
 */
export class LinearWarmup extends LRScheduler {
  constructor(
    optimizer: Optimizer<{ lr: number }>,
    readonly options: { warmupSteps: number; startFactor?: number; then?: LRScheduler },
  ) {
    if (!Number.isInteger(options.warmupSteps) || options.warmupSteps < 0)
      throw new ValueError(
        `LinearWarmup: warmupSteps must be a non-negative integer; got ${fmtValue(options.warmupSteps)}`,
      );
    const s = options.startFactor ?? 0;
    if (!(s >= 0 && s <= 1)) throw new ValueError(`LinearWarmup: startFactor must be in [0, 1]; got ${fmtValue(s)}`);
    if (options.then && options.then.optimizer !== optimizer)
      throw new ValueError('LinearWarmup: `then` must schedule the same optimizer');
    super(optimizer);
    this.apply();
  }

  lrAt(i: number, t: number): number {
    const o = this.options;
    if (!o) return this.baseLrs[i]!;
    const w = o.warmupSteps;
    if (t < w) {
      const s = o.startFactor ?? 0;
      return this.baseLrs[i]! * (s + ((1 - s) * t) / w);
    }
    return o.then ? o.then.lrAt(i, t - w) : this.baseLrs[i]!;
  }
}
