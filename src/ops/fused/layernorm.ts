import type { LayerNormInfo } from '../../backends/backend.js';
import { needsGrad, record } from '../../autograd/tape.js';
import { DTypeError, ShapeError, ValueError, fmtShape, fmtValue } from '../../core/errors.js';
import { backendOf, wrap } from '../dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';

/** @internal What the 'layerNorm' node keeps for the fused backward. */
export interface LayerNormAttrs {
  /** Each row's mean and 1 / √(var + eps), [rows]. */
  mean: Tensor;
  rstd: Tensor;
  eps: number;
  /** Which of weight and bias follow x in the node's inputs. */
  hasWeight: boolean;
  hasBias: boolean;
}

/**
 * Layer normalization over the last `cols` elements of every row of x, as one fused op
 * ('layerNorm'): y = (x − mean) / √(var + eps) · weight + bias, var the biased variance.
 * Shapes: x [..., cols] (its trailing axes flattened to `cols`), weight and bias [cols] or
 * null → y shaped like x. Forward is one pass per row and backward one kernel for dx plus one
 * for the weight and bias sums, instead of the ~9 elementwise ops and their gradients of the
 * composed form. `nn.functional.layerNorm` calls it.
 */
export function layerNormFused(
  x: Tensor,
  cols: number,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  if (!(Number.isInteger(cols) && cols > 0 && x.size % cols === 0)) {
    throw new ShapeError(
      `layerNorm: cols ${fmtValue(cols)} must be a positive divisor of x's size (shape ${fmtShape(x.shape)})`,
    );
  }
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ValueError(`layerNorm: eps must be >= 0; got ${fmtValue(eps)}`);
  if (x.dtype === 'int32') throw new DTypeError('layerNorm: x must be a float tensor; got int32');
  for (const [name, t] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (!t) continue;
    if (t.size !== cols)
      throw new ShapeError(`layerNorm: ${name} has shape ${fmtShape(t.shape)}; expected ${cols} values`);
    if (t.dtype !== x.dtype) throw new DTypeError(`layerNorm: ${name} has dtype ${t.dtype}; x has ${x.dtype}`);
  }
  const inputs: Record<string, Tensor> = { x };
  if (weight) inputs.weight = weight;
  if (bias) inputs.bias = bias;
  const backend = backendOf('layerNorm', inputs);
  const info: LayerNormInfo = { rows: x.size / cols, cols, eps };
  const h = (t: Tensor | null) => (t ? t.storage('layerNorm').handle : null);
  const r = backend.layerNormForward(x.storage('layerNorm', 'x').handle, h(weight), h(bias), info);
  const y = wrap(backend, r.y, x.shape, x.dtype);
  const mean = wrap(backend, r.mean, [info.rows], x.dtype);
  const rstd = wrap(backend, r.rstd, [info.rows], x.dtype);
  if (needsGrad(x, weight, bias)) {
    const attrs: LayerNormAttrs = { mean, rstd, eps, hasWeight: weight !== null, hasBias: bias !== null };
    record('layerNorm', Object.values(inputs), y, attrs, [mean, rstd]);
  } else {
    mean.dispose();
    rstd.dispose();
  }
  return y;
}

/** @internal The 'layerNorm' grad rule: one call of the fused backward primitive. */
export function layerNormGrad(g: Tensor, inputs: Tensor[], attrs: LayerNormAttrs): (Tensor | null)[] {
  const x = inputs[0]!;
  const weight = attrs.hasWeight ? inputs[1]! : null;
  const bias = attrs.hasBias ? inputs[attrs.hasWeight ? 2 : 1]! : null;
  const backend = backendOf('layerNorm backward', { g, x });
  const cols = x.size / attrs.mean.size;
  const info: LayerNormInfo = { rows: attrs.mean.size, cols, eps: attrs.eps };
  const h = (t: Tensor) => t.storage('layerNorm backward').handle;
  const r = backend.layerNormBackward(h(g), h(x), weight && h(weight), h(attrs.mean), h(attrs.rstd), info);
  const dx = wrap(backend, r.dx, x.shape, x.dtype);
  const dWeight = wrap(backend, r.dWeight, weight?.shape ?? [cols], x.dtype);
  const dBias = wrap(backend, r.dBias, bias?.shape ?? [cols], x.dtype);
  const out: (Tensor | null)[] = [x.requiresGrad ? dx : null];
  if (!x.requiresGrad) dx.dispose();
  if (weight) out.push(weight.requiresGrad ? dWeight : null);
  if (!weight?.requiresGrad) dWeight.dispose();
  if (bias) out.push(bias.requiresGrad ? dBias : null);
  if (!bias?.requiresGrad) dBias.dispose();
  return out;
}
