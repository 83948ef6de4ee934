import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/churn.js';

const telco = resolve(__dirname, '../../../shared/datasets/telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv');

describe('examples/churn', () => {
  it('encodes the synthetic churn table, trains a calibrated classifier and reports it', async () => {
    const lines: string[] = [];
    const r = await main({ customers: 1200, epochs: 40, log: (l) => lines.push(l) });
    expect(r.trainRows + r.testRows).toBe(1200);
    expect(r.features).toContain('plan=basic');
    expect(r.features).not.toContain('segment');
    expect(r.report.rocAuc).toBeGreaterThan(0.8);
    expect(r.report.prAuc).toBeGreaterThan(r.report.baseRate);
    expect(r.report.ece).toBeLessThan(0.15);
    expect(r.report.liftAtDecile).toBeGreaterThan(1.5);
    // Calibration changes probabilities, not the ranking.
    expect(r.report.rocAuc).toBeCloseTo(r.uncalibrated.rocAuc, 10);
    expect(lines.join('\n')).toMatch(/predicted {3}rows/);
  });

  it.runIf(existsSync(telco))('reads the Telco CSV, imputing blank TotalCharges', async () => {
    const r = await main({ path: telco, epochs: 30, log: () => {} });
    expect(r.trainRows + r.testRows).toBe(7043);
    expect(r.features).toContain('TotalCharges=missing');
    expect(r.report.rocAuc).toBeGreaterThan(0.8);
  });
});
