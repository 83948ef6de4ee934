import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/sentiment.js';

describe('examples/sentiment', () => {
  it('learns generated reviews (opinion words, negation) far above the majority answer and explains one', {
    timeout: 300_000,
  }, async () => {
    const lines: string[] = [];
    const r = await main({ rows: 1000, epochs: 8, log: (l) => lines.push(l) });
    expect(r.trainRows + r.testRows).toBe(1000);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.accuracy).toBeGreaterThan(r.majority + 0.3);
    expect(r.explained.tokens.length).toBeGreaterThan(0);
    expect(r.explained.tokens.reduce((s, t) => s + t.weight, 0)).toBeCloseTo(1, 4);
    expect(lines.join('\n')).toMatch(/test accuracy/);
  });

  it('reads an SST-2 style TSV (sentence<TAB>label with a header)', { timeout: 300_000 }, async () => {
    // A small file in the SST-2 layout, written here: tests never read ../shared/datasets.
    const rows = ['sentence\tlabel'];
    for (let i = 0; i < 300; i++) {
      const good = i % 2 === 0;
      rows.push(`the film was ${good ? 'wonderful' : 'dull'} and ${i % 3 ? 'long' : 'short'} \t${good ? 1 : 0}`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'attune-sst-'));
    const file = join(dir, 'train.tsv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const r = await main({ path: file, epochs: 6, log: () => {} });
    expect(r.trainRows + r.testRows).toBe(300);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.95);
    rmSync(dir, { recursive: true, force: true });
  });
});
