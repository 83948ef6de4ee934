import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/churn.js';

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

  it('reads a Telco-format CSV, imputing blank TotalCharges', async () => {
    // A small file in the Telco layout, written here: tests never read ../shared/datasets.
    const cats: Record<string, string[]> = {
      gender: ['Female', 'Male'],
      Partner: ['Yes', 'No'],
      Dependents: ['Yes', 'No'],
      PhoneService: ['Yes', 'No'],
      MultipleLines: ['Yes', 'No', 'No phone service'],
      InternetService: ['DSL', 'Fiber optic', 'No'],
      OnlineSecurity: ['Yes', 'No'],
      OnlineBackup: ['Yes', 'No'],
      DeviceProtection: ['Yes', 'No'],
      TechSupport: ['Yes', 'No'],
      StreamingTV: ['Yes', 'No'],
      StreamingMovies: ['Yes', 'No'],
      Contract: ['Month-to-month', 'One year', 'Two year'],
      PaperlessBilling: ['Yes', 'No'],
      PaymentMethod: ['Electronic check', 'Mailed check', 'Credit card (automatic)'],
    };
    const header = [
      'customerID',
      'SeniorCitizen',
      'tenure',
      'MonthlyCharges',
      'TotalCharges',
      ...Object.keys(cats),
      'Churn',
    ];
    let s = 3;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
    const rows = [header.join(',')];
    for (let r = 0; r < 600; r++) {
      const tenure = Math.floor(rnd() * 72);
      const monthly = 20 + rnd() * 90;
      const contract = Math.floor(rnd() * 3);
      const churn = rnd() < 1 / (1 + Math.exp(-(1.5 - tenure / 15 - contract + (monthly - 60) / 40)));
      const cells = Object.entries(cats).map(([name, v]) =>
        name === 'Contract' ? v[contract]! : v[Math.floor(rnd() * v.length)]!,
      );
      const total = r % 50 === 0 ? ' ' : (tenure * monthly).toFixed(2);
      rows.push(
        [`c${r}`, rnd() < 0.2 ? 1 : 0, tenure, monthly.toFixed(2), total, ...cells, churn ? 'Yes' : 'No'].join(','),
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'attune-telco-'));
    const file = join(dir, 'telco.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const r = await main({ path: file, epochs: 30, log: () => {} });
    expect(r.trainRows + r.testRows).toBe(600);
    expect(r.features).toContain('TotalCharges=missing');
    expect(r.report.rocAuc).toBeGreaterThan(0.7);
    rmSync(dir, { recursive: true, force: true });
  });
});
