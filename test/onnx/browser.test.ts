import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { CHROMIUM, browserMissing, fileUnder, servePages } from '../browser/chromium.js';
import { maxAbsDiff } from './ort.js';

/**
 * An exported MatrixFactorization run by onnxruntime-web (its WebAssembly backend) in headless
 * Chromium: the page fetches the ONNX bytes, scores a batch of users, and the scores must equal
 * attune's within 1e-4, as in onnxruntime-node.
 */
const root = resolve(__dirname, '../..');
const ORT_DIST = join(root, 'node_modules', 'onnxruntime-web', 'dist');

const USERS = [0, 4, 9];
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as ort from '/ort/ort.wasm.min.mjs';
try {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/ort/';
  const bytes = new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const user = new ort.Tensor('int64', BigInt64Array.from(${JSON.stringify(USERS)}, BigInt), [${USERS.length}]);
  const out = await session.run({ user });
  window.__result = { scores: Array.from(out.scores.data), top: Array.from(out.topItems.data, Number) };
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
}
</script>`;

let closeServer: (() => void) | undefined;
let browser: Browser;
let url = '';
let model: at.models.MatrixFactorization;
let bytes: Uint8Array;

beforeAll(async () => {
  if (browserMissing) return;
  await at.ready({ backend: 'cpu' });
  const rng = new at.data.Rng(4);
  const users = Array.from({ length: 300 }, () => Math.floor(rng.float() * 10));
  const items = Array.from({ length: 300 }, () => Math.floor(rng.float() * 20));
  const values = users.map((u, j) => 1 + ((u + items[j]!) % 5));
  model = await new at.models.MatrixFactorization({ factors: 4, epochs: 5, seed: 1 }).fit(
    at.data.Interactions.fromArrays({ users, items, values }, { duplicates: 'last' }),
  );
  bytes = await at.onnx.export(model, { topK: 3 });
  ({ url, close: closeServer } = await servePages((path) => {
    if (path === '/') return PAGE;
    if (path === '/model.onnx') return bytes;
    return path.startsWith('/ort/') ? fileUnder([ORT_DIST], join(ORT_DIST, path.slice('/ort/'.length))) : undefined;
  }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage'],
  });
});

afterAll(async () => {
  await browser?.close();
  closeServer?.();
});

describe.skipIf(browserMissing)('onnxruntime-web in headless Chromium', () => {
  it('runs an exported MatrixFactorization and matches attune within 1e-4', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, {
      timeout: 90_000,
    });
    const result = (await page.evaluate(
      () => (window as unknown as { __result: Record<string, unknown> }).__result,
    )) as {
      scores?: number[];
      top?: number[];
      error?: string;
    };
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    const n = model.numItems;
    const ref = await model.topKIndices(Int32Array.from(USERS), { k: n, excludeSeen: false });
    const expected = new Float32Array(USERS.length * n);
    ref.forEach((r, b) => r.items.forEach((item, j) => (expected[b * n + item] = r.scores[j]!)));
    expect(maxAbsDiff(result.scores!, expected)).toBeLessThan(1e-4);
    expect(result.top).toEqual(ref.flatMap((r) => Array.from(r.items.subarray(0, 3))));
  });
});
