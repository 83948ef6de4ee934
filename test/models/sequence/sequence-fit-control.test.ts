import { describe, expect, it } from 'vitest';
import * as at from '../../../src/index.js';
import { conformanceBackends, onBackend } from '../../helpers/backends.js';

const { NextItemModel, Seq2Seq, TextClassifier } = at.models;

/** Item i is followed by item (i + 1) mod n. */
function cycles(n: number, users: number): number[][] {
  return Array.from({ length: users }, (_, u) => Array.from({ length: 3 + (u % 5) }, (_, t) => (u + t) % n));
}

const small = () => new NextItemModel({ numItems: 10, dim: 8, layers: 1, heads: 1, maxLen: 8, dropout: 0, seed: 3 });

for (const backend of conformanceBackends()) {
  describe(`sequence fits: progress, yielding and abort on ${backend}`, () => {
    onBackend(backend);

    it('an aborted NextItemModel fit rejects with AbortError after one batch and keeps that batch', {
      timeout: 120_000,
    }, async () => {
      const m = small();
      const before = Float32Array.from((await m.items.weight.data()) as Float32Array);
      const ctl = new AbortController();
      const seen: at.FitProgress[] = [];
      const fit = m.fit(cycles(10, 64), {
        epochs: 5,
        batchSize: 8,
        lr: 1e-2,
        signal: ctl.signal,
        onProgress: (p) => {
          seen.push(p);
          ctl.abort();
        },
      });
      await expect(fit).rejects.toMatchObject({ name: 'AbortError' });
      // Stopped at the first batch boundary: one report, of batch 1 of 8 in epoch 1.
      expect(seen.map((p) => [p.epoch, p.batch, p.batches])).toEqual([[1, 1, 8]]);
      expect(seen[0]!.fraction).toBeCloseTo(1 / 40, 6);
      // The finished batch's update is kept (no roll-back to the weights before the fit).
      const after = (await m.items.weight.data()) as Float32Array;
      expect(after.some((v, i) => v !== before[i])).toBe(true);
      // The model is consistent and usable.
      expect(m.training).toBe(false);
      const rec = await m.recommendNext([1, 2], { k: 3 });
      expect(rec).toHaveLength(3);
      for (const r of rec) expect(Number.isFinite(r.score)).toBe(true);
      m.dispose();
    });

    it('a signal that has already fired rejects before any batch', async () => {
      const m = small();
      const before = Float32Array.from((await m.items.weight.data()) as Float32Array);
      const ctl = new AbortController();
      ctl.abort();
      let batches = 0;
      await expect(
        m.fit(cycles(10, 16), { epochs: 1, signal: ctl.signal, onProgress: () => batches++ }),
      ).rejects.toMatchObject({ name: 'AbortError' });
      expect(batches).toBe(0);
      expect(Array.from((await m.items.weight.data()) as Float32Array)).toEqual(Array.from(before));
      m.dispose();
    });
  });
}

