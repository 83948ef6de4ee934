import { describe, expect, it } from 'vitest';
import * as at from '../../../src/index.js';
import { fnv1a, ngramBuckets } from '../../../src/models/text/text-ngrams.js';
import { conformanceBackends, onBackend } from '../../helpers/backends.js';
import { BAD, FILLER, GOOD, planted } from './planted.js';

const { TextClassifier, Vocabulary } = at.models;
const classes = ['negative', 'positive'];

async function accuracy(m: InstanceType<typeof TextClassifier>, data: { texts: string[]; labels: string[] }) {
  return (await m.classify(data.texts)).filter((c, i) => c === data.labels[i]).length / data.texts.length;
}

for (const backend of conformanceBackends().filter((b) => b !== 'gpujs')) {
  describe(`TextClassifier options on ${backend}`, () => {
    onBackend(backend);

    it('the n-gram bag learns sentiment words the vocabulary lacks; attention+max pooling; save/load identical', {
      timeout: 600_000,
    }, async () => {
      // The vocabulary holds only the filler, so every planted word is <unk> to the encoder:
      // only the hashed n-gram bag can tell them apart.
      const vocabulary = new Vocabulary(FILLER);
      const train = planted(backend === 'cpu' ? 400 : 200, 1);
      const test = planted(60, 2);
      const options = { vocabulary, classes, dim: 16, hidden: 16, seed: 3 };
      const m = new TextClassifier({ ...options, pooling: 'attention+max', ngramBuckets: 512 });
      const before = at.memory().tensors;
      await m.fit(train.texts, train.labels, { epochs: 12, batchSize: 32, lr: 2e-2, labelSmoothing: 0.05 });
      expect(at.memory().tensors).toBe(before);
      expect(await accuracy(m, test)).toBeGreaterThanOrEqual(0.9);
      // The bag's own weights: each planted word's unigram bucket leans to its class.
      const table = (await m.ngrams!.weight.data()) as Float32Array;
      for (const w of [...GOOD, ...BAD]) {
        const [b] = ngramBuckets([w], 1, 512);
        const lean = table[2 * b! + 1]! - table[2 * b!]!;
        expect(GOOD.includes(w) ? lean : -lean).toBeGreaterThan(0);
      }
      const e = await m.explain(test.texts[0]!);
      expect(e.tokens.reduce((s, t) => s + t.weight, 0)).toBeCloseTo(1, 4);
      expect(e.tokens.find((t) => t.token === test.cue[0])!.known).toBe(false);

      const loaded = (await at.load(await at.save(m))) as InstanceType<typeof TextClassifier>;
      expect(loaded.pooling).toBe('attention+max');
      expect(loaded.ngramBuckets).toBe(512);
      const [a, b] = [await m.predict(test.texts.slice(0, 10)), await loaded.predict(test.texts.slice(0, 10))];
      b.forEach((p, i) => expect(p[1]).toBeCloseTo(a[i]![1]!, 5));
      loaded.dispose();
      m.dispose();

      if (backend === 'cpu') {
        // The control: without the bag the same model cannot see the planted words.
        const blind = new TextClassifier({ ...options, pooling: 'attention+max' });
        await blind.fit(train.texts, train.labels, { epochs: 12, batchSize: 32, lr: 2e-2 });
        expect(await accuracy(blind, test)).toBeLessThan(0.75);
        blind.dispose();
      }
    });
  });
}

describe('TextClassifier n-grams and option checks (cpu)', () => {
  onBackend('cpu');

  it('hashes distinct 1- and 2-grams into [1, buckets), the same way every time', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    const g = ngramBuckets(['not', 'good', 'not', 'good'], 2, 1000);
    // not, good, "not good", "good not": 4 distinct n-grams (a collision could only make fewer).
    expect(g.length).toBeLessThanOrEqual(4);
    expect(g.length).toBeGreaterThanOrEqual(3);
    for (const b of g) expect(b >= 1 && b < 1000 && Number.isInteger(b)).toBe(true);
    expect(ngramBuckets(['not', 'good', 'not', 'good'], 2, 1000)).toEqual(g);
    expect(ngramBuckets(['not', 'good'], 1, 1000)).toEqual(g.slice(0, 2));
    expect(ngramBuckets([], 2, 1000)).toEqual([]);
  });

  it('reads the bag of kept words only, handles empty texts, and checks the options', async () => {
    const train = planted(60, 4);
    const m = TextClassifier.fromTexts(train.texts, train.labels, { dim: 8, hidden: 8, maxLen: 6, ngramBuckets: 64 });
    await m.fit(train.texts, train.labels, { epochs: 2, batchSize: 16, lr: 1e-2 });
    expect(await m.predict(['a b c d e f great awful'])).toEqual(await m.predict(['a b c d e f']));
    const [p] = await m.predict(['']);
    expect(p![0]! + p![1]!).toBeCloseTo(1, 5);
    await expect(m.fit(train.texts, train.labels, { labelSmoothing: 1.5 })).rejects.toThrow(/labelSmoothing/);
    // The ONNX graph carries the bag as a third input (test/onnx/text.test.ts runs it in onnxruntime).
    expect(at.onnx.describe(await at.onnx.export(m)).inputs).toEqual(['tokens', 'lengths', 'grams']);
    m.dispose();
    const vocabulary = Vocabulary.build(['good bad']);
    expect(() => new TextClassifier({ vocabulary, classes, pooling: 'mean' as 'attention' })).toThrow(
      /pooling must be one of/,
    );
    expect(() => new TextClassifier({ vocabulary, classes, ngramBuckets: 1 })).toThrow(/ngramBuckets/);
    expect(() => new TextClassifier({ vocabulary, classes, ngramBuckets: Number.NaN })).toThrow(/ngramBuckets/);
    expect(() => new TextClassifier({ vocabulary, classes, ngramBuckets: 8, ngramOrder: 0 })).toThrow(/ngramOrder/);
  });
});
