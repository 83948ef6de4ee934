import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The typed API must typecheck in strict mode, and typedoc must document it without a warning. */
const root = resolve(__dirname, '..');
const run = (args: string[]): string => {
  try {
    return execFileSync('npx', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`npx ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
};

describe('types and API docs', () => {
  it('tsc --noEmit passes in strict mode', () => {
    expect(run(['tsc', '-p', 'tsconfig.json'])).toBe('');
  });

  it('typedoc builds the API docs with no warnings (treatWarningsAsErrors)', () => {
    const out = run(['typedoc', '--emit', 'none']);
    expect(out).not.toMatch(/warning|error/i);
  });
});
