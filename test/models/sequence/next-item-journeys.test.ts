import { describe, expect, it } from 'vitest';
import * as at from '../../../src/index.js';
import { Rng } from '../../../src/core/random.js';
import { conformanceBackends, onBackend } from '../../helpers/backends.js';
import { markovJourneys } from './markov.js';

const { NextItemModel, evaluateStaticScores } = at.models;

/** Item counts of the histories (all but the last event): the popularity baseline's scores. */
function counts(seqs: number[][], n: number): Float32Array {
  const c = new Float32Array(n);
  for (const s of seqs) for (const i of s.slice(0, -1)) c[i]! += 1;
  return c;
}

for (const backend of conformanceBackends()) {
  const cheap = backend !== 'cpu' && backend !== 'cpu-ts';
  describe(`NextItemModel on planted journeys (${backend})`, () => {
    onBackend(backend);

    it('beats popularity on a Markov-chain item source (leave one out, full catalogue)', {
      timeout: 600_000,
    }, async () => {
      const n = 40;
      const seqs = markovJourneys(n, cheap ? 120 : 300, 3);
      const train = seqs.map((s) => s.slice(0, -1));
      const m = new NextItemModel({ numItems: n, dim: 16, layers: 1, heads: 1, maxLen: 12, dropout: 0, seed: 2 });
      await m.fit(train, { epochs: cheap ? 8 : 15, batchSize: 32, lr: 1e-2 });
      const opts = { k: 5, negatives: 20, seed: 1 };
      const model = await m.evaluate(seqs, opts);
      const pop = await evaluateStaticScores(seqs, counts(seqs, n), opts);
      // The planted chain puts 70% of next events on two items given the last one.
      expect(model.full!.hitRate).toBeGreaterThan(pop.full!.hitRate * 1.3);
      expect(model.sampled.hitRate).toBeGreaterThan(pop.sampled.hitRate);
      m.dispose();
    });

    it('shows which past event it attended to: the one that decides the next item', { timeout: 600_000 }, async () => {
      // [key, noise, noise, noise] → key + 10: only the first event says what comes next.
      const rng = new Rng(5, 'attention task');
      const seqs = Array.from({ length: cheap ? 160 : 300 }, () => {
        const key = rng.int(10);
        return [key, 20 + rng.int(20), 20 + rng.int(20), 20 + rng.int(20), key + 10];
      });
      const m = new NextItemModel({ numItems: 40, dim: 16, layers: 1, heads: 1, maxLen: 8, dropout: 0, seed: 1 });
      await m.fit(seqs, { epochs: cheap ? 25 : 40, batchSize: 32, lr: 1e-2 });
      const history = [3, 25, 31, 22];
      const ex = await m.explainNext(history, { k: 3 });
      expect(ex.recommended[0]!.item).toBe(13);
      expect(ex.events.map((e) => e.item)).toEqual(history);
      expect(ex.layers).toHaveLength(1);
      expect(ex.events.reduce((a, e) => a + e.weight, 0)).toBeCloseTo(1, 4);
      const top = ex.events.reduce((b, e, t) => (e.weight > ex.events[b]!.weight ? t : b), 0);
      expect(top).toBe(0);
      m.dispose();
    });
  });
}

