/**
 * What every `fit` in attune accepts besides its own options: batch-level progress, yielding to
 * the event loop, and cancelling. One place so every model means the same thing by them.
 *
 * Why yielding: a fit is a long synchronous loop of kernel calls. In a browser that freezes the
 * page (no input, no paint, no timers) until it ends. With `yieldEvery: ms` the loop gives the
 * event loop a turn whenever `ms` milliseconds have passed since the last turn, at a batch
 * boundary, the same idea as tfjs's `yieldEvery`.
 */

import { checkNumber } from './checks.js';
import { ValueError } from './errors.js';

/** Reported to `onProgress` after every batch (or every unit of work a model counts). */
export interface FitProgress {
  /** 1-based epoch (iteration, for ALS and k-means). */
  epoch: number;
  /** Epochs this fit will run at most. */
  epochs: number;
  /** Batches done in this epoch, 1-based. */
  batch: number;
  /**
   * Batches in this epoch; undefined while that is not known (the first epoch of a streamed
   * fit, whose batches come from a source of unknown length: `fraction` then counts finished
   * epochs).
   */
  batches: number | undefined;
  /** Fraction of the whole fit done, in [0, 1]. */
  fraction: number;
  /** Milliseconds since the fit started. */
  elapsedMs: number;
}

/** The options every `fit` takes for progress, yielding and cancelling. */
export interface FitControlOptions {
  /** Called after every batch. Keep it cheap: it runs inside the training loop. */
  onProgress?: ((info: FitProgress) => void) | undefined;
  /**
   * Give the event loop a turn whenever this many milliseconds have passed since the last one.
   * `0` or `false` turns it off. Default: 16 in browsers (one frame), off in Node.
   */
  yieldEvery?: number | false | undefined;
  /**
   * Stops the fit at the next batch boundary: `fit` then rejects with the signal's reason (an
   * `AbortError` by default). The model keeps the weights of the last finished batch and stays
   * usable.
   */
  signal?: AbortSignal | undefined;
}

/** True where a page can freeze: a window with a document (not Node, not a worker). */
function inBrowserPage(): boolean {
  return typeof globalThis === 'object' && 'document' in globalThis && 'window' in globalThis;
}

/** One turn of the event loop: `scheduler.yield` where it exists, else a macrotask. */
function yieldToEventLoop(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Drives {@link FitControlOptions} inside a training loop: call {@link FitControl.batch} after
 * every batch. It throws the abort reason, reports progress, and yields when due.
 *
 * @example
 * const control = new FitControl(options, epochs);
 * for (let epoch = 1; epoch <= epochs; epoch++)
 *   for (let b = 1; b <= batches; b++) { step(); await control.batch(epoch, b, batches); }
 */
export class FitControl {
  readonly yieldEveryMs: number;
  private readonly started = performance.now();
  private lastYield = this.started;

  constructor(
    private readonly options: FitControlOptions,
    private readonly epochs: number,
  ) {
    const y = options.yieldEvery;
    if (y === undefined) this.yieldEveryMs = inBrowserPage() ? 16 : 0;
    else if (y === false) this.yieldEveryMs = 0;
    else this.yieldEveryMs = checkNumber('fit', 'yieldEvery', y, { min: 0 });
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
      throw new ValueError('fit: signal must be an AbortSignal');
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
      throw new ValueError('fit: onProgress must be a function');
    this.throwIfAborted();
  }

  /** Throws the abort reason if the signal has fired. Call before any work that changes the model. */
  throwIfAborted(): void {
    this.options.signal?.throwIfAborted();
  }

  /** After a batch: abort check, progress report, and a yield when `yieldEvery` has passed. */
  async batch(epoch: number, batch: number, batches: number | undefined): Promise<void> {
    const now = performance.now();
    if (this.options.onProgress) {
      const inEpoch = batches === undefined ? 0 : batch / Math.max(batches, 1);
      const done = (epoch - 1 + inEpoch) / Math.max(this.epochs, 1);
      this.options.onProgress({
        epoch,
        epochs: this.epochs,
        batch,
        batches,
        fraction: Math.min(1, done),
        elapsedMs: now - this.started,
      });
    }
    if (this.yieldEveryMs > 0 && now - this.lastYield >= this.yieldEveryMs) {
      await yieldToEventLoop();
      this.lastYield = performance.now();
    }
    this.throwIfAborted();
  }
}
