import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM, FLAGS, browserMissing, fileUnder, servePages } from './chromium.js';

/**
 * examples/browser/index.html in headless Chromium on SwiftShader's WebGPU: it trains BPR and a
 * next-item model on the synthetic shop, the page's timer keeps ticking during training (the
 * fits yield to the event loop), the recommendations and the loss chart appear, and nothing is
 * logged as an error. The build comes from test/global-setup.ts.
 */
const root = resolve(__dirname, '../..');
let closeServer: (() => void) | undefined;
let browser: Browser;
let url = '';

beforeAll(async () => {
  if (browserMissing) return;
  const served = [join(root, 'dist'), join(root, 'examples', 'browser')];
  ({ url, close: closeServer } = await servePages((path) => fileUnder(served, join(root, path))));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

afterAll(async () => {
  await browser?.close();
  closeServer?.();
});

describe.skipIf(browserMissing)('the browser app (examples/browser/index.html)', () => {
  it('trains on the synthetic shop, stays responsive, and shows recommendations and a chart', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${url}examples/browser/index.html`, { waitUntil: 'commit' });
    await page.waitForSelector('#train[data-ready]', { timeout: 300_000 });
    await page.click('#train');
    const ticksAtStart = Number(await page.textContent('#ticks'));
    await page.waitForFunction(() => (window as unknown as { __done?: unknown }).__done !== undefined, undefined, {
      timeout: 400_000,
    });
    const done = (await page.evaluate(() => (window as unknown as { __done: unknown }).__done)) as Record<
      string,
      unknown
    >;
    expect(errors).toEqual([]);
    expect(done.error).toBeUndefined();
    expect(done).toMatchObject({ recs: 5, next: 5, epochs: 6 });
    // A 50 ms timer kept firing while the models trained: the page did not freeze.
    expect(Number(done.ticks) - ticksAtStart).toBeGreaterThan(10);
    expect(await page.$$eval('#chart circle', (c) => c.length)).toBe(6);
    expect(await page.textContent('#status')).toMatch(/^done on (webgpu|cpu)/);
    console.log(
      `browser app: ${String(done.backend)}, ${Number(done.ticks) - ticksAtStart} timer ticks during training`,
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'browser-app.png'), fullPage: true, timeout: 180_000 });
  }, 600_000);
});
