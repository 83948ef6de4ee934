/**
 * Every error attune throws on purpose is an {@link AttuneError}. Messages name the op, the
 * argument, what was expected and what was given, so a user can fix the call from the message
 * alone.
 */
export class AttuneError extends Error {
  override name = 'AttuneError';
}

/** Shapes that do not fit together: mismatched matmul dims, bad axes, impossible reshapes. */
export class ShapeError extends AttuneError {
  override name = 'ShapeError';
}

/** A dtype the op or the backend cannot take, or two dtypes that must match and do not. */
export class DTypeError extends AttuneError {
  override name = 'DTypeError';
}

/** A backend that is missing, lost, or asked for something it cannot do. */
export class BackendError extends AttuneError {
  override name = 'BackendError';
}

/** Use of a tensor after `dispose()`. */
export class DisposedError extends AttuneError {
  override name = 'DisposedError';
}

/** A value that is out of range or malformed: NaN seeds, bad indices, unknown ids, bad options. */
export class ValueError extends AttuneError {
  override name = 'ValueError';
}

/**
 * A computation that left the finite numbers: a training loss or weights that became NaN or
 * infinite (usually a learning rate too large for the data). Raised instead of returning NaN.
 */
export class NumericalError extends AttuneError {
  override name = 'NumericalError';
}

/** Malformed input data: CSV rows, safetensors headers, truncated files. */
export class DataError extends AttuneError {
  override name = 'DataError';
}

/** Formats a shape the way messages print it: `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
