import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The published tarball: `npm pack`, install it into a fresh project, and use it through both
 * `import` and `require`. The build comes from test/global-setup.ts.
 */
const root = resolve(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'attune-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
  });

describe('npm package', () => {
  let tarball = '';
  let files: string[] = [];

  it('packs only the build, the kernels, README, LICENSE and package.json', () => {
    const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root)) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work, out[0]!.filename);
    files = out[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.cjs');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/cli.js');
    for (const f of files) {
      expect(f, `unexpected file in the tarball: ${f}`).toMatch(
        /^(dist\/|kernels\/[\w-]+\.wgsl$|README\.md$|LICENSE$|package\.json$)/,
      );
      expect(f).not.toMatch(/datasets|\.(csv|dat|data|tsv)$|^test\//);
    }
  });

  it('installs into a fresh project and works through import and require', () => {
    const app = join(work, 'app');
    run('mkdir', ['-p', app], work);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--omit=optional', tarball], app);
    const esm = `import * as at from 'attune';
const y = at.tensor([[1, 2], [3, 4]]).matmul(at.tensor([[1], [1]]));
console.log(JSON.stringify({ data: Array.from(await y.data()), backend: at.getBackend() }));`;
    const cjs = `const at = require('attune');
const x = at.tensor([1, 2, 3], { requiresGrad: true });
x.mul(x).sum().backward();
console.log(JSON.stringify({ grad: Array.from(x.grad.dataSync()) }));`;
    writeFileSync(join(app, 'esm.mjs'), esm);
    writeFileSync(join(app, 'cjs.cjs'), cjs);
    expect(JSON.parse(run('node', ['esm.mjs'], app))).toEqual({ data: [3, 7], backend: 'cpu' });
    expect(JSON.parse(run('node', ['cjs.cjs'], app))).toEqual({ grad: [2, 4, 6] });
  });
});
