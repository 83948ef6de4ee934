import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { Rng } from '../../src/core/random.js';

const ex = at.experiments;

/**
 * A/B tests of a 10% conversion rate, 200 users per arm per day for 30 days, read every day.
 * `lift` is the treatment's true absolute change (0 for A/A). Returns the share of simulated
 * experiments each method ever called significant at alpha = 0.05, and how often the mSPRT's
 * confidence sequence missed the true effect at some look.
 */
function simulate(sims: number, lift: number, seed: number) {
  const rng = new Rng(seed);
  let naive = 0;
  let fixed = 0;
  let seq = 0;
  let missed = 0;
  for (let s = 0; s < sims; s++) {
    const c = { successes: 0, trials: 0 };
    const t = { successes: 0, trials: 0 };
    const test = new ex.SequentialTest({ tau: 0.02, alpha: 0.05 });
    let naiveHit = false;
    let seqHit = false;
    let miss = false;
    for (let day = 0; day < 30; day++) {
      for (let u = 0; u < 200; u++) {
        c.successes += rng.float() < 0.1 ? 1 : 0;
        t.successes += rng.float() < 0.1 + lift ? 1 : 0;
      }
      c.trials += 200;
      t.trials += 200;
      if (ex.twoProportionTest(c, t).pValue < 0.05) naiveHit = true;
      const r = test.look(c, t);
      if (r.pValue < 0.05) seqHit = true;
      if (lift < r.interval[0] || lift > r.interval[1]) miss = true;
    }
    if (ex.twoProportionTest(c, t).pValue < 0.05) fixed++;
    naive += naiveHit ? 1 : 0;
    seq += seqHit ? 1 : 0;
    missed += miss ? 1 : 0;
  }
  return { naive: naive / sims, fixed: fixed / sims, sequential: seq / sims, csMiss: missed / sims };
}

describe('mSPRT under daily peeking', () => {
  it('keeps the false-positive rate at alpha where naive daily z-tests exceed it (A/A, 1000 experiments x 30 looks)', () => {
    const r = simulate(1000, 0, 1);
    console.info(`A/A daily peeking, 1000 experiments x 30 looks, alpha 0.05: ${JSON.stringify(r)}`);
    expect(r.naive).toBeGreaterThan(0.12); // peeking inflates the error well past 5%
    expect(r.fixed).toBeLessThan(0.075); // one look at the end is fine (binomial noise around 5%)
    expect(r.sequential).toBeLessThanOrEqual(0.05);
    expect(r.csMiss).toBeLessThanOrEqual(0.05); // the confidence sequence covers 0 at every look
  });

  it('still detects a real lift (10% -> 13%) and its confidence sequence covers it', () => {
    const r = simulate(200, 0.03, 2);
    console.info(`lift 0.03, 200 experiments x 30 looks: ${JSON.stringify(r)}`);
    expect(r.sequential).toBeGreaterThan(0.8);
    expect(r.csMiss).toBeLessThanOrEqual(0.05);
  });

  it('p-values only fall and intervals only shrink across looks', () => {
    const test = new ex.SequentialTest({ tau: 0.05 });
    let last = test.look({ successes: 10, trials: 100 }, { successes: 12, trials: 100 });
    for (const [c, t] of [
      [25, 40],
      [30, 70],
      [55, 70],
    ] as const) {
      const r = test.look({ successes: c, trials: 200 }, { successes: t, trials: 200 });
      expect(r.pValue).toBeLessThanOrEqual(last.pValue);
      expect(r.interval[0]).toBeGreaterThanOrEqual(last.interval[0]);
      expect(r.interval[1]).toBeLessThanOrEqual(last.interval[1]);
      last = r;
    }
    expect(test.lookCount).toBe(4);
    expect(last.summary()).toMatch(/mSPRT .* look 4/);
  });

  it('matches the closed form of the mixture likelihood ratio', () => {
    // d = 0.02, v = 1e-4, tau = 0.01: Λ = sqrt(v/(v+τ²)) exp(τ² d² / (2 v (v + τ²))).
    const r = new ex.SequentialTest({ tau: 0.01 }).lookAt(0.02, 1e-4);
    const want = Math.sqrt(0.5) * Math.exp((1e-4 * 4e-4) / (2 * 1e-4 * 2e-4));
    expect(r.likelihoodRatio).toBeCloseTo(want, 12);
    expect(r.pValue).toBeCloseTo(1 / want, 12);
  });

  it("O'Brien-Fleming spending spends almost nothing early and all of alpha at the end", () => {
    expect(ex.obrienFlemingSpending(1, 0.05)).toBeCloseTo(0.05, 12);
    expect(ex.obrienFlemingSpending(0.25, 0.05)).toBeLessThan(1e-4);
    expect(ex.obrienFlemingSpending(0.5, 0.05)).toBeCloseTo(0.005574596, 8); // 2 - 2Φ(1.959964·√2)
  });
});
