import { describe, expect, it, vi } from 'vitest';
import { Rng } from '../../src/core/random.js';
import { Interactions } from '../../src/data/interactions.js';
import { BPR, loadRecommender, saveRecommender } from '../../src/models/index.js';
import { topKOnDevice, topKRow } from '../../src/models/topk.js';
import { tensor } from '../../src/tensor/creation.js';
import { backendOf, conformanceBackends, onBackend } from '../helpers/backends.js';

const backends = conformanceBackends().filter((b) => b === 'cpu' || b === 'webgpu');
describe.each(backends)('top-K selection on the device (%s)', (name) => {
  onBackend(name);
  const backend = backendOf(name);

  it('equals the host heap: exclusions, a mask, ties to the lower index, short rows', async () => {
    const rng = new Rng(4);
    const B = 7;
    const n = 50;
    // Scores on a coarse grid so that ties occur.
    const scores = Float32Array.from({ length: B * n }, () => rng.int(12) / 4);
    const seen: Int32Array[] = Array.from({ length: B }, (_, b) =>
      Int32Array.from(new Set(Array.from({ length: b * 3 }, () => rng.int(n)))).sort(),
    );
    seen[6] = Int32Array.from({ length: n - 4 }, (_, i) => i); // only 4 items left, fewer than k
    const allow = Uint8Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : 1));
    const skip = Int32Array.from(seen.flatMap((s, b) => Array.from(s, (i) => b * n + i)));
    const t = tensor(scores, { shape: [B, n], backend });
    const got = await topKOnDevice(t, 10, skip, allow);
    t.dispose();
    for (let b = 0; b < B; b++) {
      const want = topKRow(scores, b * n, n, 10, seen[b], allow);
      expect(Array.from(got[b]!.items), `row ${b}`).toEqual(Array.from(want.items));
      expect(Array.from(got[b]!.scores)).toEqual(Array.from(want.scores));
    }
    expect(got[6]!.items.length).toBeLessThan(10);
  });

  it('recommendMany of a model on the backend selects there and matches the host path', async () => {
    const rng = new Rng(2);
    const users: number[] = [];
    const items: number[] = [];
    for (let u = 0; u < 60; u++)
      for (const i of new Set(Array.from({ length: 8 }, () => (u % 4) + 4 * rng.int(20)))) {
        users.push(u);
        items.push(i);
      }
    const m = await new BPR({ factors: 8, epochs: 10, backend: backend as 'cpu' }).fit(
      Interactions.fromArrays({ users, items }),
    );
    const host = loadRecommender(saveRecommender(m)); // a loaded model scores on the host
    const spy = vi.spyOn(m as unknown as { scoreUsers: () => unknown }, 'scoreUsers');
    const ids = Array.from({ length: 60 }, (_, u) => u);
    const filter = (i: unknown) => Number(i) % 5 !== 0;
    const got = await m.recommendMany(ids, { k: 6, filter });
    const want = await host.recommendMany(ids, { k: 6, filter });
    expect(got.map((r) => r.map((x) => x.item))).toEqual(want.map((r) => r.map((x) => x.item)));
    for (let u = 0; u < 60; u++)
      for (let j = 0; j < 6; j++) expect(got[u]![j]!.score).toBeCloseTo(want[u]![j]!.score, 4);
    // On webgpu no users x items score matrix came back to the host.
    expect(spy).toHaveBeenCalledTimes(backend === 'webgpu' ? 0 : 1);
    m.dispose();
  });
});
