import { ValueError, fmtValue } from '../core/errors.js';
import { reshape } from '../ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';
import { dropout, uniformBlocks } from './functional.js';
import { Module, type ModuleConfig } from './module.js';

/**
 * Randomly zeroes elements with probability `p` during training and scales the survivors by
 * 1/(1−p); the identity in eval mode.
 *
 * Shapes: any → the same shape. No parameters.
 *
 * With `seed`, masks come from that Philox key with a counter that advances on every call, so a
 * run is reproducible (and identical across backends) while masks still differ between steps.
 * Without a seed the global stream (`at.manualSeed`) is used.
 */
export class Dropout extends Module {
  private offset = 0;

  constructor(
    readonly p = 0.5,
    readonly options: { seed?: number } = {},
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new ValueError(`Dropout: p must be in [0, 1); got ${fmtValue(p)}`);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return reshape(x, x.shape);
    const seed = this.options.seed;
    const out = dropout(x, this.p, seed === undefined ? {} : { seed, offset: this.offset });
    this.offset += uniformBlocks(x.size);
    return out;
  }

  override typeName(): string {
    return 'Dropout';
  }

  override config(): ModuleConfig {
    return { p: this.p, ...(this.options.seed === undefined ? {} : { seed: this.options.seed }) };
  }
}
