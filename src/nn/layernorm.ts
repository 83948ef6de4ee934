import type { BackendName } from '../backends/backend.js';
import { ValueError, fmtValue } from '../core/errors.js';
import { full } from '../tensor/creation.js';
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { layerNorm } from './functional.js';
import { Module, type ModuleConfig } from './module.js';

export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-element scale and shift (default true). */
  elementwiseAffine?: boolean;
  backend?: BackendName;
  dtype?: DType;
}

/**
 * Normalizes over the trailing `normalizedShape` axes, then scales and shifts.
 *
 * Shapes: input [..., *normalizedShape] → the same shape.
 * Parameters: `weight` (ones) and `bias` (zeros), each [*normalizedShape], when elementwiseAffine.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || !this.normalizedShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ValueError(`LayerNorm: normalizedShape must be positive integers; got ${fmtValue(normalizedShape)}`);
    }
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    const opts = { backend: options.backend, dtype: options.dtype };
    this.weight = this.registerParameter('weight', affine ? full(this.normalizedShape, 1, opts) : null);
    this.bias = this.registerParameter('bias', affine ? full(this.normalizedShape, 0, opts) : null);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override typeName(): string {
    return 'LayerNorm';
  }

  override config(): ModuleConfig {
    return { normalizedShape: [...this.normalizedShape], eps: this.eps, elementwiseAffine: this.weight !== null };
  }
}
