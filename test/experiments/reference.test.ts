// Every statistic, p-value and interval against scipy 1.10 / statsmodels 0.13, to 1e-6 (sample
// sizes relative). The values come from scripts/fixtures/experiments.py (checked in with its output).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import * as dist from '../../src/experiments/distributions.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/experiments.json', import.meta.url), 'utf8'));
const ex = at.experiments;
const TOL = 1e-6;

function close(got: number, want: number, tol = TOL): void {
  expect(Number.isFinite(got)).toBe(true);
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tol);
}
function closePair(got: readonly number[], want: readonly number[], tol = TOL): void {
  close(got[0]!, want[0]!, tol);
  close(got[1]!, want[1]!, tol);
}

describe('distributions match scipy', () => {
  const d = fx.distributions;
  it('normal, t, chi-square, beta and Kolmogorov to 1e-9 or better', () => {
    for (const [z, p] of d.normalCdf) close(dist.normalCdf(z), p, 1e-14);
    for (const [p, z] of d.normalQuantile) close(dist.normalQuantile(p), z, 1e-9);
    for (const [t, df, p] of d.studentCdf) close(dist.studentCdf(t, df), p, 1e-10);
    for (const [p, df, t] of d.studentQuantile) close(dist.studentQuantile(p, df), t, 1e-9);
    for (const [x, df, p] of d.chiSquareSf) close(dist.chiSquareSf(x, df), p, 1e-12);
    for (const [x, a, b, p] of d.betaCdf) close(dist.betaCdf(x, a, b), p, 1e-11);
    for (const [p, a, b, x] of d.betaQuantile) close(dist.betaQuantile(p, a, b), x, 1e-11);
    for (const [x, p] of d.kolmogorovSf) close(dist.kolmogorovSf(x), p, 1e-12);
  });
});

describe('two proportions match statsmodels', () => {
  interface Arm {
    successes: number;
    trials: number;
  }
  interface Case {
    control: Arm;
    treatment: Arm;
    z: number;
    p: number;
    newcombe: number[];
    wilsonControl: number[];
    wilsonTreatment: number[];
    wilson90Treatment: number[];
    lift: [number, number, number] | null;
  }
  const cases: Case[] = fx.proportions;
  it.each(cases.map((c, i) => [i, c] as const))('case %i', (_, c) => {
    const r = ex.twoProportionTest(c.control, c.treatment);
    close(r.statistic, c.z);
    close(r.pValue, c.p);
    closePair(r.interval, c.newcombe);
    closePair(r.control.interval, c.wilsonControl);
    closePair(r.treatment.interval, c.wilsonTreatment);
    closePair(ex.wilsonInterval(c.treatment, 0.9), c.wilson90Treatment);
    if (c.lift) {
      close(r.lift!.effect, c.lift[0]);
      closePair(r.lift!.interval, c.lift.slice(1));
    } else expect(r.lift).toBeNull();
    expect(r.summary()).toMatch(/two-proportion z-test: .* p = .* -> /);
  });
});

describe("Welch's t-test matches scipy and statsmodels", () => {
  it('on raw outcomes, at 95% and 90%', () => {
    for (const c of fx.welch) {
      const r = ex.welchTest(c.control, c.treatment);
      close(r.statistic, c.t);
      close(r.pValue, c.p);
      close(r.df, c.df);
      closePair(r.interval, c.interval);
      closePair(ex.welchTest(c.control, c.treatment, { alpha: 0.1 }).interval, c.interval90);
    }
  });
  it('on summary statistics', () => {
    const c = fx.welchStats;
    const r = ex.welchTest(c.control, c.treatment);
    close(r.statistic, c.t);
    close(r.pValue, c.p, 1e-12);
  });
});

