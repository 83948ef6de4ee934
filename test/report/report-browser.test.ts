import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo/index.js';
import { ARTIFACTS, CHROMIUM, FLAGS, browserMissing } from '../browser/chromium.js';

/**
 * The demo's report opened from disk (file://, no server, no network) in headless Chromium:
 * no console errors, every chart drawn, and a full-page screenshot kept under ARTIFACTS.
 */
const dir = mkdtempSync(join(tmpdir(), 'attune-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHARTS = [
  'training-0',
  'training-1',
  'training-2',
  'segments-size',
  'segments-profile',
  'churn-roc',
  'churn-pr',
  'churn-reliability',
  'churn-gains',
  'recommendations-coverage',
  'recommendations-popularity',
  'next-item-loss',
  'next-item-validation',
];

describe.skipIf(browserMissing)('the demo report in headless Chromium', () => {
  it('shows every chart with no console errors, offline', async () => {
    const file = join(dir, 'report.html');
    await runDemo({ quick: true, customers: 400, backend: 'cpu', seed: 7, report: file }, () => {});
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(`file://${file}`);
      const drawn = await page.$$eval('figure[data-chart]', (figs) =>
        figs.map((f) => {
          const svg = f.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return {
            id: f.getAttribute('data-chart'),
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            marks: svg?.querySelectorAll('path, rect, circle, line').length ?? 0,
            caption: f.querySelector('figcaption')?.textContent ?? '',
          };
        }),
      );
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(drawn.map((d) => d.id)).toEqual(CHARTS);
      for (const d of drawn) {
        expect(d.width, d.id!).toBeGreaterThan(200);
        expect(d.height, d.id!).toBeGreaterThan(100);
        expect(d.marks, d.id!).toBeGreaterThan(5);
        expect(d.caption.length, d.id!).toBeGreaterThan(60);
      }
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'demo-report.png'), fullPage: true, timeout: 180_000 });
    } finally {
      await browser.close();
    }
  }, 600_000);
});