describe('sequence fits: progress and yielding (cpu)', () => {
  onBackend('cpu');

  it('timers fire during a NextItemModel fit with yieldEvery, and progress counts every batch', {
    timeout: 120_000,
  }, async () => {
    const m = small();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const ticksAt: number[] = [];
    try {
      await m.fit(cycles(10, 48), {
        epochs: 2,
        batchSize: 8,
        yieldEvery: 1e-3,
        onProgress: () => ticksAt.push(ticks),
      });
    } finally {
      clearInterval(timer);
    }
    expect(ticksAt).toHaveLength(12);
    // On the CPU nothing else gives the event loop a turn inside a fit: the ticks come from yieldEvery.
    expect(ticksAt[ticksAt.length - 1]!).toBeGreaterThan(0);
    m.dispose();
  });

  it('Seq2Seq and TextClassifier fits report progress and honour the signal', { timeout: 120_000 }, async () => {
    const lines = ['fresh coffee beans', 'warm winter coat', 'eco water bottle', 'smart desk lamp'];
    const vocabulary = at.models.Vocabulary.build(lines);
    const s2s = new Seq2Seq({ vocabulary, arch: 'lstm', dim: 8, layers: 1, maxLen: 6, seed: 1 });
    const pairs = lines.map((text) => ({ keywords: text.split(' ').slice(1), text }));
    const progress: number[] = [];
    await s2s.fit(pairs, { epochs: 2, batchSize: 2, onProgress: (p) => progress.push(p.batch) });
    expect(progress).toEqual([1, 2, 1, 2]);
    const ctl = new AbortController();
    await expect(
      s2s.fit(pairs, { epochs: 2, batchSize: 2, signal: ctl.signal, onProgress: () => ctl.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(await s2s.generate(['coffee', 'beans'])).toEqual(expect.any(String));
    s2s.dispose();

    const texts = ['good great', 'bad awful', 'great fine', 'awful poor'];
    const labels = ['pos', 'neg', 'pos', 'neg'];
    const clf = TextClassifier.fromTexts(texts, labels, { minCount: 1, dim: 8, seed: 1 });
    const fractions: number[] = [];
    await clf.fit(texts, labels, { epochs: 2, batchSize: 2, onProgress: (p) => fractions.push(p.fraction) });
    expect(fractions).toEqual([0.25, 0.5, 0.75, 1]);
    clf.dispose();
  });
});

describe('sequence fits name the bad row (cpu)', () => {
  onBackend('cpu');

  it('NextItemModel: an unknown item or action is a DataError naming the sequence and event', async () => {
    const m = small();
    await expect(
      m.fit([
        [1, 2, 3],
        [4, 99, 5],
      ]),
    ).rejects.toThrow(at.DataError);
    await expect(
      m.fit([
        [1, 2, 3],
        [4, 99, 5],
      ]),
    ).rejects.toThrow(/sequences\[1\]\[1\] is unknown item 99/);
    await expect(m.fit([[1, 2], null as unknown as number[]])).rejects.toThrow(/sequences\[1\]/);
    await expect(m.evaluate([[1, 2, -1]])).rejects.toThrow(/sequences\[0\]\[2\]/);
    // A history given as an argument stays a ValueError, with the event named too.
    await expect(m.recommendNext([1, 1.5])).rejects.toThrow(at.ValueError);
    await expect(m.recommendNext([1, 1.5])).rejects.toThrow(/history\[1\] is unknown item 1.5/);
    m.dispose();
    const acts = new NextItemModel({ numItems: 4, dim: 4, layers: 1, heads: 1, actions: ['view', 'buy'] });
    await expect(
      acts.fit([
        { items: [0, 1], actions: ['view', 'buy'] },
        { items: [1, 2], actions: ['view', 'jump'] },
      ]),
    ).rejects.toThrow(/sequences\[1\]\.actions\[1\] is unknown action "jump"/);
    acts.dispose();
  });

  it('Seq2Seq and TextClassifier: a bad pair or text is a DataError naming its index', async () => {
    const vocabulary = at.models.Vocabulary.build(['a b c']);
    const s2s = new Seq2Seq({ vocabulary, arch: 'lstm', dim: 8, layers: 1, maxLen: 6 });
    const bad = [
      { keywords: ['a'], text: 'a b' },
      { keywords: ['b', 7 as unknown as string], text: 'c' },
    ];
    await expect(s2s.fit(bad)).rejects.toThrow(at.DataError);
    await expect(s2s.fit(bad)).rejects.toThrow(/pairs\[1\]\.keywords\[1\] must be a string; got 7/);
    await expect(s2s.fit([{ keywords: ['a'], text: 'a' }, null as never])).rejects.toThrow(/pairs\[1\]/);
    s2s.dispose();
    const texts = ['good', 'bad', 42 as unknown as string];
    expect(() => TextClassifier.fromTexts(texts, ['p', 'n', 'p'])).toThrow(/texts\[2\] must be a string; got 42/);
    const clf = TextClassifier.fromTexts(['good', 'bad'], ['p', 'n'], { minCount: 1, dim: 8 });
    await expect(clf.fit(['good', null as unknown as string], ['p', 'n'])).rejects.toThrow(at.DataError);
    await expect(clf.fit(['good', 'bad'], ['p', 'x'])).rejects.toThrow(/labels\[1\] is "x"/);
    clf.dispose();
  });
});
