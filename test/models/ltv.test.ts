import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { hyp2f1, lnGamma, nelderMead } from '../../src/models/ltv/index.js';

// Reference values from SciPy: test/models/fixtures/ltv_reference.py writes ltv-reference.json.
const ref = JSON.parse(readFileSync(new URL('./fixtures/ltv-reference.json', import.meta.url), 'utf8'));
const history = ref.history as { frequency: number[]; recency: number[]; T: number[]; monetary: number[] };
const close = (got: number, want: number, rel: number) =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.abs(want) + 1e-12);

describe('special functions (against scipy.special)', () => {
  it('lnGamma matches gammaln to 1e-13 relative', () => {
    for (const [x, want] of Object.entries(ref.lnGamma as Record<string, number>))
      close(lnGamma(Number(x)), want, 1e-13);
    expect(() => lnGamma(0)).toThrow(at.ValueError);
  });
  it('hyp2f1 matches scipy hyp2f1, including z near 1', () => {
    for (const c of ref.hyp2f1 as { a: number; b: number; c: number; z: number; value: number }[])
      close(hyp2f1(c.a, c.b, c.c, c.z), c.value, 1e-11);
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(at.ValueError);
  });
  it('nelderMead finds the Rosenbrock minimum and reports running out of iterations', () => {
    const rosen = ([x, y]: number[]) => (1 - x!) ** 2 + 100 * (y! - x! * x!) ** 2;
    const res = nelderMead(rosen, [-1.2, 1]);
    expect(res.x[0]).toBeCloseTo(1, 5);
    expect(res.x[1]).toBeCloseTo(1, 5);
    expect(() => nelderMead(rosen, [-1.2, 1], { maxIterations: 10 })).toThrow(/did not converge in 10 iterations/);
  });
});

