import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CsvParser, parseCsv, parseNumber, type CsvRecord } from '../../src/data/csv.js';
import { DataError, ValueError } from '../../src/core/errors.js';

const fields = (text: string, opts = {}) => parseCsv(text, opts).map((r) => r.fields);

describe('parseCsv', () => {
  it('handles quotes, escaped quotes, delimiters and newlines inside quotes, and CRLF', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n1,,3';
    const recs = parseCsv(text);
    expect(recs.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\nlines'],
      ['1', '', '3'],
    ]);
    expect(recs.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('skips blank lines but keeps a quoted empty field, strips a BOM, allows no final newline', () => {
    expect(fields('\uFEFFa\n\n""\nb\n')).toEqual([['a'], [''], ['b']]);
    expect(parseCsv('a\n\nb').map((r) => r.line)).toEqual([1, 3]);
  });

  it('supports multi-character delimiters and quote: false', () => {
    expect(fields('1::2::"3"\n', { delimiter: '::', quote: false })).toEqual([['1', '2', '"3"']]);
    expect(fields('a\tb', { delimiter: '\t' })).toEqual([['a', 'b']]);
    expect(fields('a:b::c', { delimiter: '::' })).toEqual([['a:b', 'c']]);
  });

  it('treats a quote inside an unquoted field as text', () => {
    expect(fields('ab"c,d')).toEqual([['ab"c', 'd']]);
  });

  it('reports structural errors with line numbers', () => {
    expect(() => parseCsv('a,b\n"open,c\nmore')).toThrow(/line 2: quoted field is not closed/);
    expect(() => parseCsv('a\n"x"y,z')).toThrow(DataError);
    expect(() => parseCsv('a\n"x"y,z')).toThrow(/line 2: unexpected "y"/);
    expect(() => parseCsv('a', { delimiter: '' })).toThrow(ValueError);
    expect(() => parseCsv('a', { quote: ',' })).toThrow(ValueError);
  });

  it('gives the same records however the text is chunked', () => {
    const cell = fc.oneof(fc.string(), fc.constantFrom('"', '""', ',', '\r\n', '\n', '::', 'x'));
    const table = fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(table, fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom(',', '::'), (rows, cuts, delimiter) => {
        const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
        const text = rows.map((r) => r.map(quote).join(delimiter)).join('\r\n');
        const whole = parseCsv(text, { delimiter });
        expect(whole.map((r) => r.fields)).toEqual(rows);
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const parser = new CsvParser({ delimiter });
        const got: CsvRecord[] = [];
        let prev = 0;
        for (const p of [...points, text.length]) {
          parser.push(text.slice(prev, p), (r) => got.push(r));
          prev = p;
        }
        parser.end((r) => got.push(r));
        expect(got).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseNumber', () => {
  it('accepts decimals and exponents, rejects what Number() quietly accepts', () => {
    expect(parseNumber(' 3.5 ')).toBe(3.5);
    expect(parseNumber('-1e3')).toBe(-1000);
    expect(parseNumber('.5')).toBe(0.5);
    for (const bad of ['', ' ', '0x10', 'NaN', 'Infinity', '1,5', 'abc']) expect(parseNumber(bad)).toBeNaN();
  });
});
