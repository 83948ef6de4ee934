import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { ItemKNN, type SessionRow, fitSessionModel } from '../../src/models/index.js';
import { backendOf, conformanceBackends, onBackend } from '../helpers/backends.js';

// Planted order: 10 items on a cycle, every session walks it forward (i, i+1, i+2, ...) from a
// random start. What follows item i is always i+1, though i-1 and i+1 co-occur with i equally.
const N = 10;
function sessions(count: number, seed: number): SessionRow[] {
  const rng = new Rng(seed);
  const rows: SessionRow[] = [];
  for (let s = 0; s < count; s++) {
    const start = rng.int(N);
    const len = 3 + rng.int(4);
    // Times in a shuffled order of rows: the model must sort each session by time itself.
    for (let t = 0; t < len; t++) rows.push({ session: `s${s}`, item: `i${(start + t) % N}`, time: 1000 * s + t });
  }
  return rows.sort((a, b) => ((a.time * 7919) % 13) - ((b.time * 7919) % 13));
}

const backends = conformanceBackends().filter((b) => b === 'cpu' || b === 'webgpu');
describe.each(backends)('fitSessionModel on %s', (name) => {
  onBackend(name);

  it('learns what follows an item in a session, which co-occurrence cannot tell', async () => {
    const rows = sessions(200, 3);
    const model = await fitSessionModel(
      rows,
      { dim: 16, layers: 1, heads: 1, maxLen: 8, dropout: 0, seed: 1, backend: backendOf(name) },
      { epochs: 10, lr: 0.01 },
    );
    const knn = await new ItemKNN({ neighbors: 5 }).fitSessions(rows);
    let seq = 0;
    let cooc = 0;
    for (let i = 0; i < N; i++) {
      const next = `i${(i + 1) % N}`;
      if ((await model.recommendNext([`i${i}`], { k: 1 }))[0]!.item === next) seq++;
      if (knn.recommendForSession([`i${i}`], { k: 1 })[0]!.item === next) cooc++;
    }
    expect(seq).toBeGreaterThanOrEqual(9);
    expect(cooc).toBeLessThan(seq);
    // A longer live session: the last item sets what comes next.
    expect((await model.recommendNext(['i2', 'i3', 'i4'], { k: 1 }))[0]!.item).toBe('i5');
    model.dispose();
  });
});

describe('fitSessionModel input errors', () => {
  it('no rows, a bad row, and sessions with nothing after their one event are DataErrors', async () => {
    await expect(fitSessionModel([])).rejects.toThrow(/non-empty array of \{session, item, time\}/);
    await expect(fitSessionModel([{ session: 1, item: 'a', time: Number.NaN }])).rejects.toThrow(
      /row 0 must be \{session, item, time\} with a finite time/,
    );
    const single = [
      { session: 1, item: 'a', time: 1 },
      { session: 2, item: 'b', time: 1 },
    ];
    await expect(fitSessionModel(single, { dim: 8, layers: 1, heads: 1 })).rejects.toThrow(DataError);
  });
});
