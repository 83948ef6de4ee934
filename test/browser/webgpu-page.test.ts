import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, FLAGS, browserMissing, fileUnder, servePages } from './chromium.js';

/**
 * The built ESM bundle in headless Chromium on navigator.gpu (SwiftShader here): a matmul, a
 * softmax and one autograd step on WebGPU, each compared with the CPU backend in the same page.
 */
const root = resolve(__dirname, '../..');
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as at from '/dist/browser/index.js';
const close = (a, b, tol) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i])));
try {
  const info = await at.ready({ backend: 'webgpu' });
  const run = async (backend) => {
    const a = at.randn([33, 17], { seed: 1, backend });
    const b = at.randn([17, 9], { seed: 2, backend });
    const mm = await a.matmul(b).data();
    const sm = await at.randn([5, 40], { seed: 3, backend }).mul(4).softmax(1).data();
    const w = at.randn([17, 3], { seed: 4, backend, requiresGrad: true });
    const loss = a.matmul(w).tanh().square().mean();
    loss.backward();
    const grad = await w.grad.data();
    const updated = await at.noGrad(() => w.sub(w.grad.mul(0.5))).data();
    return { mm: Array.from(mm), sm: Array.from(sm), loss: await loss.item(), grad: Array.from(grad), updated: Array.from(updated) };
  };
  const gpu = await run('webgpu');
  const cpu = await run('cpu');
  window.__result = {
    adapter: info.description, backend: info.backend,
    matmul: close(gpu.mm, cpu.mm, 1e-4), softmax: close(gpu.sm, cpu.sm, 1e-4),
    loss: Math.abs(gpu.loss - cpu.loss) < 1e-4, grad: close(gpu.grad, cpu.grad, 1e-3), step: close(gpu.updated, cpu.updated, 1e-4),
  };
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
}
</script>`;

let closeServer: (() => void) | undefined;
let browser: Browser;
let url = '';

beforeAll(async () => {
  if (browserMissing) return;
  const served = [join(root, 'dist'), join(root, 'examples', 'browser')];
  ({ url, close: closeServer } = await servePages((path) =>
    path === '/' ? PAGE : fileUnder(served, join(root, path)),
  ));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

afterAll(async () => {
  await browser?.close();
  closeServer?.();
});

describe.skipIf(browserMissing)('browser (headless Chromium, navigator.gpu)', () => {
  it('runs matmul, softmax and an autograd step on WebGPU and matches the CPU backend', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, {
      timeout: 240_000,
    });
    const result = (await page.evaluate(
      () => (window as unknown as { __result: Record<string, unknown> }).__result,
    )) as Record<string, unknown>;
    console.log(`browser webgpu adapter: ${String(result.adapter)}`);
    expect(errors).toEqual([]);
    expect(result).toEqual({
      adapter: expect.any(String),
      backend: 'webgpu',
      matmul: true,
      softmax: true,
      loss: true,
      grad: true,
      step: true,
    });
  }, 300_000);

  it('runs examples/browser/linear.html on WebGPU and learns the weights', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}examples/browser/linear.html`, { waitUntil: 'commit' });
    await page.waitForFunction(() => document.getElementById('log')?.textContent?.includes('memory:'), undefined, {
      timeout: 240_000,
    });
    const text = (await page.textContent('#log')) ?? '';
    expect(errors).toEqual([]);
    expect(text).toMatch(/backend: webgpu/);
    const learned = /learned weights: ([-\d.]+), ([-\d.]+), ([-\d.]+)/.exec(text)!.slice(1).map(Number);
    expect(learned[0]).toBeCloseTo(1, 1);
    expect(learned[1]).toBeCloseTo(-2, 1);
    expect(learned[2]).toBeCloseTo(0.5, 1);
  }, 300_000);
});
