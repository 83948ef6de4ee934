import { beforeAll, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { maxAbsDiff, runOrt } from './ort.js';

const N = 15;
const maxLen = 6;

/** Histories of different lengths (one longer than maxLen), as item indices. */
function histories(seed: number): number[][] {
  const rng = new at.data.Rng(seed);
  return [3, 6, 1, 9, 4].map((len) => Array.from({ length: len }, () => Math.floor(rng.float() * N)));
}

/** The most recent maxLen events, shifted by one and right-padded with 0, as the graph reads them. */
function feeds(hs: number[][]) {
  const T = Math.min(maxLen, Math.max(...hs.map((h) => h.length)));
  const items: number[] = [];
  const lengths: number[] = [];
  for (const h of hs) {
    const tail = h.slice(-T);
    lengths.push(tail.length);
    for (let t = 0; t < T; t++) items.push(t < tail.length ? tail[t]! + 1 : 0);
  }
  return {
    items: { data: items, dims: [hs.length, T], int64: true },
    lengths: { data: lengths, dims: [hs.length], int64: true },
  };
}

/** attune's scores for every item, in item order, from recommendNextBatch's full ranking. */
async function attuneScores(model: at.models.NextItemModel, hs: number[][]): Promise<Float32Array> {
  const ranked = await model.recommendNextBatch(hs, { k: N, excludeSeen: false });
  const out = new Float32Array(hs.length * N);
  ranked.forEach((r, b) => {
    for (const { item, score } of r) out[b * N + (item as number)] = score;
  });
  return out;
}

beforeAll(async () => {
  await at.ready({ backend: 'cpu' });
});

describe('onnx.export of NextItemModel (cpu)', () => {
  const train = Array.from({ length: 30 }, (_, s) => Array.from({ length: 7 }, (_, t) => (s + 2 * t) % N));
  for (const arch of ['transformer', 'lstm'] as const) {
    it(`${arch}: onnxruntime scores equal recommendNext's on padded histories`, async () => {
      const model = new at.models.NextItemModel({
        arch,
        numItems: N,
        dim: 8,
        layers: 2,
        heads: 2,
        maxLen,
        seed: 3,
        itemBias: true,
      });
      await model.fit(train, { epochs: 2 });
      const bytes = await at.onnx.export(model, { topK: 4 });
      const info = at.onnx.describe(bytes);
      expect(info.ops).toContain(arch === 'lstm' ? 'LSTM' : 'LayerNormalization');
      const hs = histories(arch === 'lstm' ? 1 : 2);
      const out = await runOrt(bytes, feeds(hs));
      const ref = await attuneScores(model, hs);
      expect(maxAbsDiff(out.scores!, ref)).toBeLessThan(1e-4);
      // The best item of each row agrees too (scores are distinct floats).
      const top = out.topItems as number[];
      hs.forEach((_, b) =>
        expect(top[b * 4]).toBe(
          ref.subarray(b * N, (b + 1) * N).indexOf(Math.max(...ref.subarray(b * N, (b + 1) * N))),
        ),
      );
      model.dispose();
    });
  }

  it('refuses the transformer below opset 17 and a model with actions, naming the layer', async () => {
    const model = new at.models.NextItemModel({ numItems: N, dim: 8, heads: 2, maxLen });
    await expect(at.onnx.export(model, { opset: 16 })).rejects.toThrow(
      /the transformer \(LayerNormalization in its blocks\) needs opset ≥ 17; got opset 16/,
    );
    const lstm = new at.models.NextItemModel({ arch: 'lstm', numItems: N, dim: 8, maxLen });
    await expect(at.onnx.export(lstm, { opset: 16 })).rejects.toThrow(/norm.*needs opset ≥ 17/);
    const withActions = new at.models.NextItemModel({ numItems: N, dim: 8, heads: 2, actions: ['view', 'buy'] });
    await expect(at.onnx.export(withActions)).rejects.toThrow(/action embedding \(actionEmb\)/);
    for (const m of [model, lstm, withActions]) m.dispose();
  });
});
