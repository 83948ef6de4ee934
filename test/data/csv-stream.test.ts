import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

const csv =
  'user,amount,note,item\r\nu1,1.5,"a, quoted",7\r\nu2,2,plain,007\r\nu3,-3e2,"multi\nline",8\r\nu1,4,x,9\r\n';

/** The text in awkward pieces: split inside a quoted field and inside a CRLF, as bytes. */
async function* bytePieces(text: string, size: number) {
  const bytes = new TextEncoder().encode(text);
  for (let s = 0; s < bytes.length; s += size) yield bytes.subarray(s, s + size);
}

const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('readCsvStream', () => {
  it('yields the requested columns in batches, from text or from bytes in any pieces', async () => {
    const columns = { amount: 'number', user: 'id', note: 'string', item: 'numeric-id' } as const;
    for (const source of [{ text: csv }, bytePieces(csv, 3), bytePieces(csv, 1)]) {
      const batches = await collect(at.data.readCsvStream(source, { columns, batchRows: 3 }));
      expect(batches.map((b) => b.rows)).toEqual([3, 1]);
      expect(batches.map((b) => b.line)).toEqual([2, 6]);
      expect(Array.from(batches[0]!.columns.amount)).toEqual([1.5, 2, -300]);
      expect(batches[0]!.columns.amount).toBeInstanceOf(Float64Array);
      expect(batches[0]!.columns.user).toEqual(['u1', 'u2', 'u3']);
      expect(batches[0]!.columns.note).toEqual(['a, quoted', 'plain', 'multi\nline']);
      // numeric ids: '007' and '7' are one id.
      expect(batches[0]!.columns.item).toEqual([7, 7, 8]);
      expect(batches[1]!.columns.user).toEqual(['u1']);
    }
  });

  it('names a missing column, a mistyped field (line, column, text), a short row and an empty input', async () => {
    const read = (text: string, columns: Record<string, at.data.CsvColumnKind>) =>
      collect(at.data.readCsvStream({ text }, { columns }));
    await expect(read(csv, { user: 'id', price: 'number' })).rejects.toThrow(
      /column 'price' is not in the header \(line 1\); the header holds \["user","amount","note","item"\]/,
    );
    await expect(read('user,amount\nu1,3\nu2,abc\n', { amount: 'number' })).rejects.toThrow(
      /line 3, column 'amount': "abc" is not a finite number/,
    );
    await expect(read('user,item\nu1,x\n', { item: 'numeric-id' })).rejects.toThrow(
      /line 2, column 'item': "x" is not a numeric id/,
    );
    await expect(read('user,item\n,5\n', { user: 'id' })).rejects.toThrow(/line 2, column 'user': the id is empty/);
    await expect(read('user,amount\nu1\n', { amount: 'number' })).rejects.toThrow(
      /line 2 has 1 fields; the header has 2/,
    );
    await expect(read('', { amount: 'number' })).rejects.toThrow(/empty; expected a header/);
    await expect(read(csv, { user: 'date' as never })).rejects.toThrow(/column 'user' has kind "date"/);
    await expect(
      collect(at.data.readCsvStream({ text: csv }, { columns: { user: 'id' }, batchRows: 0 })),
    ).rejects.toThrow(/batchRows must be a positive integer/);
  });

  it('reads interactions as the in-memory CSV reader does, and turns number columns into matrices', async () => {
    const text = 'u,i,r\na,x,5\nb,y,3\na,y,1\n';
    const chunks = await collect(
      at.data.readInteractionsCsvStream({ text }, { user: 'u', item: 'i', value: 'r' }, { batchRows: 2 }),
    );
    expect(chunks.map((c) => Array.from(c.values!))).toEqual([[5, 3], [1]]);
    expect(chunks.flatMap((c) => c.users as string[])).toEqual(['a', 'b', 'a']);
    const mem = await at.data.readInteractionsCsv({ text }, { user: 'u', item: 'i', value: 'r' });
    expect(mem.userIds.toJSON().ids).toEqual(['a', 'b']);
    const m = await collect(
      at.data.featureChunks(
        at.data.readCsvStream(
          { text: 'a,b,y\n1,2,0\n3,4,1\n' },
          { columns: { a: 'number', b: 'number', y: 'number' } },
        ),
        ['b', 'a'],
        'y',
      ),
    );
    expect(Array.from(m[0]!.X.data)).toEqual([2, 1, 4, 3]);
    expect(Array.from(m[0]!.y)).toEqual([0, 1]);
    await expect(
      collect(
        at.data.featureChunks(at.data.readCsvStream({ text: 'a,b\n1,x\n' }, { columns: { a: 'number', b: 'id' } }), [
          'a',
          'b',
        ]),
      ),
    ).rejects.toThrow(/column 'b' must be read as 'number'/);
    await expect(
      collect(
        at.data.featureChunks(at.data.readCsvStream({ text: 'a\n1\n' }, { columns: { a: 'number' } }), ['a', 'c']),
      ),
    ).rejects.toThrow(/no column 'c'/);
  });
});
