import { ValueError, fmtValue } from './errors.js';

// The one set of argument checks every floor uses. Each returns the value it checked and throws a
// ValueError whose message names the op, the argument, what was expected and what was given.

/** An integer >= `min`. */
export function checkInt(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ValueError(`${op}: ${name} must be an integer >= ${min}; got ${fmtValue(v)}`);
  return v;
}

/** A number in [lo, hi) (or [lo, hi] with `hiOpen` false); NaN and non-numbers fail. */
export function checkRange(op: string, name: string, v: unknown, lo: number, hi: number, hiOpen = true): number {
  if (typeof v !== 'number' || !(v >= lo) || (hiOpen ? !(v < hi) : !(v <= hi))) {
    throw new ValueError(`${op}: ${name} must be a number in [${lo}, ${hi}${hiOpen ? ')' : ']'}; got ${fmtValue(v)}`);
  }
  return v;
}

/** One of the listed strings. */
export function checkOneOf<T extends string>(op: string, name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T))
    throw new ValueError(
      `${op}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${fmtValue(v)}`,
    );
  return v as T;
}

/** A finite number, optionally an integer, >= `min`, or > 0; the message names the option. */
export function checkNumber(
  kind: string,
  name: string,
  value: number,
  opts: { integer?: boolean; min?: number; positive?: boolean } = {},
): number {
  const ok =
    Number.isFinite(value) &&
    (!opts.integer || Number.isInteger(value)) &&
    (opts.min === undefined || value >= opts.min) &&
    (!opts.positive || value > 0);
  if (!ok) {
    const what = [
      opts.integer ? 'an integer' : 'a finite number',
      opts.min !== undefined ? `>= ${opts.min}` : '',
      opts.positive ? '> 0' : '',
    ]
      .filter(Boolean)
      .join(' ');
    throw new ValueError(`${kind}: option ${name} must be ${what}; got ${fmtValue(value)}`);
  }
  return value;
}
