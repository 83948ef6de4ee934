import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { bayesProportions } from '../../src/experiments/bayes.js';
import { cuped } from '../../src/experiments/cuped.js';
import { welchTest } from '../../src/experiments/means.js';
import { compareArms } from '../../src/experiments/multiple.js';
import { twoProportionTest } from '../../src/experiments/proportions.js';
import { experimentFromTest, report, reportSections } from '../../src/report/index.js';

// A planted lift: 10% against 12% conversion on 20,000 visitors each (z ≈ 6.4, clearly real).
const control = { successes: 2000, trials: 20000 };
const better = { successes: 2400, trials: 20000 };
const same = { successes: 2010, trials: 20000 };

describe('at.report maps at.experiments results', () => {
  it('a two-proportion test: each arm is its rate with its Wilson interval, the verdict is the test', () => {
    const test = twoProportionTest(control, better);
    const r = experimentFromTest({ name: 'Subject line', result: test, controlName: 'A', treatmentName: 'B' });
    expect(r.metric).toBe('conversion rate');
    expect(r.level).toBe(0.95);
    expect(r.arms.map((a) => a.arm)).toEqual(['A', 'B']);
    expect(r.arms[0]).toEqual({
      arm: 'A',
      estimate: 0.1,
      lower: test.control.interval[0],
      upper: test.control.interval[1],
    });
    expect(r.arms[1]!.estimate).toBe(0.12);
    expect(r.arms[1]!.lower).toBeGreaterThan(r.arms[0]!.upper);
    expect(r.verdict).toMatch(/^The test reads "B" is better than "A": difference in proportions/);
  });

  it('a null result says so in the caption, not "unlikely to be chance"', () => {
    const [section] = reportSections({
      experiments: [{ name: 'No change', result: twoProportionTest(control, same) }],
    });
    const caption = section!.charts[0]!.caption;
    expect(caption).toMatch(/^Conversion rate per variant/);
    expect(caption).toMatch(/no significant difference/);
    expect(caption).not.toMatch(/unlikely to be chance/);
  });

  it('a Welch test: each arm is its mean with a t interval that narrows as n grows', () => {
    const rng = new Rng(5);
    const draw = (n: number, mu: number) => Float64Array.from({ length: n }, () => mu + 10 * (rng.float() - 0.5));
    const small = experimentFromTest({
      name: 'AOV',
      result: welchTest(draw(50, 40), draw(50, 43)),
      metric: 'order value',
    });
    const large = experimentFromTest({ name: 'AOV', result: welchTest(draw(5000, 40), draw(5000, 43)) });
    expect(small.metric).toBe('order value');
    expect(large.metric).toBe('mean outcome');
    const width = (r: typeof small) => r.arms[0]!.upper - r.arms[0]!.lower;
    expect(width(large)).toBeLessThan(width(small) / 5);
    for (const r of [small, large])
      for (const a of r.arms) expect(a.lower < a.estimate && a.estimate < a.upper).toBe(true);
    expect(large.arms[0]!.estimate).toBeCloseTo(40, 0);
    expect(large.arms[1]!.estimate).toBeCloseTo(43, 0);
  });

  it('CUPED: the arms are the adjusted means, with intervals narrower than the raw ones', () => {
    // The outcome is mostly last period's value x plus noise, so CUPED removes most of the variance.
    const rng = new Rng(9);
    const arm = (n: number, lift: number) => {
      const x = Float64Array.from({ length: n }, () => 100 * rng.float());
      return { x, y: Float64Array.from(x, (v) => v + lift + 4 * (rng.float() - 0.5)) };
    };
    const result = cuped(arm(400, 0), arm(400, 1));
    const adjusted = experimentFromTest({ name: 'CUPED', result });
    const raw = experimentFromTest({ name: 'raw', result: result.unadjusted });
    expect(adjusted.arms[0]!.estimate).toBe(result.control.mean);
    const width = (r: typeof raw) => r.arms[1]!.upper - r.arms[1]!.lower;
    expect(width(adjusted)).toBeLessThan(width(raw) / 5);
  });

  it('a Bayesian reading: posterior means and credible intervals, the verdict names the probability', () => {
    const b = bayesProportions(control, better);
    const r = experimentFromTest({ name: 'Bayes', result: b });
    expect(r.level).toBe(b.credibility);
    expect(r.arms[1]).toEqual({
      arm: 'treatment',
      estimate: b.treatment.mean,
      lower: b.treatment.interval[0],
      upper: b.treatment.interval[1],
    });
    expect(r.verdict).toMatch(/beats "control" is (100\.0|99\.\d)%: "treatment" is better than "control"/);
  });

  it('compareArms: the control once, then every arm, each with its corrected decision', () => {
    const arms = compareArms(control, { B: better, C: same });
    const r = experimentFromTest({ name: 'Three subject lines', result: arms, controlName: 'A' });
    expect(r.arms.map((a) => a.arm)).toEqual(['A', 'B', 'C']);
    expect(r.arms.map((a) => a.estimate)).toEqual([0.1, 0.12, 0.1005]);
    expect(r.verdict).toMatch(/"B" is better than "A" \(corrected p = /);
    expect(r.verdict).toMatch(/no significant difference between "A" and "C"/);
  });

  it('draws test results and plain arms side by side in one HTML page', async () => {
    const html = await report({
      experiments: [
        {
          name: 'Subject line',
          result: twoProportionTest(control, better),
          controlName: 'No email',
          treatmentName: 'An email',
        },
        { name: 'Hand-made', metric: 'rate', level: 0.9, arms: [{ arm: 'x', estimate: 0.5, lower: 0.4, upper: 0.6 }] },
      ],
    });
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain('The test reads &quot;An email&quot; is better than &quot;No email&quot;');
    // The arms in the order given, control first, not alphabetically.
    expect(html.indexOf('>No email<')).toBeGreaterThan(0);
    expect(html.indexOf('>No email<')).toBeLessThan(html.indexOf('>An email<'));
  });

  it('names what is wrong with something that is not a result', () => {
    expect(() => experimentFromTest({ name: 'x', result: null as never })).toThrow(ValueError);
    expect(() => experimentFromTest({ name: 'x', result: {} })).toThrow(/has no arms/);
    expect(() => experimentFromTest({ name: 'x', result: { B: { effect: 1 } } as never })).toThrow(/no rawPValue/);
  });
});
