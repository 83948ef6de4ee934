import { describe, expect, it } from 'vitest';
import * as at from '../../../src/index.js';
import { conformanceBackends, onBackend } from '../../helpers/backends.js';

const { Seq2Seq, Vocabulary } = at.models;
type Arch = 'lstm' | 'transformer';

const NAMES =
  'Ava Ben Cleo Dax Eli Fay Gus Hal Ida Jon Kai Lux Mo Ned Oli Pia Quin Rex Sol Tia Uma Vic Wes Xan Yul Zed'.split(' ');
const THINGS = ['bag', 'hat', 'mug', 'lamp'];

/**
 * The keyword-copy task: keywords (a made-up name, a product) → "Hi <name>, your <product> is
 * ready". Test names never occur in training, so the vocabulary (built from training text) lacks
 * them: only a model that copies can write them.
 */
function copyTask(): { train: at.models.Seq2SeqPair[]; test: at.models.Seq2SeqPair[] } {
  const pair = (n: string, t: string) => ({ keywords: [n, t], text: `Hi ${n}, your ${t} is ready` });
  const train = NAMES.slice(0, 20).flatMap((n) => THINGS.map((t) => pair(n, t)));
  const test = NAMES.slice(20).map((n, i) => pair(n, THINGS[i % THINGS.length]!));
  return { train, test };
}

function keywordRecall(pairs: at.models.Seq2SeqPair[], generated: string[]): number {
  let hit = 0;
  let all = 0;
  pairs.forEach((p, i) => {
    const words = generated[i]!.split(/[\s,]+/);
    for (const k of p.keywords as string[]) {
      all++;
      if (words.includes(k)) hit++;
    }
  });
  return hit / all;
}

for (const backend of conformanceBackends().filter((b) => b !== 'gpujs')) {
  describe(`Seq2Seq copying on ${backend}`, () => {
    onBackend(backend);
    for (const arch of ['lstm', 'transformer'] as Arch[]) {
      it(`${arch}: copies unseen keywords that the plain model cannot write`, { timeout: 600_000 }, async () => {
        const { train, test } = copyTask();
        const vocab = Vocabulary.build(train.map((p) => p.text));
        expect(vocab.encode(test[0]!.keywords[0]!)).toEqual([3]); // unseen names are <unk>
        const recall: Record<string, number> = {};
        for (const copy of [false, true]) {
          const m = new Seq2Seq({ arch, vocabulary: vocab, dim: 32, layers: 1, heads: 2, dropout: 0, seed: 1, copy });
          await m.fit(train, { epochs: backend === 'cpu' ? 12 : 8, batchSize: 16, lr: 1e-2 });
          const gen = await m.generateBatch(test.map((p) => p.keywords));
          recall[String(copy)] = keywordRecall(test, gen);
          if (copy) {
            expect(gen[0]).toBe(test[0]!.text);
            // The alignment of the copied name points at the name in the source.
            const a = await m.generateAligned(test[0]!.keywords);
            const i = a.output.indexOf(NAMES[20]!);
            expect(i).toBeGreaterThanOrEqual(0);
            expect(a.source).toEqual([NAMES[20], '<sep>', THINGS[0]]);
            const row = a.alignment[i]!;
            expect(row.indexOf(Math.max(...row))).toBe(0);
            expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 4);
          }
          m.dispose();
        }
        // Unseen names are <unk> to the plain model: it cannot write them; the copying one does.
        expect(recall.false!).toBeLessThanOrEqual(0.5);
        expect(recall.true!).toBeGreaterThanOrEqual(0.95);
      });
    }

    it('transformer decoding with the key/value cache gives the same tokens as re-running the prefix', {
      timeout: 300_000,
    }, async () => {
      const { train, test } = copyTask();
      const vocab = Vocabulary.build(train.map((p) => p.text));
      const m = new Seq2Seq({
        arch: 'transformer',
        vocabulary: vocab,
        dim: 32,
        layers: 2,
        heads: 2,
        dropout: 0,
        seed: 2,
      });
      await m.fit(train.slice(0, 24), { epochs: 3, batchSize: 8, lr: 1e-2 });
      const keys = test.map((p) => p.keywords);
      for (const strategy of ['greedy', 'beam'] as const) {
        const cached = await m.generateBatch(keys, { strategy, beamSize: 3, cache: true });
        expect(await m.generateBatch(keys, { strategy, beamSize: 3, cache: false })).toEqual(cached);
      }
      m.dispose();
    });
  });
}
