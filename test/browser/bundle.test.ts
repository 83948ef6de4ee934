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

/** One minified ESM bundle of `source` for the browser; `split` puts each `import()` in its own chunk. */
const build_ = async (source: string, split: boolean) => {
  writeFileSync(join(app, 'main.js'), source);
  return build({
    entryPoints: [join(app, 'main.js')],
    absWorkingDir: app,
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    ...(split ? { splitting: true, outdir: join(app, 'out') } : {}),
  });
};
/** The bundle as one file: lazy `import()`s (gpu.js, vega for at.report) inlined. */
const bundle = async (source: string): Promise<Uint8Array> => (await build_(source, false)).outputFiles[0]!.contents;
/**
 * What a page loads up front when the bundler splits at `import()` (Vite and webpack do by
 * default): the entry chunk and the chunks it imports statically. The optional backends and
 * vega stay in chunks fetched on first use.
 */
const upFront = async (source: string): Promise<Uint8Array> => {
  const r = await build_(source, true);
  const files = new Map(r.outputFiles.map((f) => [f.path, f.contents]));
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    const text = new TextDecoder().decode(files.get(path)!);
    // Static imports only: `import{a as b}from"./chunk-X.js"` or `import"./chunk-X.js"`.
    for (const m of text.matchAll(/import(?:\{[^}]*\}from|\*as \w+ from)?"\.\/([^"]+)"/g))
      visit(join(app, 'out', m[1]!));
  };
  visit(join(app, 'out', 'main.js'));
  const parts = [...seen].map((p) => files.get(p)!);
  return Uint8Array.from(parts.flatMap((b) => [...b]));
};
const kb = (b: Uint8Array) =>
  `${(b.length / 1024).toFixed(1)} KB min, ${(gzipSync(b).length / 1024).toFixed(1)} KB gzip`;

const WHOLE = `import * as at from 'attune'; globalThis.at = at;`;
const TENSORS = `import { tensor } from 'attune'; globalThis.r = tensor([1, 2]).add(1).dataSync();`;
const ONE_MODEL = `import { BPR } from 'attune'; globalThis.m = new BPR({ factors: 4 });`;

describe('bundling attune for the browser', () => {
  it('esbuild --platform=browser bundles the whole library without a Node import', async () => {
    const code = await bundle(WHOLE);
    const text = new TextDecoder().decode(code);
    expect(text).not.toMatch(/from\s*"(node:)?(fs|fs\/promises|url|path|worker_threads)"|import\("(node:)?fs/);
    console.log(`bundle, whole library: one file ${kb(code)}; up front ${kb(await upFront(WHOLE))}`);
  });

  it('importing only tensors leaves the models, the report and the data readers out', async () => {
    const all = await bundle(WHOLE);
    const tensors = await bundle(TENSORS);
    console.log(`bundle, tensors only: one file ${kb(tensors)}; up front ${kb(await upFront(TENSORS))}`);
    expect(tensors.length).toBeLessThan(all.length / 4);
    const text = new TextDecoder().decode(tensors);
    for (const absent of ['ChurnClassifier', 'NextItemModel', 'vega', 'Segment sizes'])
      expect(text).not.toContain(absent);
  });

  it('importing one model by name leaves the other models and the report out', async () => {
    const whole = await upFront(WHOLE);
    const one = await upFront(ONE_MODEL);
    const viaNamespace = await upFront(`import { models } from 'attune'; globalThis.m = models.BPR;`);
    console.log(
      `bundle, one model (import { BPR }): one file ${kb(await bundle(ONE_MODEL))}; up front ${kb(one)}; ` +
        `models.BPR up front ${kb(viaNamespace)}`,
    );
    // The namespace object holds every model; the named import only BPR's own code and the engine.
    expect(one.length).toBeLessThan(whole.length / 5);
    expect(one.length).toBeLessThan(viaNamespace.length / 2);
    const text = new TextDecoder().decode(one);
    for (const absent of ['ChurnClassifier', 'NextItemModel', 'TextClassifier', 'BetaGeo', 'Segment sizes'])
      expect(text).not.toContain(absent);
    expect(text).toContain('BPR');
  });

  it.skipIf(browserMissing)('the bundle loads in headless Chromium and computes on the CPU backend', async () => {
    const code = await bundle(`import { tensor, ready, models, BPR } from 'attune';
      const info = await ready({ backend: 'cpu' });
      const y = await tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]])).data();
      window.__result = { backend: info.backend, y: Array.from(y), model: typeof models.BPR, same: BPR === models.BPR };`);
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
      expect(result).toEqual({ backend: 'cpu', y: [3, 7], model: 'function', same: true });
    } finally {
      await browser.close();
    }
  });
});
