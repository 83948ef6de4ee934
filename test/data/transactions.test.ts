import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

const { summarizeTransactions, rfmFromTransactions, parseDate, parseCsvTable } = at.data;

// Customer a: 1997-01-01 (first), two purchases on 01-18 (merged), 08-02; holdout 1997-12-12.
// Customer b: one purchase in calibration, one in the holdout. c: first purchase after calibration.
const rows = [
  { customer: 'a', date: '19970101', value: 29.33 },
  { customer: 'a', date: '19970118', value: 10 },
  { customer: 'a', date: '19970802', value: 14.96 },
  { customer: 'b', date: '1997-03-05', value: 5 },
  { customer: 'a', date: '19970118', value: 19.73 },
  { customer: 'a', date: '19971212', value: 26.48 },
  { customer: 'b', date: '1998-01-07', value: 7 },
  { customer: 'c', date: '1997-11-01', value: 12 },
];

describe('summarizeTransactions', () => {
  it('builds frequency, recency, T and monetary in weeks, merging same-day purchases, in any row order', () => {
    const s = summarizeTransactions(rows, { calibrationEnd: '1997-09-30', observationEnd: '1998-06-30' });
    expect(s.customers).toEqual(['a', 'b']);
    expect(Array.from(s.frequency)).toEqual([2, 0]);
    expect(s.recency[0]).toBeCloseTo(213 / 7, 12);
    expect(s.recency[1]).toBe(0);
    expect(s.T[0]).toBeCloseTo(272 / 7, 12);
    expect(s.monetary[0]).toBeCloseTo((29.73 + 14.96) / 2, 12);
    expect(Array.from(s.holdoutFrequency)).toEqual([1, 1]);
    expect(s.holdoutMonetary[1]).toBe(7);
    expect(s.holdoutLength).toBe(39);
    expect(s.laterCustomers).toBe(1);
    expect(s.repeatTimes.length).toBe(4);
    expect(s.repeatTimes.filter((t) => t <= 0).length).toBe(2);
    const shuffled = summarizeTransactions([...rows].reverse(), {
      calibrationEnd: '1997-09-30',
      observationEnd: '1998-06-30',
    });
    expect(Array.from(shuffled.frequency).sort()).toEqual([0, 2]);
  });

  it('takes columns and CSV tables, and days as the unit', () => {
    const table = parseCsvTable('id,when,amount\nx,2024-01-01,10\nx,2024-01-11,20\ny,2024-01-05,5\n');
    const s = summarizeTransactions(table, {
      customer: 'id',
      date: 'when',
      value: 'amount',
      calibrationEnd: '2024-01-31',
      unit: 'day',
    });
    expect(Array.from(s.frequency)).toEqual([1, 0]);
    expect(Array.from(s.recency)).toEqual([10, 0]);
    expect(Array.from(s.T)).toEqual([30, 26]);
    expect(s.holdoutLength).toBe(0);
    const cols = summarizeTransactions(
      { customer: ['x', 'x'], date: [new Date('2024-01-01'), Date.UTC(2024, 0, 8)] },
      { calibrationEnd: '2024-01-15', value: null },
    );
    expect(Array.from(cols.frequency)).toEqual([1]);
    expect(cols.hasValue).toBe(false);
  });

  it('rejects unparseable dates, negative values and an empty calibration period with clear errors', () => {
    const end = { calibrationEnd: '1997-09-30' };
    expect(() => summarizeTransactions([{ customer: 'a', date: '1997-02-30', value: 1 }], end)).toThrow(
      /row 0: date "1997-02-30" is not a date/,
    );
    expect(() => summarizeTransactions([{ customer: 'a', date: 'yesterday', value: 1 }], end)).toThrow(at.DataError);
    expect(() => summarizeTransactions([{ customer: 'a', date: '19970101', value: -3 }], end)).toThrow(
      /value -3 is negative/,
    );
    expect(() => summarizeTransactions([{ customer: 'a', date: '19971001', value: 3 }], end)).toThrow(
      /calibration period .* holds no transactions/,
    );
    expect(() => summarizeTransactions(rows, { calibrationEnd: '1997-09-30', observationEnd: '1997-01-01' })).toThrow(
      /before calibrationEnd/,
    );
    expect(() => summarizeTransactions(rows, { calibrationEnd: 'soon' })).toThrow(/calibrationEnd must be a date/);
    expect(() => summarizeTransactions([], end)).toThrow(/empty/);
    const table = parseCsvTable('customer,date,value\na,20240101,1\nb,2024-13-01,2\n');
    expect(() => summarizeTransactions(table, end)).toThrow(/line 3: date "2024-13-01"/);
  });

  it('parseDate reads YYYYMMDD, ISO dates and times, Dates and epoch ms; NaN for the rest', () => {
    expect(parseDate('19970930')).toBe(Date.UTC(1997, 8, 30));
    expect(parseDate('1997-09-30')).toBe(Date.UTC(1997, 8, 30));
    expect(parseDate('1997-09-30T12:00:00Z')).toBe(Date.UTC(1997, 8, 30, 12));
    expect(parseDate(5)).toBe(5);
    expect(Number.isNaN(parseDate('30/09/1997'))).toBe(true);
    expect(Number.isNaN(parseDate(undefined))).toBe(true);
  });
});

describe('rfmFromTransactions', () => {
  it('gives the same RFM table as rfmFeatures on the parsed columns', () => {
    const table = parseCsvTable(
      'email,created_at,total\na@x.com,2024-01-01,10\nb@x.com,2024-01-05,5\na@x.com,2024-01-10,20\n',
    );
    const r = rfmFromTransactions(table, { customer: 'email', date: 'created_at', value: 'total', asOf: '2024-01-21' });
    expect(r.customers).toEqual(['a@x.com', 'b@x.com']);
    expect(Array.from(r.recency)).toEqual([11, 16]);
    expect(Array.from(r.monetary)).toEqual([30, 5]);
    expect(() => rfmFromTransactions(table, { customer: 'email', date: 'nope', value: 'total' })).toThrow(
      /no column named "nope"/,
    );
  });
});
