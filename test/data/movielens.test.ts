import { afterAll, describe, it, expect } from 'vitest';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectMovieLensFormat, loadMovieLens, parseMovieLens } from '../../src/data/movielens.js';
import { DataError, ValueError } from '../../src/core/errors.js';

const temps: string[] = [];
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

const udata = '196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t377\t1\t878887116\n';
const dat = '1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n';
const csv = 'userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n7,31,4.5,1260759185\n';

describe('MovieLens', () => {
  it('detects the layout from the first line', () => {
    expect(detectMovieLensFormat('1\t2\t3\t4')).toBe('u.data');
    expect(detectMovieLensFormat('1::2::3::4')).toBe('ratings.dat');
    expect(detectMovieLensFormat('userId,movieId,rating,timestamp')).toBe('ratings.csv');
    expect(() => detectMovieLensFormat('1 2 3 4')).toThrow(DataError);
  });

  it('parses all three layouts with numeric ids, ratings and times', () => {
    const a = parseMovieLens(udata);
    expect([a.length, a.numUsers, a.numItems]).toEqual([3, 2, 3]);
    expect(a.userIds.ids()).toEqual([196, 186]);
    expect(Array.from(a.values)).toEqual([3, 3, 1]);
    expect(a.times![2]).toBe(878887116);
    const b = parseMovieLens(dat);
    expect([b.length, b.numUsers, b.numItems]).toEqual([3, 2, 2]);
    const c = parseMovieLens(csv);
    expect(Array.from(c.values)).toEqual([2.5, 3, 4.5]);
    expect(c.itemIds.ids()).toEqual([31, 1029]);
    expect(() => parseMovieLens(udata, { format: 'x' as never })).toThrow(ValueError);
  });

  it('loads files and folders from disk, by content rather than name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attune-ml-'));
    temps.push(dir);
    await writeFile(join(dir, 'u.data'), udata);
    await writeFile(join(dir, 'ratings.PARTIAL.dat'), dat);
    await writeFile(join(dir, 'renamed.txt'), csv);
    expect((await loadMovieLens(join(dir, 'u.data'))).length).toBe(3);
    expect((await loadMovieLens(join(dir, 'ratings.PARTIAL.dat'))).numUsers).toBe(2);
    expect((await loadMovieLens(join(dir, 'renamed.txt'))).values[2]).toBe(4.5);
    expect((await loadMovieLens(dir)).userIds.ids()).toEqual([196, 186]);
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(loadMovieLens(empty)).rejects.toThrow(/without any of u.data/);
    await writeFile(join(dir, 'blank.dat'), '');
    await expect(loadMovieLens(join(dir, 'blank.dat'))).rejects.toThrow(/is empty/);
  });

  it('reports bad lines with their numbers', () => {
    expect(() => parseMovieLens('1\t2\t3\t4\n1\t3\tfive\t5\n')).toThrow(/line 2: value "five"/);
  });
});
