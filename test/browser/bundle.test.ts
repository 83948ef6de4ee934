import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, FLAGS, browserMissing } from './chromium.js';

/**
 * `import { … } from 'attune'` in a browser app, bundled by esbuild for the browser with no
 * configuration, the package resolved through its `exports` (the `browser` condition), as an
 * app's node_modules would. The build comes from test/global-setup.ts.
 */
const root = resolve(__dirname, '../..');
const app = mkdtempSync(join(tmpdir(), 'attune-bundle-'));
mkdirSync(join(app, 'node_modules'));
symlinkSync(root, join(app, 'node_modules', 'attune'), 'dir');
afterAll(() => rmSync(app, { recursive: true, force: true }));

const bundle = async (source: string): Promise<Uint8Array> => {
  writeFileSync(join(app, 'main.js'), source);
  const r = await build({
    entryPoints: [join(app, 'main.js')],
    absWorkingDir: app,
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  return r.outputFiles[0]!.contents;
};
const kb = (b: Uint8Array) =>
  `${(b.length / 1024).toFixed(1)} KB min, ${(gzipSync(b).length / 1024).toFixed(1)} KB gzip`;

describe('bundling attune for the browser', () => {
  it('esbuild --platform=browser bundles the whole library without a Node import', async () => {
    const code = await bundle(`import * as at from 'attune'; globalThis.at = at;`);
    const text = new TextDecoder().decode(code);
    expect(text).not.toMatch(/from\s*"(node:)?(fs|fs\/promises|url|path|worker_threads)"|import\("(node:)?fs/);
    console.log(`bundle, whole library: ${kb(code)}`);
  });

  it('importing only tensors leaves the models, the report and the data readers out', async () => {
    const all = await bundle(`import * as at from 'attune'; globalThis.at = at;`);
    const tensors = await bundle(`import { tensor } from 'attune'; globalThis.r = tensor([1, 2]).add(1).dataSync();`);
    console.log(`bundle, tensors only: ${kb(tensors)}`);
    expect(tensors.length).toBeLessThan(all.length / 4);
    const text = new TextDecoder().decode(tensors);
    for (const absent of ['ChurnClassifier', 'NextItemModel', 'vega', 'Segment sizes'])
      expect(text).not.toContain(absent);
  });

  it.skipIf(browserMissing)('the bundle loads in headless Chromium and computes on the CPU backend', async () => {
    const code = await bundle(`import { tensor, ready, models } from 'attune';
      const info = await ready({ backend: 'cpu' });
      const y = await tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]])).data();
      window.__result = { backend: info.backend, y: Array.from(y), model: typeof models.BPR };`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      const script = new TextDecoder().decode(code).replace(/<\/script/gi, '<\\/script');
      await page.setContent(`<!doctype html><meta charset="utf-8"><script type="module">${script}</script>`);
      await page.waitForFunction(
        () => (window as unknown as { __result?: unknown }).__result !== undefined,
        undefined,
        {
          timeout: 60_000,
        },
      );
      const result = await page.evaluate(() => (window as unknown as { __result: unknown }).__result);
      expect(errors).toEqual([]);
      expect(result).toEqual({ backend: 'cpu', y: [3, 7], model: 'function' });
    } finally {
      await browser.close();
    }
  });
});
