import { DataError } from '../../core/errors.js';
import { fileTensor } from '../../io/models.js';
import type { RawTensor } from '../../io/safetensors.js';

// What the BG/NBD and Gamma-Gamma loaders share: their parameters are one small float64 tensor.

/**
 * The parameters of an LTV model's file: the float64 tensor `params` of `names.length` finite,
 * positive values (a DataError names the one that is not), as the named object.
 */
export function fileParams<K extends string>(
  op: string,
  tensors: Record<string, RawTensor>,
  names: readonly K[],
): Record<K, number> {
  const t = fileTensor(op, tensors, 'params', 'float64', [names.length]);
  if (Object.keys(tensors).length !== 1) throw new DataError(`${op}: expected only the tensor params`);
  const out = {} as Record<K, number>;
  names.forEach((k, i) => {
    const v = t.data[i]!;
    if (!(v > 0)) throw new DataError(`${op}: parameter ${k} (params[${i}]) is ${v}; it must be positive`);
    out[k] = v;
  });
  return out;
}

/** A number from a file's config, NaN when absent or not a number (statistics, not parameters). */
export function configNumber(v: unknown): number {
  return typeof v === 'number' ? v : Number.NaN;
}
