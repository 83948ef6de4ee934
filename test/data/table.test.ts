import { afterAll, describe, it, expect } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsvTable, readCsvTable } from '../../src/data/table.js';
import { DataError, ValueError } from '../../src/core/errors.js';

const temps: string[] = [];
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

const telcoLike = 'id,tenure,TotalCharges,Churn\nA,1,29.85,No\nB,34," ",Yes\nC,2,108.15,Yes\n';

describe('CsvTable', () => {
  it('holds string columns with source lines', () => {
    const t = parseCsvTable(telcoLike);
    expect(t.header).toEqual(['id', 'tenure', 'TotalCharges', 'Churn']);
    expect(t.rowCount).toBe(3);
    expect(t.column('Churn')).toEqual(['No', 'Yes', 'Yes']);
    expect(t.column(0)).toEqual(['A', 'B', 'C']);
    expect(Array.from(t.lines)).toEqual([2, 3, 4]);
    expect(() => t.column('nope')).toThrow(/no column named "nope"/);
  });

  it('parses numeric columns, with missing cells as an error or NaN', () => {
    const t = parseCsvTable(telcoLike);
    expect(Array.from(t.numbers('tenure'))).toEqual([1, 34, 2]);
    expect(() => t.numbers('TotalCharges')).toThrow(/line 3: " " is not a number/);
    const tc = t.numbers('TotalCharges', { missing: 'nan' });
    expect(tc[1]).toBeNaN();
    expect(() => t.numbers('id', { missing: 'nan' })).toThrow(/3 malformed row\(s\)/);
  });

  it('collects every malformed row in one error, up to maxErrors', () => {
    const text = 'a,b\n1,2\n3\n4,5,6\n7,8\n9\n';
    expect(() => parseCsvTable(text)).toThrow(
      /3 malformed row\(s\):\n {2}line 3: expected 2 columns, found 1\n {2}line 4: expected 2 columns, found 3\n {2}line 6/,
    );
    expect(() => parseCsvTable(text, { maxErrors: 1 })).toThrow(/and 2 more/);
  });

  it('handles header: false, empty input, header-only input and duplicate names', () => {
    const t = parseCsvTable('1,2\n3,4', { header: false });
    expect(t.header).toEqual(['0', '1']);
    expect(t.column(1)).toEqual(['2', '4']);
    expect(() => parseCsvTable('')).toThrow(DataError);
    expect(parseCsvTable('a,b\n').rowCount).toBe(0);
    expect(() => parseCsvTable('a,a\n1,2')).toThrow(/"a" more than once/);
    expect(() => parseCsvTable('a', { maxErrors: 0 })).toThrow(ValueError);
  });

  it('reads from a path, { text }, an async iterable of bytes and a ReadableStream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attune-table-'));
    temps.push(dir);
    const path = join(dir, 't.csv');
    await writeFile(path, telcoLike);
    const bytes = new TextEncoder().encode(telcoLike);
    async function* split() {
      // Cut inside a multi-byte character to check streaming decoding.
      yield bytes.subarray(0, 5);
      yield bytes.subarray(5);
    }
    const stream = new ReadableStream<string>({
      start(c) {
        c.enqueue(telcoLike.slice(0, 20));
        c.enqueue(telcoLike.slice(20));
        c.close();
      },
    });
    for (const src of [path, new URL(`file://${path}`), { text: telcoLike }, split(), stream]) {
      const t = await readCsvTable(src);
      expect(t.column('id')).toEqual(['A', 'B', 'C']);
    }
    await expect(readCsvTable(join(dir, 'missing.csv'))).rejects.toThrow(/readCsvTable: cannot open/);
    await expect(readCsvTable(42 as never)).rejects.toThrow(ValueError);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('name\nZoë\n');
    async function* oneByte() {
      for (const b of bytes) yield new Uint8Array([b]);
    }
    expect((await readCsvTable(oneByte())).column('name')).toEqual(['Zoë']);
  });
});
