import { describe, it, expect } from 'vitest';
import { parseInteractionsCsv, readInteractionsCsv } from '../../src/data/interactions-csv.js';
import { DataError, ValueError } from '../../src/core/errors.js';

describe('parseInteractionsCsv', () => {
  const text = 'customer,sku,qty,ts\nc1,s1,2,100\nc2,s1,1,50\nc1,s2,5,70\n';

  it('reads columns by name or index', () => {
    const d = parseInteractionsCsv(text, { user: 'customer', item: 1, value: 'qty', time: 'ts' });
    expect(d.length).toBe(3);
    expect(d.userIds.ids()).toEqual(['c1', 'c2']);
    expect(Array.from(d.values)).toEqual([2, 1, 5]);
    expect(Array.from(d.times!)).toEqual([100, 50, 70]);
    const noHeader = parseInteractionsCsv('1\t9\n2\t9\n', {
      user: 0,
      item: 1,
      delimiter: '\t',
      header: false,
      ids: 'number',
    });
    expect(noHeader.userIds.ids()).toEqual([1, 2]);
    expect(Array.from(noHeader.values)).toEqual([1, 1]);
  });

  it('reports every malformed row with its line in one DataError', () => {
    const bad = 'u,i,r\na,x,4\nb,y\nc,z,abc\n,w,3\nd,v,NaN\ne,u,1,extra\n';
    let message = '';
    try {
      parseInteractionsCsv(bad, { user: 'u', item: 'i', value: 'r' });
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      message = (e as Error).message;
    }
    expect(message).toContain('5 malformed row(s)');
    expect(message).toContain('line 3: expected 3 columns, found 2');
    expect(message).toContain('line 4: value "abc" is not a finite number');
    expect(message).toContain('line 5: user id is empty');
    expect(message).toContain('line 6: value "NaN" is not a finite number');
    expect(message).toContain('line 7: expected 3 columns, found 4');
  });

  it('names duplicate pairs by line and merges them on request', () => {
    const dup = 'u,i,r\na,x,4\nb,x,3\na,x,2\n';
    expect(() => parseInteractionsCsv(dup, { user: 'u', item: 'i', value: 'r' })).toThrow(
      /\(user "a", item "x"\) at line 2 and line 4/,
    );
    const mean = parseInteractionsCsv(dup, { user: 'u', item: 'i', value: 'r', duplicates: 'mean' });
    expect(Array.from(mean.values)).toEqual([3, 3]);
  });

  it('refuses bad column options and empty data', () => {
    expect(() => parseInteractionsCsv(text, { user: 'nobody', item: 'sku' })).toThrow(
      /options.user: no column named "nobody"/,
    );
    expect(() => parseInteractionsCsv(text, { user: 0, item: 9 })).toThrow(
      /options.item must be a column index in \[0, 4\)/,
    );
    expect(() => parseInteractionsCsv('1,2', { user: 'a', item: 1, header: false })).toThrow(ValueError);
    expect(() => parseInteractionsCsv('u,i\n', { user: 'u', item: 'i' })).toThrow(/no data rows/);
    expect(() => parseInteractionsCsv('', { user: 0, item: 1 })).toThrow(DataError);
  });

  it('parses non-numeric times with parseTime', () => {
    const d = parseInteractionsCsv('u,i,t\na,x,2024-01-02\nb,x,5\n', {
      user: 'u',
      item: 'i',
      time: 't',
      parseTime: (s) => Date.parse(s),
    });
    expect(d.times![0]).toBe(Date.parse('2024-01-02'));
    expect(d.times![1]).toBe(5);
    expect(() =>
      parseInteractionsCsv('u,i,t\na,x,soon\n', { user: 'u', item: 'i', time: 't', parseTime: (s) => Date.parse(s) }),
    ).toThrow(/line 2: time "soon"/);
  });

  it('streams from an async iterable', async () => {
    async function* chunks() {
      yield 'u,i\na,';
      yield 'x\nb,y\n';
    }
    const d = await readInteractionsCsv(chunks(), { user: 'u', item: 'i' });
    expect(d.itemIds.ids()).toEqual(['x', 'y']);
  });
});
