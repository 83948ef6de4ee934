import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { churnCommand } from '../../src/cli/commands/churn.js';
import type { CommandIO } from '../../src/cli/commands/common.js';
import { nextItemCommand } from '../../src/cli/commands/next-item.js';
import { recommendCommand } from '../../src/cli/commands/recommend.js';
import { segmentCommand } from '../../src/cli/commands/segment.js';
import { errorLine } from '../../src/cli/files.js';
import { Rng } from '../../src/core/random.js';
import { load } from '../../src/io/index.js';

const dir = mkdtempSync(join(tmpdir(), 'attune-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);
const lines: string[] = [];
const io: CommandIO = { log: (l) => lines.push(l), progress: () => ({ update() {}, done() {} }) };
const csv = (file: string): string[][] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('attune recommend', () => {
  // Two taste groups: users u0..u19 take items a0..a9, users v0..v19 take b0..b9; each user
  // misses about half of their group's items, which the model should recommend back.
  const rng = new Rng(1, 'test');
  const rows = ['customer,product,stars'];
  for (const g of ['a', 'b'])
    for (let u = 0; u < 20; u++)
      for (let i = 0; i < 10; i++)
        if (rng.float() < 0.5) rows.push(`${g === 'a' ? 'u' : 'v'}${u},${g}${i},${4 + (i % 2)}`);
  writeFileSync(path('ratings.csv'), `${rows.join('\n')}\n`);

  it('writes the top k per user, and they come from the user’s taste group', async () => {
    const summary = await recommendCommand(
      [
        '--data',
        path('ratings.csv'),
        '--user',
        'customer',
        '--item',
        'product',
        '--out',
        path('recs.csv'),
        '--k',
        '3',
        '--epochs',
        '40',
        '--factors',
        '8',
        '--save',
        path('bpr.safetensors'),
      ],
      io,
    );
    expect(summary).toMatchObject({ users: 40, k: 3 });
    const out = csv(path('recs.csv'));
    expect(out[0]).toEqual(['user', 'rank', 'item', 'score']);
    expect(out.length - 1).toBe(40 * 3);
    const inGroup = out.slice(1).filter(([u, , item]) => u![0] === (item![0] === 'a' ? 'u' : 'v')).length;
    expect(inGroup / (out.length - 1)).toBeGreaterThan(0.8);
    const model = await load(path('bpr.safetensors'));
    expect(model.constructor.name).toBe('BPR');
  });

  it('writes JSON by the extension, and names a missing column and a bad rating by file, line and column', async () => {
    await recommendCommand(
      [
        '--data',
        path('ratings.csv'),
        '--user',
        'customer',
        '--item',
        'product',
        '--model',
        'popularity',
        '--out',
        path('recs.json'),
      ],
      io,
    );
    const json = JSON.parse(readFileSync(path('recs.json'), 'utf8')) as { user: string; rank: number }[];
    expect(json[0]).toMatchObject({ rank: 1 });
    await expect(
      recommendCommand(['--data', path('ratings.csv'), '--user', 'who', '--item', 'product'], io),
    ).rejects.toThrow(/ratings.csv: no column "who" \(given by --user\); the columns are customer, product, stars/);
    writeFileSync(path('bad.csv'), 'user,item,rating\nu1,i1,5\nu2,i2,five\n');
    const e = await recommendCommand(
      ['--data', path('bad.csv'), '--user', 'user', '--item', 'item', '--rating', 'rating', '--min-rating', '4'],
      io,
    ).catch((x) => x);
    expect(errorLine(e)).toMatch(/bad.csv, line 3, column "rating": "five" is not a number$/);
    await expect(recommendCommand(['--data', path('nothere.csv'), '--user', 'a', '--item', 'b'], io)).rejects.toThrow(
      /nothere.csv: no such file/,
    );
  });

  it('refuses bad arguments with a UsageError (exit code 2)', async () => {
    await expect(recommendCommand(['--data', path('ratings.csv'), '--user', 'customer'], io)).rejects.toThrow(
      /--item is required/,
    );
    await expect(recommendCommand(['--bogus'], io)).rejects.toBeInstanceOf(UsageError);
    await expect(recommendCommand(['--data', 'x', '--user', 'a', '--item', 'b', '--model', 'svd'], io)).rejects.toThrow(
      /--model must be one of bpr/,
    );
  });
});

describe('attune segment', () => {
  // 30 loyal customers (an order every 10 days, large baskets) and 30 lapsed ones (two small orders long ago).
  const rows = ['id;day;amount'];
  for (let c = 0; c < 30; c++)
    for (let d = 0; d < 20; d++)
      rows.push(
        `L${c};2024-${String(1 + Math.floor(d / 3)).padStart(2, '0')}-${String(1 + ((d * 10) % 28)).padStart(2, '0')};${100 + c}`,
      );
  for (let c = 0; c < 30; c++) rows.push(`S${c};2024-01-0${1 + (c % 5)};${10 + (c % 3)}`, `S${c};2024-01-1${c % 5};12`);
  writeFileSync(path('tx.csv'), `${rows.join('\n')}\n`);

  it('puts the loyal and the lapsed customers in different segments', async () => {
    const summary = await segmentCommand(
      [
        '--transactions',
        path('tx.csv'),
        '--delimiter',
        ';',
        '--customer',
        'id',
        '--date',
        'day',
        '--value',
        'amount',
        '--k',
        '2',
        '--out',
        path('seg.csv'),
        '--report',
        path('seg.html'),
      ],
      io,
    );
    expect(summary).toMatchObject({ customers: 60, k: 2 });
    const out = csv(path('seg.csv'));
    expect(out[0]).toEqual(['customer', 'segment', 'name', 'recency', 'frequency', 'monetary', 'rfm_score']);
    const segOf = new Map(out.slice(1).map((r) => [r[0]!, r[1]!]));
    expect(new Set([...segOf].filter(([c]) => c.startsWith('L')).map(([, s]) => s)).size).toBe(1);
    expect(segOf.get('L0')).not.toBe(segOf.get('S0'));
    expect(readFileSync(path('seg.html'), 'utf8')).toContain('data-chart="segments-profile"');
  });

  it('names a bad date by file and line', async () => {
    writeFileSync(path('badtx.csv'), 'c,d,v\na,2024-01-01,3\nb,yesterday,4\n');
    const e = await segmentCommand(
      ['--transactions', path('badtx.csv'), '--customer', 'c', '--date', 'd', '--value', 'v'],
      io,
    ).catch((x) => x);
    expect(errorLine(e)).toMatch(/badtx.csv, line 3: .*yesterday/);
    expect(errorLine(e).includes('\n')).toBe(false);
  });
});

describe('attune churn', () => {
  // Churn follows the contract and the tenure; "note" is noise text.
  const rng = new Rng(2, 'test');
  const rows = ['cid,tenure,contract,charges,note,left'];
  for (let i = 0; i < 600; i++) {
    const contract = rng.float() < 0.5 ? 'monthly' : 'yearly';
    const tenure = Math.floor(rng.float() * 60);
    const p = (contract === 'monthly' ? 0.5 : 0.1) * (tenure < 12 ? 1.5 : 0.6);
    rows.push(
      `c${i},${tenure},${contract},${(20 + rng.float() * 80).toFixed(2)},${rng.float() < 0.5 ? 'x' : 'y'},${rng.float() < p ? 'Yes' : 'No'}`,
    );
  }
  writeFileSync(path('customers.csv'), `${rows.join('\n')}\n`);

  it('scores every customer and ranks the held-out churners above chance', async () => {
    const summary = (await churnCommand(
      [
        '--data',
        path('customers.csv'),
        '--target',
        'left',
        '--id',
        'cid',
        '--epochs',
        '30',
        '--out',
        path('churn.csv'),
        '--report',
        path('churn.html'),
      ],
      io,
    )) as { test: { rocAuc: number }; features: string[] };
    expect(summary.test.rocAuc).toBeGreaterThan(0.65);
    expect(summary.features).not.toContain('cid');
    const out = csv(path('churn.csv'));
    expect(out[0]).toEqual(['cid', 'probability', 'churned', 'split']);
    expect(out.length - 1).toBe(600);
    const html = readFileSync(path('churn.html'), 'utf8');
    for (const id of ['churn-roc', 'churn-pr', 'churn-reliability', 'churn-gains', 'training-0'])
      expect(html).toContain(`data-chart="${id}"`);
  });

  it('asks for --positive when the target has no Yes/1/true, and names an empty target cell', async () => {
    writeFileSync(path('odd.csv'), 'a,t\n1,stay\n2,go\n');
    await expect(churnCommand(['--data', path('odd.csv'), '--target', 't'], io)).rejects.toThrow(
      /say which means churned with --positive/,
    );
    writeFileSync(path('gap.csv'), 'a,t\n1,Yes\n2,\n3,No\n');
    const e = await churnCommand(['--data', path('gap.csv'), '--target', 't'], io).catch((x) => x);
    expect(errorLine(e)).toBe(`${path('gap.csv')}, line 3, column "t": the target is empty`);
  });
});

describe('attune next-item', () => {
  // Every journey walks a cycle 0 → 1 → ... → 19 → 0 from a random start: the next item is
  // always the successor, which popularity cannot know.
  const rng = new Rng(3, 'test');
  const rows = ['user\titem'];
  for (let u = 0; u < 200; u++) {
    let i = Math.floor(rng.float() * 20);
    for (let t = 0; t < 8; t++) {
      rows.push(`u${u}\tp${i}`);
      i = (i + 1) % 20;
    }
  }
  writeFileSync(path('events.tsv'), `${rows.join('\n')}\n`);

  it('learns the successor and beats popularity on the held-out last event', async () => {
    const summary = (await nextItemCommand(
      [
        '--events',
        path('events.tsv'),
        '--delimiter',
        'tab',
        '--epochs',
        '15',
        '--dim',
        '16',
        '--k',
        '1',
        '--out',
        path('next.csv'),
      ],
      io,
    )) as { test: { hitRate: number; popularityHitRate: number } };
    expect(summary.test.hitRate).toBeGreaterThan(0.8);
    expect(summary.test.popularityHitRate).toBeLessThan(0.3);
    const out = csv(path('next.csv'));
    expect(out[0]).toEqual(['user', 'rank', 'item', 'score']);
    expect(out.length - 1).toBe(200);
  });
});