describe('Holm, SRM and design match statsmodels/scipy', () => {
  it('Holm-adjusted p-values', () => {
    for (const c of fx.holm) {
      const got = ex.holm(c.p);
      c.adjusted.forEach((p: number, i: number) => close(got[i]!, p, 1e-12));
    }
  });
  it('sample ratio mismatch chi-square', () => {
    for (const c of fx.srm) {
      const r = ex.sampleRatioMismatch(c.counts, c.planned ?? undefined);
      close(r.statistic, c.statistic, 1e-9);
      close(r.pValue, c.p);
      // Each arm's share interval holds its observed minus planned share.
      r.interval.forEach(([lo, hi], i) => expect(lo <= r.effect[i]! && r.effect[i]! <= hi).toBe(true));
    }
  });
  it('sample size, power and MDE for proportions', () => {
    for (const c of fx.design.proportions) {
      const s = ex.sampleSizeProportions(c.baseline, c.mde, { alpha: c.alpha, power: c.power, ratio: c.ratio });
      expect(Math.abs(s.exact - c.n) / c.n).toBeLessThan(TOL);
      expect(s.control).toBe(Math.ceil(c.n));
      close(ex.powerProportions(c.baseline, c.mde, 5000, { alpha: c.alpha, ratio: c.ratio }), c.powerAt5000);
    }
    for (const c of fx.design.mde) {
      const m = ex.mdeProportions(c.baseline, c.n, { alpha: c.alpha, power: c.power });
      close(m.effectSize, c.effectSize);
      close(m.absolute, c.absolute);
    }
  });
  it('sample size, power and MDE for means', () => {
    for (const c of fx.design.means) {
      const s = ex.sampleSizeMeans(c.sd, c.mde, { alpha: c.alpha, power: c.power });
      expect(Math.abs(s.exact - c.n) / c.n).toBeLessThan(TOL);
      close(ex.mdeMeans(c.sd, 2000, { alpha: c.alpha, power: c.power }).absolute, c.mdeAt2000);
      close(ex.powerMeans(c.sd, c.mde, 2000, { alpha: c.alpha }), c.powerAt2000);
    }
  });
});

describe('Bayesian reading matches numerical integration in scipy', () => {
  it('beta-binomial: P(beat), expected losses, credible intervals', () => {
    for (const c of fx.bayes) {
      const r = ex.bayesProportions(c.control, c.treatment);
      close(r.probabilityToBeat, c.pBeat);
      close(r.expectedLoss.treatment, c.lossTreatment);
      close(r.expectedLoss.control, c.lossControl);
      closePair(r.control.interval, c.controlInterval);
      closePair(r.treatment.interval, c.treatmentInterval);
      closePair(r.interval, c.diffInterval);
    }
  });
  it('non-integer (Jeffreys) prior takes the numerical path', () => {
    const c = fx.bayesJeffreys;
    const r = ex.bayesProportions(c.control, c.treatment, { prior: { alpha: 0.5, beta: 0.5 } });
    close(r.probabilityToBeat, c.pBeat);
  });
});

describe('CUPED matches numpy/scipy', () => {
  it('theta, adjusted effect, test, interval and variance reduction', () => {
    for (const c of fx.cuped) {
      const r = ex.cuped(c.control, c.treatment);
      close(r.theta, c.theta, 1e-9);
      close(r.effect, c.effect, 1e-9);
      close(r.statistic, c.t);
      close(r.pValue, c.p);
      closePair(r.interval, c.interval);
      close(r.varianceReduction, c.varianceReduction, 1e-9);
    }
  });
});

describe('drift tests match scipy', () => {
  it('two-sample KS: statistic and exact / asymptotic p-value', () => {
    for (const c of fx.ks) {
      const r = at.metrics.ksTest(c.reference, c.current);
      expect(r.method).toBe(c.method);
      close(r.statistic, c.statistic, 1e-12);
      close(r.pValue, c.p);
    }
  });
  it('chi-square test of category counts', () => {
    const expand = (counts: Record<string, number>) => Object.entries(counts).flatMap(([k, n]) => Array(n).fill(k));
    for (const c of fx.chiSquare) {
      const r = at.metrics.chiSquareTest(expand(c.reference), expand(c.current));
      close(r.statistic, c.statistic, 1e-9);
      close(r.pValue, c.p);
      expect(r.df).toBe(c.df);
    }
  });
});

describe('KPIs match statsmodels', () => {
  it('CTR Wilson interval and AOV t interval', () => {
    const k = fx.kpis;
    closePair(at.metrics.ctr(k.ctr.clicks, k.ctr.impressions).interval, k.ctr.interval);
    const aov = at.metrics.averageOrderValue(k.aov.revenue);
    close(aov.value, k.aov.mean, 1e-9);
    closePair(aov.interval, k.aov.interval);
  });
});
