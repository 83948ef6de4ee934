import { describe, expect, it } from 'vitest';
import { DataError, ValueError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { ItemKNN, type SessionRow } from '../../src/models/itemknn.js';

// Planted: 5 categories of 12 items (item i is in category i % 5); each anonymous session views
// 4-7 items of one category, with a 10% chance per view of a stray item.
function sessions(n: number): SessionRow[] {
  const rng = new Rng(3);
  const rows: SessionRow[] = [];
  for (let s = 0; s < n; s++) {
    const cat = rng.int(5);
    const len = 4 + rng.int(4);
    for (let t = 0; t < len; t++) {
      const item = rng.float() < 0.1 ? rng.int(60) : cat + 5 * rng.int(12);
      rows.push({ session: `s${s}`, item: `p${item}`, time: 1000 * s + t });
    }
  }
  return rows;
}
const cat = (id: unknown) => Number(String(id).slice(1)) % 5;

describe('ItemKNN on anonymous sessions', () => {
  it('recommends items of the category the session browses', async () => {
    const m = await new ItemKNN({ neighbors: 20 }).fitSessions(sessions(400));
    for (let c = 0; c < 5; c++) {
      const recs = m.recommendForSession([`p${c}`, `p${c + 5}`], { k: 5 });
      expect(recs).toHaveLength(5);
      expect(recs.filter((r) => cat(r.item) === c).length).toBeGreaterThanOrEqual(4);
      expect(recs.map((r) => r.item)).not.toContain(`p${c}`);
    }
  });

  it('recency weighs the latest events: a session that moved on follows the last category', async () => {
    const m = await new ItemKNN({ neighbors: 20 }).fitSessions(sessions(400));
    const moved = ['p1', 'p6', 'p11', 'p2']; // three views of category 1, then one of category 2
    const flat = m.recommendForSession(moved, { k: 5 });
    const recent = m.recommendForSession(moved, { k: 5, recency: 0.1 });
    expect(flat.filter((r) => cat(r.item) === 1).length).toBeGreaterThanOrEqual(4);
    expect(recent.filter((r) => cat(r.item) === 2).length).toBeGreaterThanOrEqual(4);
  });

  it('unknown items fall back to popularity; bad rows and options are clear errors', async () => {
    const m = await new ItemKNN().fitSessions(sessions(100));
    expect(m.recommendForSession(['never-seen'], { k: 3 })).toHaveLength(3);
    await expect(new ItemKNN().fitSessions([])).rejects.toThrow(DataError);
    await expect(new ItemKNN().fitSessions([{ session: 's', item: 'a', time: Number.NaN }])).rejects.toThrow(
      /row 0 must be \{session, item, time\} with a finite time/,
    );
    expect(() => m.recommendForSession(['p1'], { recency: 0 })).toThrow(ValueError);
  });
});
