import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/lifetime-value.js';

describe('examples/lifetime-value', () => {
  it('recovers the simulated shop and forecasts its holdout purchases', async () => {
    const r = await main({ customers: 3000, seed: 1, log: () => {} });
    const { r: shape, alpha, a, b } = r.model.purchases.params;
    const truth = r.truth!;
    // The purchase-rate distribution is well identified; dropout is judged by its mean a / (a + b).
    expect(Math.abs(shape / truth.r - 1)).toBeLessThan(0.15);
    expect(Math.abs(shape / alpha / (truth.r / truth.alpha) - 1)).toBeLessThan(0.25);
    expect(Math.abs(a / (a + b) - truth.a / (truth.a + truth.b))).toBeLessThan(0.1);
    expect(Math.abs(r.holdoutPredicted / r.holdoutActual - 1)).toBeLessThan(0.1);
    expect(r.top).toHaveLength(5);
    for (let i = 1; i < r.top.length; i++) expect(r.top[i]!.clv).toBeLessThanOrEqual(r.top[i - 1]!.clv);
    for (const t of r.top) expect(t.pAlive).toBeGreaterThan(0.5);
  });

  it('reads a shop export (customer, date, value) and splits it at its midpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-ltv-'));
    try {
      const rows = ['customer,date,value'];
      for (let c = 0; c < 60; c++) {
        for (let t = 0; t <= c % 6; t++) {
          const day = 1 + ((c * 7 + t * 37) % 360);
          rows.push(
            `c${c},${new Date(Date.UTC(2024, 0, day)).toISOString().slice(0, 10)},${(10 + (c % 9) * 3 + t).toFixed(2)}`,
          );
        }
      }
      writeFileSync(join(dir, 'orders.csv'), rows.join('\n'));
      const r = await main({ path: join(dir, 'orders.csv'), log: () => {} });
      expect(r.truth).toBeUndefined();
      expect(r.summary.customers.length + r.summary.laterCustomers).toBe(60);
      expect(r.summary.holdoutLength).toBeGreaterThan(20);
      expect(Number.isFinite(r.model.purchases.logLikelihood)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
