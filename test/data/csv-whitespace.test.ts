import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

const { parseCsv, CsvParser, parseCsvTable } = at.data;
const fields = (text: string) => parseCsv(text, { delimiter: 'whitespace' }).map((r) => r.fields);

describe("CSV delimiter: 'whitespace'", () => {
  it('splits on runs of spaces and tabs, ignoring them at line starts and ends and on blank lines', () => {
    expect(fields(' 00004 0001 19970101  2   29.33\r\n\t a\tb  \n   \n"x y"  z\n')).toEqual([
      ['00004', '0001', '19970101', '2', '29.33'],
      ['a', 'b'],
      ['x y', 'z'],
    ]);
    expect(fields('a b   ')).toEqual([['a', 'b']]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = ' 001  19970101  1   11.77\r\n 002 19970112  1   12.00  \r\n';
    const whole = fields(text);
    for (let cut = 0; cut <= text.length; cut++) {
      const out: string[][] = [];
      const p = new CsvParser({ delimiter: 'whitespace' });
      const emit = (r: { fields: string[] }) => void out.push(r.fields);
      p.push(text.slice(0, cut), emit);
      p.push(text.slice(cut), emit);
      p.end(emit);
      expect(out).toEqual(whole);
    }
  });

  it('readCsvTable and parseCsvTable take it (where a literal space fails on repeated spaces)', async () => {
    const text = ' 00001 19970101  1   11.77\n 00002 19970112  1   12.00\n';
    const t = parseCsvTable(text, { delimiter: 'whitespace', header: false });
    expect(t.header.length).toBe(4);
    expect(Array.from(t.numbers(3))).toEqual([11.77, 12]);
    const r = await at.data.readCsvTable({ text }, { delimiter: 'whitespace', header: false });
    expect(r.column(0)).toEqual(['00001', '00002']);
    expect(() =>
      parseCsvTable(' 00001 19970101  1   11.77\n 00002 19970112 1 12.00\n', { delimiter: ' ', header: false }),
    ).toThrow(at.DataError);
  });
});
