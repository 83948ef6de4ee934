import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDemoArgs, runDemo, type DemoResult } from '../../src/cli/demo/index.js';

const root = resolve(__dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'attune-demo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const reportPath = join(tmp, 'report.html');
const cli = resolve(root, 'dist/cli.js');

describe('attune demo: runDemo', () => {
  let lines: string[] = [];
  let r: DemoResult;

  it('runs the whole pipeline on the quick synthetic shop', async () => {
    lines = [];
    r = await runDemo({ quick: true, backend: 'cpu', seed: 7, report: reportPath }, (l) => lines.push(l));
    expect(r.backend.backend).toBe('cpu');
    expect(r.data.customers).toBe(1500);
    expect(r.data.items).toBe(150);
    expect(r.data.events).toBeGreaterThan(r.data.purchases);
    expect(r.data.from < r.data.to).toBe(true);
    expect(r.seconds.total).toBeGreaterThan(0);
  });

  it('prints every section with its figures', () => {
    const text = lines.join('\n');
    for (const s of ['Backend', 'Data', 'Recommendations', 'Segmentation', 'Churn', 'Sequences', 'Timing'])
      expect(text).toContain(`── ${s} `);
    expect(text).toContain('using cpu');
    expect(text).toMatch(/date range\s+2024-01-01 to 2024-0\d-\d\d/);
    expect(text).toMatch(/BPR\s+0\.\d{3}\s+0\.\d{3}/);
    expect(text).toContain('also bought');
    expect(text).toMatch(/ROC-AUC\s+0\.\d{3}/);
    expect(text).toMatch(/lift, top decile\s+\d\.\d\d×/);
    expect(text).not.toMatch(/TODO|not implemented|coming soon/i);
    expect(text).toMatch(/NextItemModel\s+0\.\d{3} \(\+\d+%\)/);
    expect(text).toMatch(/next for customer \d+: attention on .+ 0\.\d\d/);
  });

  it('writes the report with every section of the demo', () => {
    const html = readFileSync(reportPath, 'utf8');
    for (const id of [
      'training-0',
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
    ])
      expect(html).toMatch(new RegExp(`data-chart="${id}"><h3>[^<]+</h3><svg`));
    expect(lines.join('\n')).toContain(`report: ${reportPath}`);
  });

  it('BPR beats popularity by leave-last-out HR@10 and NDCG@10', () => {
    const { bpr, popularity, testUsers } = r.recommend;
    expect(testUsers).toBeGreaterThan(1000);
    expect(bpr.ndcg).toBeGreaterThan(popularity.ndcg * 1.1);
    expect(bpr.hitRate).toBeGreaterThan(popularity.hitRate);
    expect(bpr.ndcg).toBeLessThanOrEqual(bpr.hitRate);
  });

  it('recommends 5 unseen catalogue items and 5 similar items', () => {
    const { top, alsoBought, anchor } = r.recommend;
    expect(top).toHaveLength(5);
    expect(new Set(top.map((t) => t.item)).size).toBe(5);
    for (let j = 1; j < top.length; j++) expect(top[j]!.score).toBeLessThanOrEqual(top[j - 1]!.score);
    expect(alsoBought).toHaveLength(5);
    expect(alsoBought.map((t) => t.item)).not.toContain(anchor.item);
    for (const t of alsoBought) expect(t.score).toBeGreaterThan(0);
  });

  it('finds 4 segments whose shares sum to 1, with distinct names', () => {
    const { profiles, k, customers, silhouette } = r.segments;
    expect(k).toBe(4);
    expect(profiles).toHaveLength(4);
    expect(profiles.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1, 10);
    expect(profiles.reduce((s, p) => s + p.size, 0)).toBe(customers);
    expect(new Set(profiles.map((p) => p.name)).size).toBe(4);
    expect(silhouette).toBeGreaterThan(0.2);
    // The most recent segment buys more often than the least recent one.
    const byRecency = [...profiles].sort((a, b) => a.median.recency! - b.median.recency!);
    expect(byRecency[0]!.mean.frequency!).toBeGreaterThan(byRecency[3]!.mean.frequency!);
  });

  it('trains a calibrated churn model with a useful ranking', () => {
    const { report, trainRows, testRows, features } = r.churn;
    expect(trainRows + testRows).toBe(1500);
    expect(features).not.toContain('segment');
    expect(report.rocAuc).toBeGreaterThan(0.7);
    expect(report.prAuc).toBeGreaterThan(report.baseRate);
    expect(report.brier).toBeLessThan(report.baseRate * (1 - report.baseRate));
    expect(report.ece).toBeGreaterThanOrEqual(0);
    expect(report.ece).toBeLessThan(0.15);
    expect(report.liftAtDecile).toBeGreaterThan(1.5);
    expect(r.churn.platt).not.toBeNull();
  });

  it('trains the next-item and subject-line models on the shop', () => {
    const q = r.sequences!;
    expect(q.users).toBeGreaterThan(500);
    expect(q.users).toBeLessThanOrEqual(1000);
    expect(q.nextItem.hitRate).toBeLessThanOrEqual(1);
    expect(q.popularity.hitRate).toBeGreaterThan(0);
    // The shop's journeys have order (complements, category runs, repeat purchases): the
    // transformer reads it and beats popularity by at least 20% relative HR@10.
    expect(q.nextItem.hitRate).toBeGreaterThan(q.popularity.hitRate * 1.2);
    expect(q.subjects).toHaveLength(3);
    for (const x of q.subjects) {
      expect(x.keywords.length).toBeGreaterThan(0);
      expect(x.generated.split(' ').length).toBeGreaterThanOrEqual(3);
    }
  });

  it('is reproducible for a seed, and skips the sequence models on request', async () => {
    const again = await runDemo({ quick: true, backend: 'cpu', seed: 7, customers: 300, sequences: false }, () => {});
    const twice = await runDemo({ quick: true, backend: 'cpu', seed: 7, customers: 300, sequences: false }, () => {});
    expect(again.sequences).toBeNull();
    expect(twice.recommend.bpr).toEqual(again.recommend.bpr);
    expect(twice.churn.report.rocAuc).toBe(again.churn.report.rocAuc);
    expect(twice.segments.profiles.map((p) => p.size)).toEqual(again.segments.profiles.map((p) => p.size));
  });
});

describe('attune demo: arguments', () => {
  it('parses the options', () => {
    expect(parseDemoArgs([])).toEqual({});
    expect(
      parseDemoArgs([
        '--backend',
        'webgpu',
        '--seed',
        '3',
        '--customers=800',
        '--quick',
        '--no-sequences',
        '--report',
        'r.html',
      ]),
    ).toEqual({ backend: 'webgpu', seed: 3, customers: 800, quick: true, sequences: false, report: 'r.html' });
  });

  it('names a bad option or value', async () => {
    expect(() => parseDemoArgs(['--backend', 'tpu'])).toThrow(/--backend must be one of auto, cpu, webgpu; got "tpu"/);
    expect(() => parseDemoArgs(['--seed=-1'])).toThrow(/--seed must be an integer in \[0, \d+\]; got "-1"/);
    expect(() => parseDemoArgs(['--customers'])).toThrow(/demo: Option '--customers <value>' argument missing/);
    expect(() => parseDemoArgs(['--fast'])).toThrow(/demo: Unknown option '--fast'/);
    await expect(runDemo({ customers: 10 }, () => {})).rejects.toThrow(/customers must be an integer ≥ 50; got 10/);
  });
});

describe('attune demo: the built CLI (dist is built by test/global-setup.ts)', () => {
  const node = (args: string[]) =>
    spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

  it('`attune demo --quick` prints every section and exits 0', () => {
    const p = node(['demo', '--quick', '--backend', 'cpu']);
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
    for (const s of ['Backend', 'Data', 'Recommendations', 'Segmentation', 'Churn', 'Sequences', 'Timing'])
      expect(p.stdout).toContain(`── ${s} `);
    expect(p.stdout).toMatch(/NDCG@10/);
  });

  it('a bad option exits non-zero with the reason', () => {
    const p = node(['demo', '--backend', 'tpu']);
    expect(p.status).not.toBe(0);
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/--backend must be one of auto, cpu, webgpu/);
  });

  it('help lists every command, and each command has its own --help', () => {
    const help = node(['help']).stdout;
    for (const c of ['recommend', 'segment', 'churn', 'next-item', 'demo'])
      expect(help).toMatch(new RegExp(`^  ${c} `, 'm'));
    for (const c of ['recommend', 'segment', 'churn', 'next-item', 'demo']) {
      const p = node([c, '--help']);
      expect(p.status).toBe(0);
      expect(p.stdout).toMatch(new RegExp(`^attune ${c} — `));
      expect(p.stdout).toMatch(/usage: attune /);
    }
  });

  it('an unknown command exits 2; a missing file exits 1 with one line naming it', () => {
    expect(node(['frobnicate']).status).toBe(2);
    const p = node(['recommend', '--data', 'no-such.csv', '--user', 'u', '--item', 'i', '--quiet']);
    expect(p.status).toBe(1);
    expect(p.stderr).toBe('attune recommend: no-such.csv: no such file\n');
  });
});
