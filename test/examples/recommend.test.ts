import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/recommend.js';

const ml100k = resolve(__dirname, '../../../shared/datasets/movielens-100k');

describe('examples/recommend', () => {
  it('fits MF on the synthetic shop ratings: beats the global mean, top-K and similar items', async () => {
    const lines: string[] = [];
    const r = await main({ customers: 800, epochs: 30, k: 5, log: (l) => lines.push(l) });
    expect(r.source).toMatch(/synthetic shop/);
    expect(r.ratings).toBeGreaterThan(1000);
    expect(r.rmse).toBeLessThan(r.baselineRmse);
    expect(r.top).toHaveLength(5);
    expect(new Set(r.top.map((t) => t.item)).size).toBe(5);
    expect(r.similar).toHaveLength(5);
    expect(r.similar.map((s) => s.item)).not.toContain(r.item);
    expect(lines.join('\n')).toMatch(/test RMSE \d\.\d{4} \(global mean/);
  });

  it.runIf(existsSync(ml100k))('reads MovieLens 100k with titles from u.item', async () => {
    const r = await main({ path: ml100k, epochs: 20, k: 5, log: () => {} });
    expect(r.ratings).toBe(100_000);
    expect(r.users).toBe(943);
    expect(r.rmse).toBeLessThan(0.96);
    expect(r.baselineRmse).toBeGreaterThan(1.1);
    expect(r.similar[0]!.title).toMatch(/\(\d{4}\)$/);
  });
});
