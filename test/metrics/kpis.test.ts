import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

const m = at.metrics;

describe('KPIs', () => {
  it('CTR and CVR are rates with Wilson intervals that contain them', () => {
    const c = m.ctr(37, 1200);
    expect(c.value).toBeCloseTo(37 / 1200, 15);
    expect(c.interval[0]).toBeLessThan(c.value);
    expect(c.interval[1]).toBeGreaterThan(c.value);
    expect(m.conversionRate(0, 50).interval[0]).toBe(0);
    expect(() => m.ctr(13, 12)).toThrow(/clicks must be an integer in \[0, impressions\]/);
    expect(() => m.conversionRate(1, 0)).toThrow(/no data/);
  });

  it('AOV and revenue per user: means with t intervals', () => {
    const rpu = m.revenuePerUser([0, 0, 0, 10, 0, 20]);
    expect(rpu.value).toBe(5);
    expect(rpu.n).toBe(6);
    expect(m.averageOrderValue([10, 20]).value).toBe(15);
    expect(() => m.averageOrderValue([])).toThrow(/empty/);
    expect(() => m.revenuePerUser([5])).toThrow(/at least 2/);
  });

  it('funnel: step and overall rates, ordered steps', () => {
    const f = m.funnel([
      { name: 'visit', count: 1000 },
      { name: 'cart', count: 300 },
      { name: 'purchase', count: 90 },
    ]);
    expect(f.map((s) => s.stepRate)).toEqual([1, 0.3, 0.3]);
    expect(f[2]!.overallRate).toBeCloseTo(0.09, 15);
    expect(f[1]!.stepInterval[0]).toBeLessThan(0.3);
    expect(f.summary()).toMatch(/purchase: 90 \(30\.0% of previous, 9\.0% overall\)/);
    expect(() =>
      m.funnel([
        { name: 'a', count: 10 },
        { name: 'b', count: 11 },
      ]),
    ).toThrow(/more than the 10 of the step before/);
  });

  it('cohort retention table from activity rows', () => {
    const rows = [
      { user: 1, cohort: '2024-01', period: 0 },
      { user: 2, cohort: '2024-01', period: 0 },
      { user: 1, cohort: '2024-01', period: 1 },
      { user: 1, cohort: '2024-01', period: 1 }, // duplicate counts once
      { user: 3, cohort: '2024-02', period: 0 },
      { user: 2, cohort: '2024-01', period: 2 },
    ];
    const t = m.cohortRetention(rows);
    expect(t.cohorts).toEqual(['2024-01', '2024-02']);
    expect(t.sizes).toEqual([2, 1]);
    expect(t.table).toEqual([
      [1, 0.5, 0.5],
      [1, 0, 0],
    ]);
    expect(t.summary()).toMatch(/2024-01\t2\t100\.0%\t50\.0%/);
    expect(() => m.cohortRetention([...rows, { user: 3, cohort: '2024-01', period: 1 }])).toThrow(/is in cohorts/);
  });
});
