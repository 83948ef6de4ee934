import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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

describe('guides', () => {
  const guides = readdirSync(resolve(root, 'docs/guides')).filter((f) => f.endsWith('.md'));
  const config = JSON.parse(readFileSync(resolve(root, 'typedoc.json'), 'utf8')) as { projectDocuments: string[] };
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');

  it('every guide is in the typedoc site, has a title, and is linked from the README', () => {
    expect(guides.length).toBeGreaterThanOrEqual(10);
    for (const g of guides) {
      expect(config.projectDocuments, g).toContain(`docs/guides/${g}`);
      expect(readFileSync(resolve(root, 'docs/guides', g), 'utf8')).toMatch(/^---\ntitle: .+\n/);
      expect(readme, g).toContain(`](docs/guides/${g})`);
    }
  });

  it('every relative link in a guide points to a file that exists', () => {
    for (const g of guides) {
      const text = readFileSync(resolve(root, 'docs/guides', g), 'utf8');
      for (const [, target] of text.matchAll(/\]\((\.{1,2}\/[^)#\s]+)/g)) {
        expect(existsSync(resolve(dirname(resolve(root, 'docs/guides', g)), target!)), `${g} -> ${target}`).toBe(true);
      }
    }
  });
});
