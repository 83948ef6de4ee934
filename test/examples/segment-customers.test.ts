import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/segment-customers.js';

describe('examples/segment-customers', () => {
  it('segments the synthetic shop into 4 named RFM segments', async () => {
    const r = await main({ customers: 800, log: () => {} });
    expect(r.profiles).toHaveLength(4);
    expect(r.profiles.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1, 10);
    expect(r.profiles.reduce((s, p) => s + p.size, 0)).toBe(r.customers);
    expect(new Set(r.profiles.map((p) => p.name)).size).toBe(4);
    expect(r.silhouette).toBeGreaterThan(0.2);
    // Every buyer lands in exactly one cell of the cross-tab with the hidden customer types.
    expect(r.crossTab!.flat().reduce((s, n) => s + n, 0)).toBe(r.customers);
  });

  it('reads a transactions CSV (customer, time, amount)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-seg-'));
    try {
      const rows = ['customer,time,amount'];
      for (let c = 0; c < 40; c++) {
        for (let t = 0; t <= c % 8; t++)
          rows.push(`c${c},2024-0${1 + ((c + t) % 6)}-1${t},${(10 + c * 3 + t).toFixed(2)}`);
      }
      writeFileSync(join(dir, 'tx.csv'), rows.join('\n'));
      const r = await main({ path: join(dir, 'tx.csv'), k: 3, log: () => {} });
      expect(r.customers).toBe(40);
      expect(r.profiles).toHaveLength(3);
      expect(r.crossTab).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
