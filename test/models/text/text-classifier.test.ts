import { describe, expect, it } from 'vitest';
import * as at from '../../../src/index.js';
import { conformanceBackends, onBackend } from '../../helpers/backends.js';
import { planted } from './planted.js';

const { TextClassifier, Vocabulary } = at.models;

for (const backend of conformanceBackends().filter((b) => b !== 'gpujs')) {
  describe(`TextClassifier on ${backend}`, () => {
    onBackend(backend);
    for (const encoder of ['bilstm', 'transformer'] as const) {
      it(`${encoder}: learns a planted sentiment word, explains with it, memory flat, save/load identical`, {
        timeout: 600_000,
      }, async () => {
        const train = planted(backend === 'cpu' ? 400 : 200, 1);
        const test = planted(60, 2);
        const m = TextClassifier.fromTexts(train.texts, train.labels, { encoder, dim: 16, hidden: 16, seed: 3 });
        expect(m.classes).toEqual(['negative', 'positive']);
        const before = at.memory().tensors;
        await m.fit(train.texts, train.labels, { epochs: backend === 'cpu' ? 10 : 8, batchSize: 32, lr: 1e-2 });
        expect(at.memory().tensors).toBe(before);
        const probs = await m.predict(test.texts);
        for (const p of probs) expect(p[0]! + p[1]!).toBeCloseTo(1, 5);
        const acc = (await m.classify(test.texts)).filter((c, i) => c === test.labels[i]).length / test.texts.length;
        expect(acc).toBeGreaterThanOrEqual(encoder === 'bilstm' ? 0.95 : 0.9);
        // The planted word gets the most attention in most test sentences (chance: about 1 in 9). The
        // transformer's token states mix positions, so its pooling is less pinned to the word itself.
        let top = 0;
        for (let i = 0; i < 20; i++) {
          const e = await m.explain(test.texts[i]!);
          const w = e.tokens.map((t) => t.weight);
          expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 4);
          if (e.tokens[w.indexOf(Math.max(...w))]!.token === test.cue[i]) top++;
        }
        expect(top).toBeGreaterThanOrEqual(encoder === 'bilstm' ? 16 : 8);
        expect(at.memory().tensors).toBe(before);

        const loaded = (await at.load(await at.save(m))) as InstanceType<typeof TextClassifier>;
        expect(loaded).toBeInstanceOf(TextClassifier);
        expect(loaded.vocabulary.tokens).toEqual(m.vocabulary.tokens);
        const again = await loaded.predict(test.texts.slice(0, 10));
        again.forEach((p, i) => expect(p[1]).toBeCloseTo(probs[i]![1]!, 5));
        loaded.dispose();
        m.dispose();
      });
    }
  });
}

describe('TextClassifier input handling (cpu)', () => {
  onBackend('cpu');

  it('maps unknown words to <unk>, reads an empty text as <unk>, keeps the first maxLen tokens', async () => {
    const train = planted(100, 4);
    const m = TextClassifier.fromTexts(train.texts, train.labels, { dim: 8, hidden: 8, maxLen: 6, minCount: 1 });
    expect(m.vocabulary.idOf('zebra')).toBe(3);
    const e = await m.explain('the zebra great');
    expect(e.tokens.map((t) => [t.token, t.known])).toEqual([
      ['the', true],
      ['zebra', false],
      ['great', true],
    ]);
    expect(e.truncated).toBe(0);
    // Empty text: a prediction (from the single <unk>), no tokens to explain.
    const empty = await m.explain('');
    expect(empty.tokens).toEqual([]);
    expect(empty.probabilities[0]! + empty.probabilities[1]!).toBeCloseTo(1, 5);
    const [p] = await m.predict(['   ']);
    expect(p![0]! + p![1]!).toBeCloseTo(1, 5);
    expect(await m.predict(['zebra'])).toEqual(await m.predict(['']));
    // Longer than maxLen: the first 6 tokens are read, the rest counted.
    const long = await m.explain('a b c d e f g h i j');
    expect(long.tokens.map((t) => t.token)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(long.truncated).toBe(4);
    expect(await m.predict(['a b c d e f g h i j'])).toEqual(await m.predict(['a b c d e f']));
    m.dispose();
  });

  it('gives clear errors for bad options and input', async () => {
    const vocabulary = Vocabulary.build(['good bad']);
    expect(() => new TextClassifier({ vocabulary, classes: ['x'] })).toThrow(/at least 2/);
    expect(() => new TextClassifier({ vocabulary, classes: ['x', 'x'] })).toThrow(/distinct/);
    expect(() => new TextClassifier({ vocabulary, classes: ['a', 'b'], encoder: 'cnn' as 'bilstm' })).toThrow(
      /encoder must be one of/,
    );
    expect(() => new TextClassifier({} as at.models.TextClassifierOptions)).toThrow(/vocabulary/);
    const m = new TextClassifier({ vocabulary, classes: ['neg', 'pos'], dim: 4, hidden: 4 });
    await expect(m.fit([], [])).rejects.toThrow(at.DataError);
    await expect(m.fit(['good'], ['meh'])).rejects.toThrow(/labels\[0\] is "meh"; expected one of neg, pos/);
    await expect(m.fit(['good', 'bad'], ['pos'])).rejects.toThrow(/one label per text/);
    await expect(m.predict([42 as unknown as string])).rejects.toThrow(/texts\[0\] must be a string/);
    m.dispose();
  });
});
