/** A point estimate with a percentile bootstrap interval. */
export interface Interval {
  value: number;
  lo: number;
  hi: number;
}

/**
 * The percentile interval of bootstrap draws around a point value: the (1 − confidence)/2 and
 * (1 + confidence)/2 quantiles (nearest rank). NaN bounds when the value is NaN or there are no
 * draws, so a missing interval is never mistaken for a tight one.
 */
export function percentileInterval(value: number, draws: readonly number[], confidence: number): Interval {
  if (Number.isNaN(value) || draws.length === 0) return { value, lo: Number.NaN, hi: Number.NaN };
  const s = [...draws].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(f * (s.length - 1))))]!;
  return { value, lo: q((1 - confidence) / 2), hi: q(1 - (1 - confidence) / 2) };
}
