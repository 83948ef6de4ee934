import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

const { rfmFeatures, quintileScores, rfmSegmentName } = at.data;
const day = (d: string): number => Date.parse(`${d}T00:00:00Z`);

describe('rfmFeatures', () => {
  const log = {
    customer: ['a', 'b', 'a', 'c', 'b', 'a'],
    time: [
      day('2024-01-01'),
      day('2024-01-05'),
      day('2024-01-10'),
      day('2024-01-02'),
      day('2024-01-05'),
      new Date('2024-01-20T00:00:00Z'),
    ],
    amount: [10, 5, 20, 100, 7, 30],
  };

  it('computes recency (days), frequency, monetary and tenure per customer in first-seen order', () => {
    const r = rfmFeatures(log, { asOf: day('2024-01-21') });
    expect(r.customers).toEqual(['a', 'b', 'c']);
    expect(Array.from(r.recency)).toEqual([1, 16, 19]);
    expect(Array.from(r.frequency)).toEqual([3, 2, 1]);
    expect(Array.from(r.monetary)).toEqual([60, 12, 100]);
    expect(Array.from(r.tenure)).toEqual([20, 16, 19]);
    expect(r.asOf).toBe(day('2024-01-21'));
  });

  it('defaults asOf to one day after the last transaction; frequency by days and mean monetary', () => {
    const r = rfmFeatures(log, { frequency: 'days', monetary: 'mean' });
    expect(r.asOf).toBe(day('2024-01-21'));
    expect(Array.from(r.frequency)).toEqual([3, 1, 1]);
    expect(Array.from(r.monetary)).toEqual([20, 6, 100]);
  });

  it('accepts rows and gives quintile scores, RFM strings and named segments', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({
      customer: i,
      time: day('2024-01-01') + i * 86_400_000,
      amount: i + 1,
    }));
    const r = rfmFeatures(rows);
    expect(Array.from(r.rScore)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(Array.from(r.mScore)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    // Every customer bought once: they tie, so they share the middle F score.
    expect(new Set(r.fScore)).toEqual(new Set([3]));
    expect(r.rfmScore[9]).toBe('535');
    expect(r.segment[9]).toBe('potential loyalists');
    expect(r.segment[0]).toBe('at risk');
  });

  it('matrix(): raw, log1p and standardized (mean 0, sd 1) columns', () => {
    const r = rfmFeatures(log, { asOf: day('2024-01-21') });
    const raw = r.matrix('raw');
    expect(raw.cols).toBe(3);
    expect(Array.from(raw.data.subarray(0, 3))).toEqual([1, 3, 60]);
    expect(r.matrix('log').data[0]).toBeCloseTo(Math.log(2), 12);
    const z = r.matrix().data;
    for (let f = 0; f < 3; f++) {
      const col = [z[f]!, z[3 + f]!, z[6 + f]!];
      const mean = col.reduce((s, v) => s + v, 0) / 3;
      const sd = Math.sqrt(col.reduce((s, v) => s + (v - mean) ** 2, 0) / 3);
      expect(mean).toBeCloseTo(0, 12);
      expect(sd).toBeCloseTo(1, 12);
    }
  });

  it('rejects bad input with errors that name the argument', () => {
    expect(() => rfmFeatures({ customer: ['a'], time: [1, 2], amount: [1] })).toThrow(/same length; got 1, 2 and 1/);
    expect(() => rfmFeatures({ customer: ['a'], time: [1], amount: [Number.NaN] })).toThrow(
      /amount\[0\] must be a finite number/,
    );
    expect(() => rfmFeatures({ customer: ['a'], time: [Number.NaN], amount: [1] })).toThrow(/time\[0\]/);
    expect(() => rfmFeatures({ customer: [], time: [], amount: [] })).toThrow(/empty/);
    expect(() => rfmFeatures(log, { asOf: day('2024-01-10') })).toThrow(/before the last transaction/);
    expect(() => rfmFeatures(log, { frequency: 'visits' as never })).toThrow(/frequency must be/);
  });
});

describe('quintileScores and rfmSegmentName', () => {
  it('ties share a score; reverse flips', () => {
    expect(Array.from(quintileScores([1, 2, 3, 4, 5]))).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(quintileScores([1, 2, 3, 4, 5], true))).toEqual([5, 4, 3, 2, 1]);
    expect(Array.from(quintileScores([7, 7, 7, 7]))).toEqual([3, 3, 3, 3]);
  });

  it('covers the 25 R×F cells with the classic names', () => {
    expect(rfmSegmentName(5, 5)).toBe('champions');
    expect(rfmSegmentName(1, 1)).toBe('hibernating');
    expect(rfmSegmentName(2, 3)).toBe('at risk');
    expect(rfmSegmentName(1, 5)).toBe("can't lose");
    expect(rfmSegmentName(5, 1)).toBe('new customers');
    expect(rfmSegmentName(4, 1)).toBe('promising');
    expect(rfmSegmentName(3, 3)).toBe('need attention');
    expect(rfmSegmentName(3, 1)).toBe('about to sleep');
    expect(rfmSegmentName(4, 4)).toBe('loyal customers');
    expect(rfmSegmentName(4.6, 2.4)).toBe('potential loyalists');
  });
});
