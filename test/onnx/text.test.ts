import { beforeAll, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { encodeTexts } from '../../src/models/text/text-batches.js';
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

beforeAll(async () => {
  await at.ready({ backend: 'cpu' });
});

describe('onnx.export of TextClassifier (cpu)', () => {
  for (const encoder of ['bilstm', 'transformer'] as const) {
    it(`${encoder}: onnxruntime probabilities equal predict's on right-padded texts`, async () => {
      const model = at.models.TextClassifier.fromTexts(texts, labels, {
        encoder,
        dim: 8,
        hidden: 8,
        layers: 2,
        heads: 2,
        maxLen: 5,
        minCount: 1,
        seed: 2,
      });
      await model.fit(texts, labels, { epochs: 2 });
      const bytes = await at.onnx.export(model);
      expect(at.onnx.describe(bytes).ops).toContain(encoder === 'bilstm' ? 'LSTM' : 'LayerNormalization');
      const enc = encodeTexts('test', model.vocabulary, texts, model.maxLen);
      const T = Math.max(...enc.map((e) => e.ids.length));
      const tokens = enc.flatMap((e) => Array.from({ length: T }, (_, t) => e.ids[t] ?? 0));
      const out = await runOrt(bytes, {
        tokens: { data: tokens, dims: [texts.length, T], int64: true },
        lengths: { data: enc.map((e) => e.ids.length), dims: [texts.length], int64: true },
      });
      expect(maxAbsDiff(out.probabilities!, (await model.predict(texts)).flat())).toBeLessThan(1e-4);
      // The pooling weights of the first text, as explain reports them.
      const ex = await model.explain(texts[0]!);
      const w = ex.tokens.map((t) => t.weight);
      expect(maxAbsDiff((out.attention as Float32Array).subarray(0, w.length), w)).toBeLessThan(1e-4);
      model.dispose();
    });
  }
});
