import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { Rng } from '../../src/core/random.js';

interface User {
  channel: string;
  converted: number;
}

/** Four channels converting at 10%, except 'email' at 4%: the one slice that is worse. */
function users(seed: number): User[] {
  const rng = new Rng(seed);
  const rates: Record<string, number> = { web: 0.1, app: 0.1, store: 0.1, email: 0.04 };
  return Object.entries(rates).flatMap(([channel, p]) =>
    Array.from({ length: 800 }, () => ({ channel, converted: rng.float() < p ? 1 : 0 })),
  );
}
const rate = (rows: readonly User[]) => rows.reduce((s, r) => s + r.converted, 0) / rows.length;

describe('sliceMetrics', () => {
  it('flags only the planted worse segment, with intervals around each value', () => {
    const rep = at.metrics.sliceMetrics(rate, users(1), 'channel', { resamples: 300, seed: 2 });
    expect(rep.slices.map((s) => s.segment)).toEqual(['app', 'email', 'store', 'web']);
    const worse = rep.slices.filter((s) => s.worse).map((s) => s.segment);
    expect(worse).toEqual(['email']);
    for (const s of rep.slices) {
      expect(s.interval[0]).toBeLessThanOrEqual(s.value);
      expect(s.interval[1]).toBeGreaterThanOrEqual(s.value);
      expect(s.n).toBe(800);
    }
    expect(rep.overall.n).toBe(3200);
    expect(rep.summary()).toMatch(/email: .* <- significantly worse/);
  });

  it('respects higherIsBetter: false (a lower metric is better)', () => {
    const rep = at.metrics.sliceMetrics(rate, users(1), (u) => u.channel, {
      resamples: 300,
      seed: 2,
      higherIsBetter: false,
    });
    expect(rep.slices.filter((s) => s.worse).map((s) => s.segment)).not.toContain('email');
  });

  it('is reproducible with a seed and errors clearly', () => {
    const a = at.metrics.sliceMetrics(rate, users(3), 'channel', { resamples: 100, seed: 5 });
    const b = at.metrics.sliceMetrics(rate, users(3), 'channel', { resamples: 100, seed: 5 });
    expect(a.slices.map((s) => s.interval)).toEqual(b.slices.map((s) => s.interval));
    expect(() => at.metrics.sliceMetrics(rate, [], 'channel')).toThrow(/data is empty/);
    expect(() => at.metrics.sliceMetrics(() => Number.NaN, users(3), 'channel')).toThrow(/the metric gave NaN/);
    expect(() => at.metrics.sliceMetrics(rate, [{ converted: 1 } as User], 'channel')).toThrow(/has no segment/);
  });
});
