import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ValueError, fmtValue } from '../core/errors.js';

/** A command line that cannot be run as written (unknown option, missing value): exit code 2. */
export class UsageError extends ValueError {
  override name = 'UsageError';
}

/** Exit codes of every `attune` command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

type Options = NonNullable<ParseArgsConfig['options']>;

/** What {@link parseCommand} returns: each option's text (string options) or true (flags), when given. */
export type ParsedValues<O extends Options> = { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean };

/** The options every command on your own data takes. */
export const COMMON_OPTIONS = {
  out: { type: 'string' },
  report: { type: 'string' },
  save: { type: 'string' },
  json: { type: 'boolean' },
  delimiter: { type: 'string' },
  'no-header': { type: 'boolean' },
  backend: { type: 'string' },
  seed: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const COMMON_HELP = `
input and output:
  --delimiter SEP      field separator: a character, "tab", or "whitespace"; default ","
  --no-header          the file has no header line: name columns by 0-based index
  --out FILE           write the results here: .csv or .json by the extension
  --report FILE        write an HTML report with charts (works offline)
  --save FILE          save the trained model (at.load reads it back)
  --json               print a JSON summary on stdout instead of text (progress stays on stderr)
  --backend NAME       auto, cpu or webgpu; default cpu
  --seed N             default 7
  --quiet              no progress output
  -h, --help           this text

exit codes: 0 done, 1 the data or a step failed (one line on stderr naming file, line, column), 2 bad arguments
`;

/**
 * Node's own `util.parseArgs` for one command, its errors turned into a {@link UsageError} that
 * names the command (exit code 2). Positional arguments are refused: every input is an option.
 */
export function parseCommand<O extends Options>(command: string, argv: readonly string[], options: O): ParsedValues<O> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as ParsedValues<O>;
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${command}: ${message}; see attune ${command} --help`);
  }
}

/** A required string option: a UsageError names it when it is missing. */
export function required(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === '')
    throw new UsageError(`${command}: --${name} is required; see attune ${command} --help`);
  return value;
}

/** An integer option in [min, max]; default when absent. */
export function intOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${command}: --${name} must be an integer in [${min}, ${max}]; got ${fmtValue(value)}`);
  return n;
}

/** A number option in [min, max]; default when absent. */
export function numberOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`${command}: --${name} must be a number in [${min}, ${max}]; got ${fmtValue(value)}`);
  return n;
}

/** One of the listed words; default when absent. */
export function choice<T extends string>(
  command: string,
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${command}: --${name} must be one of ${allowed.join(', ')}; got ${fmtValue(value)}`);
  return value as T;
}

/** The CSV field separator from `--delimiter` ("tab" and "whitespace" are words for the awkward ones). */
export function delimiterOf(value: string | undefined): string {
  if (value === undefined) return ',';
  if (value === 'tab' || value === '\\t') return '\t';
  if (value === 'whitespace' || value === 'space') return 'whitespace';
  return value;
}
