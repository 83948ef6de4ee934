import { describe, expect, it } from 'vitest';
import * as at from '../../../src/index.js';
import { conformanceBackends, onBackend } from '../../helpers/backends.js';

const { NextItemModel } = at.models;
type Arch = 'lstm' | 'transformer';

/** The planted pattern: item i is always followed by item (i + 1) mod n. */
function cycles(n: number, users: number): number[][] {
  return Array.from({ length: users }, (_, u) => {
    const start = (u * 7) % n;
    return Array.from({ length: 3 + (u % 8) }, (_, t) => (start + t) % n);
  });
}

const small = (arch: Arch, extra: Partial<at.models.NextItemModelOptions> = {}) =>
  new NextItemModel({ arch, numItems: 12, dim: 16, layers: 1, heads: 2, maxLen: 8, dropout: 0, seed: 1, ...extra });

for (const backend of conformanceBackends()) {
  // SwiftShader and gpu.js are slow: fewer users and epochs there, and one arch each on them.
  const cheap = backend !== 'cpu';
  const archs: Arch[] = ['transformer', 'lstm'];
  describe(`NextItemModel on ${backend}`, () => {
    onBackend(backend);

    for (const arch of archs) {
      it(`${arch} learns i → i+1 mod n to HR@1 >= 0.95 with flat memory, and survives save/load`, {
        timeout: 600_000,
      }, async () => {
        const data = cycles(12, cheap ? 48 : 120);
        const m = small(arch);
        const before = at.memory().tensors;
        const live: number[] = [];
        const hist = await m.fit(data, {
          epochs: cheap ? 10 : 12,
          batchSize: cheap ? 48 : 32,
          lr: 1e-2,
          onEpoch: () => void live.push(at.memory().tensors),
        });
        expect(hist[hist.length - 1]!.loss).toBeLessThan(hist[0]!.loss);
        // Training leaves no tensors behind, epoch after epoch.
        expect(new Set(live).size).toBe(1);
        expect(at.memory().tensors).toBe(before);
        const ev = await m.evaluate(data.slice(0, 40), { k: 1, negatives: 5 });
        expect(ev.full!.hitRate).toBeGreaterThanOrEqual(0.95);
        expect(ev.sampled.hitRate).toBeGreaterThanOrEqual(0.95);
        const rec = await m.recommendNext([3, 4, 5], { k: 3 });
        expect(rec[0]!.item).toBe(6);

        const bytes = await at.save(m);
        const loaded = (await at.load(bytes)) as InstanceType<typeof NextItemModel>;
        expect(loaded).toBeInstanceOf(NextItemModel);
        expect(loaded.config()).toEqual(m.config());
        const again = await loaded.recommendNext([3, 4, 5], { k: 3 });
        expect(again.map((r) => r.item)).toEqual(rec.map((r) => r.item));
        again.forEach((r, i) => expect(r.score).toBeCloseTo(rec[i]!.score, 4));
        loaded.dispose();
        m.dispose();
      });
    }
  });
}

describe('NextItemModel options, ids and errors (cpu)', () => {
  onBackend('cpu');

  it('the sampled loss learns the pattern too', { timeout: 120_000 }, async () => {
    const m = small('transformer', { loss: 'sampled', negatives: 4 });
    await m.fit(cycles(12, 120), { epochs: 12, batchSize: 32, lr: 1e-2 });
    const ev = await m.evaluate(cycles(12, 40), { k: 1, negatives: 5 });
    expect(ev.full!.hitRate).toBeGreaterThanOrEqual(0.9);
    m.dispose();
  });

  it('fits time-ordered Interactions, speaks external ids and refuses unknown ones', { timeout: 120_000 }, async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const users: string[] = [],
      items: string[] = [],
      times: number[] = [];
    for (let u = 0; u < 60; u++) {
      // Out of time order on purpose: fit must sort by time.
      for (let t = 5; t >= 0; t--) {
        users.push(`u${u}`);
        items.push(names[(u + t) % 6]!);
        times.push(t);
      }
    }
    const data = at.data.Interactions.fromArrays({ users, items, times }, { duplicates: 'keep' });
    const m = new NextItemModel({ arch: 'lstm', numItems: 6, dim: 16, layers: 1, maxLen: 8, dropout: 0, seed: 2 });
    await m.fit(data, { epochs: 15, batchSize: 16, lr: 1e-2 });
    const rec = await m.recommendNext(['b', 'c'], { k: 1 });
    expect(rec[0]!.item).toBe('d');
    await expect(m.recommendNext(['b', 'zzz'])).rejects.toThrow(/unknown item id "zzz"/);
    const loaded = (await at.load(await at.save(m))) as InstanceType<typeof NextItemModel>;
    expect((await loaded.recommendNext(['b', 'c'], { k: 1 }))[0]!.item).toBe('d');
    loaded.dispose();
    m.dispose();
  });

  it('learns event types: a next-action head and action embeddings', { timeout: 120_000 }, async () => {
    const acts = ['view', 'cart', 'purchase'];
    const seqs = cycles(12, 90).map((items) => ({ items, actions: items.map((_, t) => acts[t % 3]!) }));
    const m = small('transformer', { actions: acts });
    await m.fit(seqs, { epochs: 12, batchSize: 32, lr: 1e-2 });
    const p = await m.predictNextAction({ items: [1, 2], actions: ['view', 'cart'] });
    expect(p[0]!.action).toBe('purchase');
    expect(p[0]!.probability).toBeGreaterThan(0.8);
    await expect(m.predictNextAction({ items: [1], actions: ['jump'] })).rejects.toThrow(/unknown action "jump"/);
    m.dispose();
  });

  it('gives clear errors for bad options, empty and unknown input', async () => {
    expect(() => new NextItemModel({ numItems: 0 })).toThrow(at.ValueError);
    expect(() => new NextItemModel({ numItems: 5, arch: 'gru' as 'lstm' })).toThrow(/arch must be one of/);
    expect(() => new NextItemModel({ numItems: 5, dim: 10, heads: 3 })).toThrow(/multiple of heads/);
    expect(() => new NextItemModel({ numItems: 5, dropout: 1 })).toThrow(/dropout/);
    const m = small('lstm');
    await expect(m.recommendNext([])).rejects.toThrow(/history is empty/);
    await expect(m.recommendNext([12])).rejects.toThrow(at.ValueError);
    await expect(m.recommendNext([1.5])).rejects.toThrow(/unknown item/);
    await expect(m.fit([])).rejects.toThrow(at.DataError);
    await expect(m.fit([[1], [2]])).rejects.toThrow(/two or more events/);
    await expect(m.fit([[1, 2]], { epochs: 0 })).rejects.toThrow(/epochs/);
    await expect(m.recommendNext([1], { k: 0 })).rejects.toThrow(/k must be/);
    await expect(m.evaluate([[1, 2]], { negatives: 0 })).rejects.toThrow(/negatives/);
    m.dispose();
  });
});
