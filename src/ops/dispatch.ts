import type { Backend, Handle } from '../backends/backend.js';
import { currentBackend } from '../backends/registry.js';
import { BackendError, DTypeError } from '../core/errors.js';
import type { DType } from '../core/dtype.js';
import { Storage } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';

/** @internal Wraps a fresh backend handle in a tensor. */
export function wrap(backend: Backend, handle: Handle, shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(new Storage(backend, handle), [...shape], dtype);
}

/** @internal A tensor that shares `t`'s storage under another shape (reshape, squeeze). */
export function view(t: Tensor, shape: readonly number[], op: string): Tensor {
  return new Tensor(t.storage(op, 'input').retain(), [...shape], t.dtype);
}

/**
 * @internal The one backend that holds all `inputs`; a clear error when they are on different
 * backends, or when the backend cannot hold their dtype.
 */
export function backendOf(op: string, inputs: Record<string, Tensor>): Backend {
  let found: Backend | undefined;
  let foundArg = '';
  for (const [arg, t] of Object.entries(inputs)) {
    const b = t.backendImpl(op, arg);
    if (found && b !== found) {
      throw new BackendError(
        `${op}: ${foundArg} is on the ${found.name} backend and ${arg} is on ${b.name}; move one first, e.g. ${arg} = await ${arg}.to('${found.name}')`,
      );
    }
    if (!b.dtypes.includes(t.dtype)) {
      throw new DTypeError(`${op}: ${arg} has dtype ${t.dtype}, which the ${b.name} backend does not support`);
    }
    found = b;
    foundArg = arg;
  }
  return found ?? currentBackend();
}

/** @internal A scalar operand made on `like`'s backend. */
export function scalarOn(backend: Backend, value: number, dtype: DType): Tensor {
  return wrap(backend, backend.fill(1, value, dtype), [], dtype);
}
