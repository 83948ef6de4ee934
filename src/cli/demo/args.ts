import { ValueError, fmtValue } from '../../core/errors.js';
import type { DemoOptions } from './options.js';

/** Parses `attune demo` arguments; a ValueError names a bad or unknown one. */
export function parseDemoArgs(args: readonly string[]): DemoOptions {
  const o: DemoOptions = {};
  const value = (i: number, flag: string): string => {
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new ValueError(`demo: ${flag} needs a value`);
    return v;
  };
  const int = (s: string, flag: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0)
      throw new ValueError(`demo: ${flag} must be a non-negative integer; got ${fmtValue(s)}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const v = (): string => {
      if (inline !== undefined) return inline;
      return value(i++, flag);
    };
    switch (flag) {
      case '--backend': {
        const b = v();
        if (b !== 'auto' && b !== 'cpu' && b !== 'webgpu')
          throw new ValueError(`demo: --backend must be auto, cpu or webgpu; got ${fmtValue(b)}`);
        o.backend = b;
        break;
      }
      case '--seed':
        o.seed = int(v(), flag);
        break;
      case '--customers':
        o.customers = int(v(), flag);
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--no-sequences':
        o.sequences = false;
        break;
      default:
        throw new ValueError(
          `demo: unknown option ${fmtValue(a)}; options are --backend auto|cpu|webgpu, --seed N, --customers N, --quick, --no-sequences`,
        );
    }
  }
  return o;
}
