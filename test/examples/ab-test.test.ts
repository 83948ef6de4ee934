import { describe, expect, it } from 'vitest';
import { main } from '../../examples/ab-test.js';

describe('examples/ab-test', () => {
  it('designs, reads, decides and targets a simulated campaign', async () => {
    const lines: string[] = [];
    const r = await main({ log: (l) => lines.push(l) });
    const text = lines.join('\n');
    // Design: 5% -> 6% at 80% power needs about 8,000 per arm (8,143 by Cohen's h, as statsmodels' NormalIndPower).
    expect(r.perArm).toBeGreaterThan(7500);
    expect(r.perArm).toBeLessThan(9000);
    expect(text).toMatch(/sample ratio check: .* no mismatch detected/);
    // The planted average lift is about 1.4 points; the test finds it.
    expect(r.read.decision).toBe('treatment better');
    expect(r.bayes.probabilityToBeat).toBeGreaterThan(0.95);
    expect(text).toMatch(/decision: send the e-mail/);
    // Targeting by uplift finds the engaged customers: the top 30% respond far more than average.
    expect(r.qini).toBeGreaterThan(0);
    expect(r.topUplift).toBeGreaterThan(1.5 * r.averageUplift);
  });
});
