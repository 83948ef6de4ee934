import { BackendError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { isFloat } from '../core/dtype.js';
import { noGrad } from '../autograd/tape.js';
import { keep } from '../memory.js';
import { cast } from '../ops/elementwise.js';
import { wrap } from '../ops/dispatch.js';
import type { Tensor } from '../tensor/tensor.js';

/** What `stateDict()` returns and `loadStateDict()` takes: dotted names to tensors. */
export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOptions {
  /** Every parameter and persistent buffer must be present and nothing else (default true). */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Module.loadStateDict's work: copies `dict` into the tensors of `own` (a module's stateDict)
 * after checking all of it, so a failed load changes nothing. `owner` names the module in errors.
 */
export function loadStateInto(
  own: StateDict,
  dict: StateDict | Map<string, Tensor>,
  options: LoadStateDictOptions,
  owner: string,
): LoadStateDictResult {
  const strict = options.strict ?? true;
  const source = dict instanceof Map ? dict : new Map(Object.entries(dict));
  const missingKeys = Object.keys(own).filter((k) => !source.has(k));
  const unexpectedKeys = [...source.keys()].filter((k) => !(k in own));
  const problems: string[] = [];
  if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
  if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
  let shapeProblem = false;
  for (const [k, target] of Object.entries(own)) {
    const src = source.get(k);
    if (!src) continue;
    if (src.isDisposed) {
      problems.push(`'${k}' was disposed`);
      continue;
    }
    if (!shapesEqual(src.shape, target.shape)) {
      shapeProblem = true;
      problems.push(
        `'${k}' has shape ${fmtShape(src.shape)} in the state dict and ${fmtShape(target.shape)} in the module`,
      );
    }
    if (isFloat(src.dtype) !== isFloat(target.dtype)) {
      problems.push(`'${k}' has dtype ${src.dtype} in the state dict and ${target.dtype} in the module`);
    }
    if (src.backend !== target.backend && src.backend !== 'cpu') {
      problems.push(
        `'${k}' is on the ${src.backend} backend; move it with await t.to('${target.backend}') or to 'cpu' first`,
      );
    }
  }
  if (problems.length) {
    const msg = `loadStateDict: nothing was loaded into this ${owner}: ${problems.join('; ')}`;
    throw shapeProblem ? new ShapeError(msg) : new ValueError(msg);
  }
  // Build every copy before assigning any, so a failure midway leaves nothing half-loaded.
  const copies: [Tensor, Tensor][] = [];
  try {
    noGrad(() => {
      for (const [k, target] of Object.entries(own)) {
        const src = source.get(k);
        if (src) copies.push([target, copyFor(src, target)]);
      }
    });
  } catch (e) {
    for (const [, c] of copies) c.dispose();
    throw e;
  }
  for (const [target, c] of copies) target.assign(c);
  return { missingKeys, unexpectedKeys };
}

/**
 * A fresh tensor (kept out of scopes) with src's values on target's backend and dtype, not
 * sharing src's storage: what loading a saved state copies into. src must be on the CPU or on
 * target's backend. The optimizers' loadStateDict uses it too.
 */
export function copyFor(src: Tensor, target: Tensor): Tensor {
  const backend = target.backendImpl('loadStateDict', 'target');
  const data = src.backendImpl('loadStateDict', 'source');
  let t: Tensor;
  if (data === backend) {
    t = cast(src, src.dtype === target.dtype ? src.dtype : target.dtype);
  } else {
    if (!data.readSync)
      throw new BackendError(`loadStateDict: cannot read from the ${data.name} backend synchronously`);
    const values = data.readSync(src.storage().handle);
    t = wrap(backend, backend.upload(values, src.dtype), target.shape, src.dtype);
    if (src.dtype !== target.dtype) {
      const c = cast(t, target.dtype);
      t.dispose();
      t = c;
    }
  }
  return keep(t);
}
