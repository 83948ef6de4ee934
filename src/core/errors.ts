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

/** At most this many characters of a string value reach a message. */
const MAX_STRING = 60;

/**
 * Formats any value a caller passed for an error message, bounded and safe: arrays and typed
 * arrays show their first `max` elements and their length, long strings are cut, objects show
 * a few keys, class instances their class name. It never throws (a value whose `toString` throws,
 * or a cycle, still prints), so a message about a wrong argument cannot itself fail or run to
 * megabytes (a swapped argument once printed all 23,570 labels of a silhouetteScore call).
 */
export function fmtValue(x: unknown, max = 8): string {
  return fmt(x, max, 0);
}

/** {@link fmtValue} for an array-like: `[3,1,4,… (23570 values)]`. */
export function fmtValues(x: ArrayLike<unknown>, max = 8): string {
  return fmtList(x, max, 0);
}

function fmt(x: unknown, max: number, depth: number): string {
  switch (typeof x) {
    case 'string':
      return JSON.stringify(x.length > MAX_STRING ? `${x.slice(0, MAX_STRING)}…` : x);
    case 'number':
      return Object.is(x, -0) ? '-0' : String(x);
    case 'bigint':
      return `${x}n`;
    case 'boolean':
    case 'undefined':
      return String(x);
    case 'symbol':
      return x.toString();
    case 'function':
      return `function ${x.name || '(anonymous)'}`;
  }
  if (x === null) return 'null';
  try {
    if (Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView))) {
      const name = Array.isArray(x) ? '' : (x.constructor?.name ?? '');
      return name + fmtList(x as unknown as ArrayLike<unknown>, max, depth);
    }
    const proto = Object.getPrototypeOf(x);
    if (proto !== Object.prototype && proto !== null) return `a ${proto?.constructor?.name || 'object'}`;
    if (depth >= 2) return '{…}';
    const keys = Object.keys(x as object);
    const shown = keys
      .slice(0, max)
      .map((k) => `${JSON.stringify(k)}: ${fmt((x as Record<string, unknown>)[k], max, depth + 1)}`);
    return `{${shown.join(', ')}${keys.length > max ? `, … (${keys.length} keys)` : ''}}`;
  } catch {
    return 'an unprintable object';
  }
}

function fmtList(x: ArrayLike<unknown>, max: number, depth: number): string {
  const n = x.length;
  if (depth >= 3) return n ? `[… (${n} values)]` : '[]';
  const shown: string[] = [];
  for (let i = 0; i < Math.min(n, max); i++) shown.push(fmt(x[i], max, depth + 1));
  return `[${shown.join(',')}${n > max ? `,… (${n} values)` : ''}]`;
}
