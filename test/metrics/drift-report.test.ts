import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { Rng } from '../../src/core/random.js';

const m = at.metrics;

function table(n: number, seed: number, shift: { age?: number; planPremium?: number }) {
  const rng = new Rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  return {
    age: Array.from({ length: n }, () => 40 + 10 * gauss() + (shift.age ?? 0)),
    spend: Array.from({ length: n }, () => Math.exp(gauss())),
    plan: Array.from({ length: n }, () => (rng.float() < (shift.planPremium ?? 0.3) ? 'premium' : 'basic')),
  };
}

describe('KS and chi-square drift tests', () => {
  it('KS: identical samples give D = 0, p = 1; a shift gives a small p', () => {
    const a = table(500, 1, {}).age;
    expect(m.ksTest(a, a)).toMatchObject({ statistic: 0, pValue: 1, method: 'exact' });
    const r = m.ksTest(
      a,
      a.map((v) => v + 5),
    );
    expect(r.pValue).toBeLessThan(1e-6);
    expect(m.ksTest([1, 2, 3], [4, 5, 6]).statistic).toBe(1);
    expect(() => m.ksTest([], [1])).toThrow(/reference is empty/);
    expect(() => m.ksTest([1, Number.NaN], [1])).toThrow(/reference\[1\] must be a finite number/);
  });
  it('chi-square: a single shared category is p = 1; new categories count', () => {
    expect(m.chiSquareTest(['a', 'a'], ['a'])).toMatchObject({ statistic: 0, pValue: 1, df: 0 });
    expect(m.chiSquareTest(Array(100).fill('a'), [...Array(50).fill('a'), ...Array(50).fill('b')]).pValue).toBeLessThan(
      1e-10,
    );
  });
});

describe('driftReport', () => {
  const reference = table(3000, 1, {});
  it('no action when nothing moved', () => {
    const r = m.driftReport(reference, table(3000, 2, {}));
    expect(r.recommendation).toBe('no action');
    expect(r.features.every((f) => f.severity === 'stable')).toBe(true);
  });
  it('retrain on a major shift, naming the feature', () => {
    const r = m.driftReport(reference, table(3000, 3, { age: 8 }));
    const age = r.features.find((f) => f.feature === 'age')!;
    expect(age.kind).toBe('numeric');
    expect(age.severity).toBe('major');
    expect(r.features.find((f) => f.feature === 'spend')!.severity).toBe('stable');
    expect(r.recommendation).toBe('retrain');
    expect(r.reasons[0]).toMatch(/major drift .* in age/);
    expect(r.summary()).toMatch(/age \[numeric\]: PSI .* -> major/);
  });
  it('monitor on a moderate categorical shift', () => {
    const r = m.driftReport(reference, table(3000, 4, { planPremium: 0.5 }), { retrainShare: 0.5 });
    const plan = r.features.find((f) => f.feature === 'plan')!;
    expect(plan.kind).toBe('categorical');
    expect(plan.severity).toBe('moderate');
    expect(r.recommendation).toBe('monitor');
  });
  it('needs the same features in both tables', () => {
    expect(() => m.driftReport(reference, { age: reference.age, plan: reference.plan })).toThrow(
      /missing in current: \["spend"\]/,
    );
    expect(() => m.driftReport({}, {})).toThrow(/no features/);
  });
});
