import type { Activation, BackendName } from '../backends/backend.js';
import { ValueError, fmtValue } from '../core/errors.js';
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { linear } from './functional.js';
import { uniform } from './init.js';
import { Module, type ModuleConfig } from './module.js';

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Seed for the initial weights; the global stream otherwise. */
  seed?: number;
  backend?: BackendName;
  dtype?: DType;
}

/**
 * y = x·Wᵀ + b, on the fused matmul kernel (bias and activation in its epilogue).
 *
 * Shapes: input [..., inFeatures] → output [..., outFeatures].
 * Parameters (PyTorch layout): `weight` [outFeatures, inFeatures], `bias` [outFeatures].
 * Initialized as PyTorch's Linear: U(−1/√in, 1/√in) for both.
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly options: LinearOptions = {},
  ) {
    super();
    for (const [k, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new ValueError(`Linear: ${k} must be a positive integer; got ${fmtValue(v)}`);
    }
    const bound = 1 / Math.sqrt(inFeatures);
    const opts = {
      backend: options.backend,
      dtype: options.dtype,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    };
    this.weight = this.registerParameter('weight', uniform([outFeatures, inFeatures], -bound, bound, opts));
    const biasOpts = options.seed === undefined ? opts : { ...opts, seed: options.seed + 1 };
    this.bias = this.registerParameter(
      'bias',
      options.bias === false ? null : uniform([outFeatures], -bound, bound, biasOpts),
    );
  }

  /** `activation` is applied in the same kernel ('relu', 'gelu', 'tanh', 'sigmoid'). */
  forward(x: Tensor, activation: Activation = 'none'): Tensor {
    return linear(x, this.weight, this.bias, activation);
  }

  override typeName(): string {
    return 'Linear';
  }

  override config(): ModuleConfig {
    return { inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null };
  }
}
