import { describe, expect, it } from 'vitest';
import { main } from '../../examples/explain-churn.js';

describe('examples/explain-churn', () => {
  it('ranks the factors, reads the coefficients and explains three customers whose contributions add up', async () => {
    const lines: string[] = [];
    const r = await main({ customers: 1500, epochs: 30, log: (l) => lines.push(l) });
    expect(r.rocAuc).toBeGreaterThan(0.75);
    // The random shop's churn is driven by its behaviour columns; every feature has an interval.
    expect(r.importance[0]!.importance).toBeGreaterThan(0.01);
    for (const f of r.importance) expect(f.lo).toBeLessThanOrEqual(f.hi);
    expect(r.coefficients.features.map((f) => f.name)).toContain('plan=basic');
    expect(r.customers).toHaveLength(3);
    expect(r.customers[0]!.probability).toBeGreaterThan(r.customers[2]!.probability);
    for (const e of r.customers) {
      expect(e.reasons.length).toBeGreaterThan(0);
      const sum = e.contributions.reduce((s, c) => s + c.contribution, 0);
      expect(sum).toBeCloseTo(e.logit - e.baselineLogit, 9);
    }
    expect(r.gap.logistic).toBeLessThan(1e-9);
    expect(r.mlpCustomers).toHaveLength(3);
    expect(r.gap.mlp).toBeLessThanOrEqual(0.01);
    const text = lines.join('\n');
    expect(text).toMatch(/check: contributions sum to/);
    expect(text).toMatch(/raises the churn odds|lowers the churn odds/);
  });
});