describe('BetaGeo', () => {
  const fixed = at.models.BetaGeo.fromParams(ref.fixedParams);

  it('log-likelihood, expectations, P(alive) and P(X(t) = x) match the scipy formulas', () => {
    close(at.models.betaGeoLogLikelihood(ref.fixedParams, history), ref.logLikelihoodAtFixed, 1e-12);
    for (const [t, want] of Object.entries(ref.expectedPurchases as Record<string, number>))
      close(fixed.expectedPurchases(Number(t)), want, 1e-10);
    const probes = ref.probes as {
      frequency: number;
      recency: number;
      T: number;
      pAlive: number;
      conditional39: number;
    }[];
    const h = {
      frequency: probes.map((p) => p.frequency),
      recency: probes.map((p) => p.recency),
      T: probes.map((p) => p.T),
    };
    const alive = fixed.probabilityAlive(h);
    const cond = fixed.conditionalExpectedPurchases(39, h);
    probes.forEach((p, i) => {
      close(alive[i]!, p.pAlive, 1e-12);
      close(cond[i]!, p.conditional39, 1e-10);
    });
    for (const [key, want] of Object.entries(ref.probabilityOfPurchases as Record<string, number>)) {
      const [x, t] = key.split('@').map(Number) as [number, number];
      close(fixed.probabilityOfPurchases(x, t), want, 1e-10);
    }
  });

  it('P(X(t) = x) sums to 1 over x and E[X(t)] is its mean', () => {
    let total = 0;
    let mean = 0;
    for (let x = 0; x < 400; x++) {
      const p = fixed.probabilityOfPurchases(x, 39);
      total += p;
      mean += x * p;
    }
    expect(total).toBeCloseTo(1, 8);
    expect(mean).toBeCloseTo(fixed.expectedPurchases(39), 4);
  });

  it('fits the maximum-likelihood parameters scipy finds (1e-4 relative) and its log-likelihood', async () => {
    const bg = await new at.models.BetaGeo().fit(history);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) close(bg.params[k], ref.betaGeoFit.params[k], 1e-4);
    expect(Math.abs(bg.logLikelihood - ref.betaGeoFit.logLikelihood)).toBeLessThan(1e-6);
  });

  it('reports an optimizer that does not converge, and checks its input', async () => {
    const bg = () => new at.models.BetaGeo();
    await expect(new at.models.BetaGeo({ maxIterations: 5 }).fit(history)).rejects.toThrow(at.NumericalError);
    await expect(bg().fit({ frequency: [0, 1], recency: [0], T: [3, 3] })).rejects.toThrow(at.ShapeError);
    await expect(bg().fit({ frequency: [], recency: [], T: [] })).rejects.toThrow(/no customers/);
    expect(() => bg().expectedPurchases(1)).toThrow(/not fitted/);
  });

  it('a bad customer row is a DataError naming the customer, the column and the value', async () => {
    // Each case: one bad customer (row 2) among good ones, the message it must give.
    const cases: [number, number, number, RegExp][] = [
      [2, 0, 10, /customer 2 \(row 2\): frequency\[2\] = 2 but recency\[2\] = 0/],
      [0, 4, 10, /customer 2 \(row 2\): frequency\[2\] = 0 but recency\[2\] = 4/],
      [1, 12, 10, /customer 2 \(row 2\): recency\[2\] = 12 is after T\[2\] = 10: .*out of order/],
      [-1, 0, 10, /customer 2 \(row 2\): frequency\[2\] = -1 must be a whole number/],
      [1.5, 3, 10, /frequency\[2\] = 1.5 must be a whole number/],
      [Number.NaN, 3, 10, /frequency\[2\] = NaN/],
      [1, Number.NaN, 10, /recency\[2\] = NaN must be a finite number/],
      [1, 3, Number.POSITIVE_INFINITY, /T\[2\] = Infinity must be a finite number/],
      [1, -3, 10, /recency\[2\] = -3 must be a finite number ≥ 0/],
    ];
    for (const [x, tx, T, message] of cases) {
      const h = { frequency: [1, 0, x, 3], recency: [2, 0, tx, 5], T: [6, 4, T, 9] };
      const err = await bg()
        .fit(h)
        .catch((e: Error) => e);
      expect(err, String(message)).toBeInstanceOf(at.DataError);
      expect((err as Error).message).toMatch(message);
    }
    function bg() {
      return new at.models.BetaGeo();
    }
  });

  it('progress per optimizer iteration, and an abort leaves the model as it was', async () => {
    const seen: at.FitProgress[] = [];
    const bg = await new at.models.BetaGeo().fit(history, { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBe(bg.iterations);
    expect(seen.map((p) => p.epoch)).toEqual(Array.from({ length: bg.iterations }, (_, i) => i + 1));
    expect(seen[0]!.epochs).toBe(8000);
    const before = { ...bg.params };
    const controller = new AbortController();
    let calls = 0;
    const aborted = bg.fit(
      { frequency: [1, 0, 2, 5], recency: [3, 0, 4, 8], T: [9, 9, 9, 9] },
      {
        onProgress: () => {
          if (++calls === 10) controller.abort(new Error('stop here'));
        },
        signal: controller.signal,
      },
    );
    await expect(aborted).rejects.toThrow('stop here');
    expect(calls).toBe(10);
    expect(bg.params).toEqual(before);
  });
});

describe('GammaGamma and CustomerValue', () => {
  it('fits the Gamma-Gamma MLE scipy finds on the repeat buyers', async () => {
    const gg = await new at.models.GammaGamma().fit(history);
    for (const k of ['p', 'q', 'v'] as const) close(gg.params[k], ref.gammaGammaFit.params[k], 1e-4);
    expect(gg.customersUsed).toBe(history.frequency.filter((x) => x > 0).length);
    const { p, q, v } = gg.params;
    const ev = gg.expectedAverageValue({ frequency: [0, 3], monetary: [0, 40] });
    close(ev[0]!, (p * v) / (q - 1), 1e-12);
    close(ev[1]!, (p * (v + 3 * 40)) / (p * 3 + q - 1), 1e-12);
  });

  it('a bad spend row is a DataError naming the customer, the column and the value', async () => {
    const cases: [number, number, RegExp][] = [
      [1, 0, /customer 1 \(row 1\): monetary\[1\] = 0 must be a finite number > 0 for a repeat buyer/],
      [2, -4, /customer 1 \(row 1\): monetary\[1\] = -4 must be/],
      [2, Number.NaN, /monetary\[1\] = NaN must be/],
      [0.5, 3, /customer 1 \(row 1\): frequency\[1\] = 0.5 must be a whole number/],
    ];
    for (const [x, m, message] of cases) {
      const err = await new at.models.GammaGamma()
        .fit({ frequency: [2, x, 3, 1], monetary: [10, m, 5, 7] })
        .catch((e: Error) => e);
      expect(err, String(message)).toBeInstanceOf(at.DataError);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('progress per optimizer iteration, and an abort leaves the model as it was', async () => {
    const seen: number[] = [];
    const gg = await new at.models.GammaGamma().fit(history, { onProgress: (p) => seen.push(p.epoch) });
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    expect(seen.length).toBeGreaterThan(10);
    const before = { ...gg.params };
    const controller = new AbortController();
    controller.abort();
    await expect(gg.fit(history, { signal: controller.signal })).rejects.toThrow(/abort/i);
    const late = new AbortController();
    const run = gg.fit(
      { frequency: [2, 1, 3, 4], monetary: [10, 20, 5, 8] },
      { signal: late.signal, onProgress: (p) => p.epoch === 3 && late.abort() },
    );
    await expect(run).rejects.toThrow(/abort/i);
    expect(gg.params).toEqual(before);
  });

  it('discounted CLV: undiscounted equals expected purchases × expected value, discounting lowers it', async () => {
    const cv = await at.models.CustomerValue.fit(history);
    const plain = cv.forecast(history, { horizon: 26 });
    const disc = cv.forecast(history, { horizon: 26, discountRate: 0.01 });
    const purchases = cv.purchases.conditionalExpectedPurchases(26, history);
    for (let i = 0; i < 20; i++) {
      close(plain.lifetimeValue[i]!, purchases[i]! * plain.averageValue[i]!, 1e-9);
      expect(disc.lifetimeValue[i]!).toBeLessThan(plain.lifetimeValue[i]!);
      expect(disc.lifetimeValue[i]!).toBeGreaterThan(plain.lifetimeValue[i]! / 1.01 ** 26);
    }
    expect(() => cv.forecast(history, { horizon: 0 })).toThrow(/horizon/);
  });
});
