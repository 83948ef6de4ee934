import type { BackendName } from '../backends/backend.js';
import { ValueError, fmtValue } from '../core/errors.js';
import { scope } from '../memory.js';
import { type NestedArray, randn, tensor } from '../tensor/creation.js';
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { mul, sum } from '../ops/index.js';
import { noGrad } from './tape.js';

export interface GradcheckOptions {
  /** Central-difference step; 1e-6 suits float64. */
  eps?: number;
  /** Largest accepted error, relative as defined on {@link GradcheckResult.maxRelError}. */
  tolerance?: number;
  /** Where to run; the CPU backend in float64 by default. */
  backend?: BackendName;
  dtype?: DType;
}

export interface GradcheckResult {
  passed: boolean;
  /** max over all input elements of |analytic − numeric| / max(1, |analytic|, |numeric|). */
  maxRelError: number;
  /** Where the largest error was. */
  worst?: { input: number; index: number; analytic: number; numeric: number };
}

/**
 * Compares autograd gradients of `fn` with central differences. `fn`'s output is projected to a
 * scalar with fixed random weights, so every output element is checked. Float inputs are
 * converted to `dtype` (float64) and checked; int32 inputs are passed through unchanged.
 */
export async function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly (Tensor | NestedArray)[],
  options: GradcheckOptions = {},
): Promise<GradcheckResult> {
  const eps = options.eps ?? 1e-6;
  const tolerance = options.tolerance ?? 1e-6;
  const backend = options.backend ?? 'cpu';
  const dtype = options.dtype ?? 'float64';
  if (!(eps > 0)) throw new ValueError(`gradcheck: eps must be positive; got ${fmtValue(eps)}`);
  return scope(async () => {
    const values: Float64Array[] = [];
    const shapes: (readonly number[])[] = [];
    const isInt: boolean[] = [];
    const base: Tensor[] = [];
    for (const [i, x] of inputs.entries()) {
      const t =
        typeof x === 'number' || Array.isArray(x)
          ? tensor(x as NestedArray, { dtype: 'float64', backend: 'cpu' })
          : (x as Tensor);
      shapes[i] = t.shape;
      isInt[i] = t.dtype === 'int32';
      values[i] = Float64Array.from(await t.data());
      base.push(t);
    }
    const make = (i: number, data: Float64Array, requiresGrad: boolean): Tensor =>
      isInt[i] ? base[i]! : tensor(data, { dtype, backend, shape: shapes[i]!, requiresGrad });
    const first = fn(...base.map((_, i) => make(i, values[i]!, false)));
    const weights = randn(first.shape, { seed: 1234, dtype, backend });
    const lossOf = (ts: Tensor[]): Tensor => sum(mul(fn(...ts), weights));

    const leaves = base.map((_, i) => make(i, values[i]!, !isInt[i]));
    const loss = lossOf(leaves);
    loss.backward();
    const analytic: (Float64Array | null)[] = [];
    for (const [i, l] of leaves.entries()) {
      // A sparse (embedding) gradient is compared through its dense equivalent.
      const g = l.grad ?? l.sparseGrad?.toDense() ?? null;
      analytic.push(isInt[i] ? null : Float64Array.from(g ? await g.data() : new Float64Array(l.size)));
    }

    let maxRelError = 0;
    let worst: GradcheckResult['worst'];
    await noGrad(async () => {
      for (let i = 0; i < base.length; i++) {
        if (isInt[i]) continue;
        const x = values[i]!;
        for (let j = 0; j < x.length; j++) {
          const at = (delta: number): Promise<number> =>
            scope(async () => {
              const shifted = x.slice();
              shifted[j]! += delta;
              const l = lossOf(base.map((_, k) => (k === i ? make(k, shifted, false) : make(k, values[k]!, false))));
              return (await l.data())[0]!;
            });
          const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
          const a = analytic[i]![j]!;
          const err = Math.abs(a - numeric) / Math.max(1, Math.abs(a), Math.abs(numeric));
          if (!(err <= maxRelError)) {
            maxRelError = Number.isNaN(err) ? Infinity : err;
            worst = { input: i, index: j, analytic: a, numeric };
          }
        }
      }
    });
    return { passed: maxRelError <= tolerance, maxRelError, ...(worst ? { worst } : {}) };
  });
}
