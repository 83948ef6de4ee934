import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

// The two CDNOW layouts as they are on disk: leading blanks, runs of spaces, CRLF line ends.
const MASTER =
  ' customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n 00002 19970112  5   77.00\r\n';
const SAMPLE =
  ' 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n 00021 0002 19970101  3   63.34\r\n';

describe('loadCdnow', () => {
  it('reads the master layout (header line from lifetimes) and the 5-column sample', async () => {
    const m = await at.data.loadCdnow({ text: MASTER });
    expect(m.layout).toBe('master');
    expect(m.customer).toEqual(['00001', '00002', '00002']);
    expect(m.time).toEqual([Date.UTC(1997, 0, 1), Date.UTC(1997, 0, 12), Date.UTC(1997, 0, 12)]);
    expect(Array.from(m.quantity)).toEqual([1, 1, 5]);
    expect(Array.from(m.amount)).toEqual([11.77, 12, 77]);
    const s = await at.data.loadCdnow({ text: SAMPLE });
    expect(s.layout).toBe('sample');
    expect(s.customer).toEqual(['00004', '00004', '00021']);
    expect(Array.from(s.amount)).toEqual([29.33, 29.73, 63.34]);
  });

  it('feeds rfmFeatures and summarizeTransactions directly', async () => {
    const log = await at.data.loadCdnow({ text: SAMPLE });
    expect(at.data.rfmFeatures(log).customers).toEqual(['00004', '00021']);
    const s = at.data.summarizeTransactions(log, { date: 'time', value: 'amount', calibrationEnd: '1997-09-30' });
    expect(Array.from(s.frequency)).toEqual([1, 0]);
  });

  it('names the lines of bad dates and values, and rejects other layouts', async () => {
    await expect(at.data.loadCdnow({ text: ' 1 19970101 1 2\n 2 1997013 1 x\n' })).rejects.toThrow(
      /line 2: date "1997013".*\n.*line 2: dollar value "x"/,
    );
    await expect(at.data.loadCdnow({ text: ' 1 19970101 1 -2\n' })).rejects.toThrow(/dollar value "-2"/);
    await expect(at.data.loadCdnow({ text: 'a b c\n' })).rejects.toThrow(/expected 4 columns/);
  });
});
