import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/recommend.js';

describe('examples/recommend', () => {
  it('fits MF on the synthetic shop ratings: beats the global mean, top-K, similar items, a folded-in user, a hybrid', async () => {
    const lines: string[] = [];
    const r = await main({ customers: 800, epochs: 30, k: 5, log: (l) => lines.push(l) });
    // The new user's top-K leaves out the items they rated, and the hybrid ranks the whole
    // catalogue, unrated items included.
    expect(r.newUser.top).toHaveLength(5);
    const rated = new Set(r.similar.slice(0, r.newUser.rated).map((s) => s.item));
    expect(r.newUser.top.some((t) => rated.has(t.item))).toBe(false);
    expect(r.hybrid?.top).toHaveLength(5);
    expect(r.source).toMatch(/synthetic shop/);
    expect(r.ratings).toBeGreaterThan(1000);
    expect(r.rmse).toBeLessThan(r.baselineRmse);
    expect(r.top).toHaveLength(5);
    expect(new Set(r.top.map((t) => t.item)).size).toBe(5);
    expect(r.similar).toHaveLength(5);
    expect(r.similar.map((s) => s.item)).not.toContain(r.item);
    expect(lines.join('\n')).toMatch(/test RMSE \d\.\d{4} \(global mean/);
  });

  it('reads a MovieLens u.data file with titles from the u.item beside it', async () => {
    // A small MovieLens-format folder written here: tests never read ../shared/datasets.
    const dir = mkdtempSync(join(tmpdir(), 'attune-ml-'));
    const lines: string[] = [];
    let s = 1;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
    for (let u = 1; u <= 60; u++)
      for (let i = 1; i <= 40; i++)
        if (rnd() < 0.5) lines.push(`${u}\t${i}\t${1 + Math.floor(rnd() * 5)}\t${880000000 + u * 100 + i}`);
    writeFileSync(join(dir, 'u.data'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'u.item'),
      Array.from(
        { length: 40 },
        (_, i) => `${i + 1}|Movie ${i + 1} (1995)|01-Jan-1995||http://x|0|${i % 2}|${(i + 1) % 2}`,
      ).join('\n'),
    );
    const r = await main({ path: dir, epochs: 5, k: 5, log: () => {} });
    expect(r.ratings).toBe(lines.length);
    expect(r.users).toBe(60);
    expect(r.similar[0]!.title).toMatch(/^Movie \d+ \(1995\)$/);
    expect(r.hybrid?.top[0]?.title).toMatch(/^Movie \d+ \(1995\)$/); // genres from u.item
    rmSync(dir, { recursive: true, force: true });
  });
});
