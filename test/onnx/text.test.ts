import { beforeAll, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { maxAbsDiff, runOrt } from './ort.js';

const texts = [
  'great product works well',
  'terrible broke after a day',
  'works great',
  'broke terrible awful product never again',
  'fine',
  'awful',
];
const labels = ['pos', 'neg', 'pos', 'neg', 'pos', 'neg'];
// Held-out texts: an unknown word, an empty text, and one longer than maxLen.
const unseen = ['great but unheard-of', '', 'awful awful product broke after a day never again'];

beforeAll(async () => {
  await at.ready({ backend: 'cpu' });
});

/** The int64 feeds runOrt takes, from onnx.textInputs. */
function feeds(inputs: ReturnType<typeof at.onnx.textInputs>) {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, t]) => [
      name,
      { data: Array.from(t!.data, Number), dims: t!.dims, int64: true },
    ]),
  );
}

describe('onnx.export of TextClassifier (cpu)', () => {
  const variants = [
    { encoder: 'bilstm', pooling: 'attention', ngramBuckets: 0 },
    { encoder: 'transformer', pooling: 'attention', ngramBuckets: 0 },
    // The SST-2 benchmark's configuration: attention and max pooling, and a hashed n-gram bag.
    { encoder: 'bilstm', pooling: 'attention+max', ngramBuckets: 64 },
    { encoder: 'transformer', pooling: 'attention+max', ngramBuckets: 64 },
  ] as const;
  for (const v of variants) {
    it(`${v.encoder}, pooling ${v.pooling}, ${v.ngramBuckets} n-gram buckets: onnxruntime equals predict and explain`, async () => {
      const model = at.models.TextClassifier.fromTexts(texts, labels, {
        ...v,
        dim: 8,
        hidden: 8,
        layers: 2,
        heads: 2,
        maxLen: 5,
        minCount: 1,
        seed: 2,
      });
      await model.fit(texts, labels, { epochs: 2 });
      if (v.ngramBuckets > 0) {
        // Training moved the bag off zero, so the graph's bag is exercised.
        expect(maxAbsDiff(await model.ngrams!.weight.data(), new Float32Array(64 * 2))).toBeGreaterThan(1e-3);
      }
      const bytes = await at.onnx.export(model);
      const summary = at.onnx.describe(bytes);
      expect(summary.ops).toContain(v.encoder === 'bilstm' ? 'LSTM' : 'LayerNormalization');
      if (v.pooling === 'attention+max') expect(summary.ops).toContain('ReduceMax');
      expect(summary.inputs).toEqual(v.ngramBuckets > 0 ? ['tokens', 'lengths', 'grams'] : ['tokens', 'lengths']);
      const all = [...texts, ...unseen];
      const inputs = at.onnx.textInputs(model, all);
      expect(inputs.tokens.dims).toEqual([all.length, 5]);
      const out = await runOrt(bytes, feeds(inputs));
      expect(maxAbsDiff(out.probabilities!, (await model.predict(all)).flat())).toBeLessThan(1e-4);
      // The pooling weights of the first text, as explain reports them.
      const ex = await model.explain(texts[0]!);
      const w = ex.tokens.map((t) => t.weight);
      expect(maxAbsDiff((out.attention as Float32Array).subarray(0, w.length), w)).toBeLessThan(1e-4);
      model.dispose();
    });
  }

  it('textInputs refuses an empty list and a text that is not a string, by name', () => {
    const model = at.models.TextClassifier.fromTexts(texts, labels, { dim: 4, hidden: 4, minCount: 1 });
    expect(() => at.onnx.textInputs(model, [])).toThrow(/onnx.textInputs: texts is empty/);
    expect(() => at.onnx.textInputs(model, ['fine', 3 as unknown as string])).toThrow(
      /onnx.textInputs: texts\[1\] must be a string; got 3/,
    );
    model.dispose();
  });
});