describe('NextItemModel: validation, early stopping, cold start, small catalogues (cpu)', () => {
  onBackend('cpu');
  const cycle = (n: number, users: number) =>
    Array.from({ length: users }, (_, u) => Array.from({ length: 4 + (u % 5) }, (_, t) => (u + t) % n));

  it('stops after `patience` epochs without a better score and restores the best weights', async () => {
    const m = new NextItemModel({ numItems: 10, dim: 8, layers: 1, heads: 1, maxLen: 6, seed: 3 });
    const scripted = [0.1, 0.5, 0.2, 0.3, 0.9];
    let calls = 0;
    let atBest: Float32Array | null = null;
    const hist = await m.fit(cycle(10, 40), {
      epochs: 5,
      lr: 1e-2,
      validation: () => scripted[calls++]!,
      patience: 2,
      onEpoch: async (e) => {
        if (e.epoch === 2) atBest = Float32Array.from(await m.items.weight.data());
      },
    });
    // Epochs 3 and 4 did not beat 0.5: training stops there and epoch 2's weights come back.
    expect(hist.map((e) => e.validation)).toEqual([0.1, 0.5, 0.2, 0.3]);
    expect(hist[3]!.elapsedMs).toBeGreaterThanOrEqual(hist[0]!.elapsedMs);
    expect(Array.from(await m.items.weight.data())).toEqual(Array.from(atBest!));
    m.dispose();
  });

  it('`stopWhen` ends training after the epoch it returns true for, best weights restored', async () => {
    const m = new NextItemModel({ numItems: 10, dim: 8, layers: 1, heads: 1, maxLen: 6, seed: 3 });
    const scripted = [0.4, 0.6, 0.5, 0.9];
    let calls = 0;
    let atBest: Float32Array | null = null;
    const seen: number[] = [];
    const hist = await m.fit(cycle(10, 40), {
      epochs: 4,
      lr: 1e-2,
      validation: () => scripted[calls++]!,
      onEpoch: async (e) => {
        if (e.epoch === 2) atBest = Float32Array.from(await m.items.weight.data());
      },
      // A budget on something other than wall time: here, the epoch count it is shown.
      stopWhen: (e) => {
        seen.push(e.epoch);
        return e.epoch === 3;
      },
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(hist.map((e) => e.validation)).toEqual([0.4, 0.6, 0.5]);
    expect(Array.from(await m.items.weight.data())).toEqual(Array.from(atBest!));
    await expect(m.fit(cycle(10, 4), { stopWhen: 3 as never })).rejects.toThrow(/stopWhen must be a function/);
    m.dispose();
  });

  it('validates on the held-out next item and refuses a bad validation option', async () => {
    const data = cycle(10, 60);
    const m = new NextItemModel({ numItems: 10, dim: 16, layers: 1, heads: 2, maxLen: 8, dropout: 0, seed: 1 });
    const hist = await m.fit(
      data.map((s) => s.slice(0, -1)),
      { epochs: 6, lr: 1e-2, validation: { sequences: data, metric: 'hitRate', k: 1, negatives: 5 } },
    );
    for (const e of hist) expect(e.validation).toBeGreaterThanOrEqual(0);
    // The rule is learnable: the best epoch finds most held-out items at rank 1.
    expect(Math.max(...hist.map((e) => e.validation!))).toBeGreaterThan(0.8);
    await expect(m.fit(data, { validation: { sequences: 'x' } as never })).rejects.toThrow(/validation must be/);
    await expect(m.fit(data, { validation: () => 1, patience: 0 })).rejects.toThrow(/patience/);
    m.dispose();
  });

  it('the SASRec loss (binary cross-entropy, one negative per position) learns the pattern', async () => {
    const m = new NextItemModel({ numItems: 12, dim: 16, layers: 1, heads: 2, maxLen: 8, dropout: 0, loss: 'bce' });
    expect(m.negatives).toBe(1);
    const data = cycle(12, 120);
    const hist = await m.fit(data, { epochs: 15, batchSize: 32, lr: 1e-2, beta2: 0.98 });
    expect(hist[hist.length - 1]!.loss).toBeLessThan(hist[0]!.loss);
    expect((await m.evaluate(data.slice(0, 40), { k: 1, negatives: 5 })).sampled.hitRate).toBeGreaterThan(0.9);
    m.dispose();
  });

  it('an empty history gets popular items on a cold start, else a clear error', async () => {
    const m = new NextItemModel({ numItems: 8, dim: 8, layers: 1, heads: 1, maxLen: 6, itemBias: true });
    await expect(m.recommendNext([], { coldStart: 'popular' })).rejects.toThrow(/not been fit/);
    // Item 5 occurs most, then 2, then 7.
    const data = [
      [5, 2, 5, 7],
      [5, 2, 7, 1],
      [5, 0, 2, 5],
    ];
    await m.fit(data, { epochs: 1 });
    const cold = await m.recommendNext([], { coldStart: 'popular', k: 3 });
    expect(cold.map((r) => r.item)).toEqual([5, 2, 7]);
    expect(cold.map((r) => r.score)).toEqual([5, 3, 2]);
    const filtered = await m.recommendNext([], { coldStart: 'popular', k: 2, filter: (i) => i !== 5 });
    expect(filtered.map((r) => r.item)).toEqual([2, 7]);
    const mixed = await m.recommendNextBatch([[1, 2], []], { coldStart: 'popular', k: 2 });
    expect(mixed[1]!.map((r) => r.item)).toEqual([5, 2]);
    expect(mixed[0]!).toHaveLength(2);
    await expect(m.recommendNext([])).rejects.toThrow(/history is empty.*coldStart: 'popular'/);
    await expect(m.recommendNext([], { coldStart: 'guess' as 'popular' })).rejects.toThrow(/coldStart must be/);
    // The counts travel with the model.
    const loaded = (await at.load(await at.save(m))) as InstanceType<typeof NextItemModel>;
    expect((await loaded.recommendNext([], { coldStart: 'popular', k: 3 })).map((r) => r.item)).toEqual([5, 2, 7]);
    loaded.dispose();
    m.dispose();
  });

  it('evaluates a catalogue of at most 100 items by capping the negatives and saying so', async () => {
    const m = new NextItemModel({ numItems: 12, dim: 8, layers: 1, heads: 1, maxLen: 6 });
    const ev = await m.evaluate(cycle(12, 20));
    expect(ev.negatives).toBe(11);
    expect(ev.note).toMatch(/catalogue has 12 items.*at most 11 negatives instead of 100.*near 1 by construction/);
    expect(ev.sampled.hitRate).toBe(1);
    const fine = await m.evaluate(cycle(12, 20), { negatives: 5 });
    expect(fine.note).toBeUndefined();
    expect(fine.negatives).toBe(5);
    const one = new NextItemModel({ numItems: 1, dim: 4, layers: 1, heads: 1 });
    await expect(one.evaluate([[0, 0]])).rejects.toThrow(/at least two items/);
    one.dispose();
    m.dispose();
  });

  it('the LSTM has no attention to explain and says so', async () => {
    const m = new NextItemModel({ arch: 'lstm', numItems: 6, dim: 8, layers: 1 });
    await expect(m.explainNext([1, 2])).rejects.toThrow(/lstm architecture has no attention/);
    m.dispose();
  });
});
