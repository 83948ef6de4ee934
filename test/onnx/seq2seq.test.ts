import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { sourceBatch } from '../../src/models/sequence/seq2seq-copy.js';
import { sourceWords } from '../../src/models/sequence/vocabulary.js';
import { maxAbsDiff } from './ort.js';

const pairs = [
  { keywords: ['winter', 'sale'], text: 'big winter sale starts now' },
  { keywords: ['summer', 'shoes'], text: 'new summer shoes are here' },
  { keywords: ['sale', 'shoes'], text: 'shoes on sale now' },
  { keywords: ['winter', 'coats'], text: 'warm winter coats for you' },
  { keywords: ['summer', 'sale'], text: 'summer sale ends soon' },
];
// Different lengths (padding) and words outside the vocabulary (copied as extended ids).
const queries = [['winter', 'sale'], ['summer', 'gadgets', 'shoes'], ['zorblax'], ['coats', 'sale', 'quux', 'now']];

const int64 = (data: ArrayLike<number>, dims: number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(data, BigInt), dims);
const f32 = (t: ort.Tensor) => t.data as Float32Array;

beforeAll(async () => {
  await at.ready({ backend: 'cpu' });
});

describe('onnx.exportSeq2Seq (cpu)', () => {
  for (const arch of ['lstm', 'transformer'] as const)
    for (const copy of [true, false]) {
      it(`${arch}${copy ? ' with copying' : ''}: encoder and steps within 1e-4 of attune, same greedy texts`, async () => {
        const vocabulary = at.models.Vocabulary.build(pairs.flatMap((p) => [p.text, ...p.keywords]));
        const model = new at.models.Seq2Seq({
          arch,
          vocabulary,
          dim: 8,
          layers: 2,
          heads: 2,
          maxLen: 6,
          copy,
          seed: 3,
          dropout: 0,
        });
        await model.fit(pairs, { epochs: 30, batchSize: 5, lr: 0.03 });
        const { encoder, step } = await at.onnx.exportSeq2Seq(model);
        expect(at.onnx.describe(step).ops).toContain(arch === 'lstm' ? 'LSTM' : 'LayerNormalization');
        const encS = await ort.InferenceSession.create(encoder);
        const stepS = await ort.InferenceSession.create(step);
        const src = sourceBatch(
          vocabulary,
          queries.map((q) => sourceWords(vocabulary, 'test', q, 'q', model.maxLen)),
        );
        const { B, S } = src;
        const enc = await encS.run({ source: int64(src.ids, [B, S]), lengths: int64(src.lengths, [B]) });
        let state = model.start(src, true);
        // Memory at the words (padding positions are masked out downstream).
        const mine = (await state.enc.memory.data()) as Float32Array;
        const d = model.dim;
        for (let b = 0; b < B; b++) {
          const n = src.lengths[b]! * d;
          expect(
            maxAbsDiff(f32(enc.memory!).subarray(b * S * d, b * S * d + n), mine.subarray(b * S * d, b * S * d + n)),
          ).toBeLessThan(1e-4);
        }
        if (arch === 'lstm') {
          expect(maxAbsDiff(f32(enc['state.h']!), (await state.enc.h!.data()) as Float32Array)).toBeLessThan(1e-4);
          expect(maxAbsDiff(f32(enc['state.c']!), (await state.enc.c!.data()) as Float32Array)).toBeLessThan(1e-4);
        }
        // Three steps on fixed tokens: <bos>, a vocabulary word, then a copied word's extended id where copying.
        const V = vocabulary.size;
        const feedsSeq = [
          new Int32Array(B).fill(1),
          new Int32Array(B).fill(vocabulary.idOf('sale')),
          new Int32Array(B).fill(copy ? V : 5),
        ];
        let ortState: Record<string, ort.Tensor> = Object.fromEntries(
          Object.entries(enc).filter(([k]) => k.startsWith('state.')),
        );
        for (const tokens of feedsSeq) {
          const feeds: Record<string, ort.Tensor> = { token: int64(tokens, [B]), srcExt: int64(src.ext, [B, S]) };
          for (const name of stepS.inputNames)
            if (!(name in feeds)) feeds[name] = (name.startsWith('state.') ? ortState : enc)[name]!;
          for (const name of Object.keys(feeds)) if (!stepS.inputNames.includes(name)) delete feeds[name];
          const out = await stepS.run(feeds);
          const r = model.step(state, tokens);
          const logp = (await r.logp.data()) as Float32Array;
          expect(out.logp!.dims).toEqual(r.logp.shape);
          // Probabilities within 1e-4; log-probabilities within 1e-4 wherever p ≥ 1e-3 (below that,
          // float32 rounding of p, ~1e-8 absolute, is a large relative error, which log shows).
          const theirs = f32(out.logp!);
          expect(maxAbsDiff(theirs.map(Math.exp), logp.map(Math.exp))).toBeLessThan(1e-4);
          expect(
            maxAbsDiff(
              theirs.filter((_, i) => logp[i]! > Math.log(1e-3)),
              logp.filter((v) => v > Math.log(1e-3)),
            ),
          ).toBeLessThan(1e-4);
          expect(maxAbsDiff(f32(out.align!), (await r.align!.data()) as Float32Array)).toBeLessThan(1e-4);
          ortState = Object.fromEntries(
            Object.entries(out)
              .filter(([k]) => k.startsWith('next.'))
              .map(([k, t]) => [`state.${k.slice(5)}`, t]),
          );
          state = r.next;
        }
        const viaOrt = await at.onnx.seq2seqGreedy({ encoder: encS, step: stepS }, ort, vocabulary, queries, {
          maxLen: model.maxLen,
        });
        expect(viaOrt).toEqual(await model.generateBatch(queries));
        if (copy) expect(viaOrt.some((t) => /zorblax|quux|gadgets/.test(t))).toBe(true);
        await encS.release();
        await stepS.release();
        model.dispose();
      });
    }

  it('names the function to use, and checks its options', async () => {
    const vocabulary = at.models.Vocabulary.build(['a b c']);
    const model = new at.models.Seq2Seq({ vocabulary, dim: 4, layers: 1, heads: 2, maxLen: 3 });
    await expect(at.onnx.export(model as never)).rejects.toThrow(/exportSeq2Seq/);
    await expect(at.onnx.exportSeq2Seq(model, { opset: 12 })).rejects.toThrow(/opset/);
    await expect(at.onnx.exportSeq2Seq(model, { opset: 16 })).rejects.toThrow(/LayerNormalization.*opset ≥ 17/);
    await expect(at.onnx.exportSeq2Seq({} as never)).rejects.toThrow(/must be a Seq2Seq/);
    await expect(at.onnx.seq2seqGreedy({} as never, ort, vocabulary, [['a']], { maxLen: 3 })).rejects.toThrow(
      /sessions must be \{encoder, step\}/,
    );
    // A step graph from another model asks for an input this encoder does not give.
    const other = new at.models.Seq2Seq({ vocabulary, arch: 'lstm', dim: 4, layers: 1, maxLen: 3 });
    const enc = await ort.InferenceSession.create((await at.onnx.exportSeq2Seq(model)).encoder);
    const step = await ort.InferenceSession.create((await at.onnx.exportSeq2Seq(other)).step);
    await expect(
      at.onnx.seq2seqGreedy({ encoder: enc, step }, ort, vocabulary, [['a']], { maxLen: 3 }),
    ).rejects.toThrow(/the step graph's input state.h is not an encoder output/);
    other.dispose();
    model.dispose();
  });
});
