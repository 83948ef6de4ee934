import { describe, expect, it } from 'vitest';
import * as at from '../../../src/index.js';
import { conformanceBackends, onBackend } from '../../helpers/backends.js';

const { Seq2Seq, Vocabulary } = at.models;
type Arch = 'lstm' | 'transformer';

/** Keyword sets mapped to fixed templates; the keyword order picks the template. */
function templates(pcts: string[]): at.models.Seq2SeqPair[] {
  const pairs: at.models.Seq2SeqPair[] = [];
  for (const c of ['red', 'blue', 'green', 'black'])
    for (const t of ['shoes', 'hats', 'bags', 'coats'])
      for (const p of pcts) {
        pairs.push({ keywords: [p, c, t], text: `${p} off ${c} ${t} today` });
        pairs.push({ keywords: [c, t, p], text: `New ${c} ${t}: save ${p}!` });
      }
  return pairs;
}

async function exactMatch(
  m: InstanceType<typeof Seq2Seq>,
  pairs: at.models.Seq2SeqPair[],
  options: at.models.GenerateOptions = {},
): Promise<number> {
  const gen = await m.generateBatch(
    pairs.map((p) => p.keywords),
    options,
  );
  return gen.filter((g, i) => g === m.vocabulary.normalize(pairs[i]!.text)).length / pairs.length;
}

describe('Vocabulary', () => {
  it('splits words, keeps 10% whole, glues punctuation back and maps unknown words to <unk>', () => {
    const v = Vocabulary.build(['New red shoes: save 10%!']);
    expect(v.tokens.slice(0, 5)).toEqual(['<pad>', '<bos>', '<eos>', '<unk>', '<sep>']);
    expect(v.tokenize('New red shoes: save 10%!')).toEqual(['New', 'red', 'shoes', ':', 'save', '10%', '!']);
    expect(v.decode(v.encode('New red shoes: save 10%!'))).toBe('New red shoes: save 10%!');
    expect(v.encode('red boots')).toEqual([v.encode('red')[0], 3]);
    expect(v.encodeKeywords(['red', 'shoes'])).toEqual([...v.encode('red'), 4, ...v.encode('shoes')]);
    expect(Vocabulary.fromJSON(v.toJSON()).tokens).toEqual(v.tokens);
    expect(Vocabulary.build(['a b b c c c'], { minCount: 2 }).tokens.slice(5)).toEqual(['b', 'c']);
  });
});

for (const backend of conformanceBackends()) {
  const cheap = backend !== 'cpu';
  describe(`Seq2Seq on ${backend}`, () => {
    onBackend(backend);

    for (const arch of ['lstm', 'transformer'] as Arch[]) {
      it(`${arch} maps keyword sets to their templates (exact match), memory flat, save/load identical`, {
        timeout: 600_000,
      }, async () => {
        const pairs = templates(cheap ? ['10%'] : ['10%', '20%', '30%']);
        const vocab = Vocabulary.build(pairs.flatMap((p) => [p.text, ...p.keywords]));
        const m = new Seq2Seq({ arch, vocabulary: vocab, dim: 32, layers: 1, heads: 2, dropout: 0, seed: 1 });
        const before = at.memory().tensors;
        const live: number[] = [];
        // The small data on slow backends gets fewer steps; the LSTM then needs a larger step size.
        const lr = cheap && arch === 'lstm' ? 2e-2 : 1e-2;
        await m.fit(pairs, {
          epochs: cheap ? 24 : 30,
          batchSize: 16,
          lr,
          onEpoch: () => void live.push(at.memory().tensors),
        });
        expect(new Set(live).size).toBe(1);
        expect(at.memory().tensors).toBe(before);
        expect(await exactMatch(m, pairs)).toBeGreaterThanOrEqual(0.95);
        const some = pairs.slice(0, cheap ? 2 : 8);
        expect(await exactMatch(m, some, { strategy: 'beam', beamSize: 3 })).toBeGreaterThanOrEqual(0.95);
        expect(at.memory().tensors).toBe(before);

        const loaded = (await at.load(await at.save(m))) as InstanceType<typeof Seq2Seq>;
        expect(loaded).toBeInstanceOf(Seq2Seq);
        const a = await m.generateBatch(some.map((p) => p.keywords));
        expect(await loaded.generateBatch(some.map((p) => p.keywords))).toEqual(a);
        loaded.dispose();
        m.dispose();
      });
    }
  });
}

describe('Seq2Seq generalization, sampling and errors (cpu)', () => {
  onBackend('cpu');

  it('the transformer fills held-out keyword combinations into the right template', { timeout: 120_000 }, async () => {
    const all = templates(['10%', '20%', '30%']);
    const test = all.filter((_, i) => i % 5 === 2);
    const train = all.filter((_, i) => i % 5 !== 2);
    const vocab = Vocabulary.build(all.flatMap((p) => [p.text, ...p.keywords]));
    const m = new Seq2Seq({
      arch: 'transformer',
      vocabulary: vocab,
      dim: 32,
      layers: 1,
      heads: 2,
      dropout: 0,
      seed: 1,
    });
    await m.fit(train, { epochs: 30, batchSize: 16, lr: 1e-2 });
    const heldOut = await exactMatch(m, test);
    expect(heldOut).toBeGreaterThanOrEqual(0.9);
    // Seeded sampling is reproducible; a low temperature stays close to greedy.
    const s1 = await m.generate(test[0]!.keywords, { strategy: 'sample', temperature: 0.3, seed: 5 });
    expect(await m.generate(test[0]!.keywords, { strategy: 'sample', temperature: 0.3, seed: 5 })).toBe(s1);
    m.dispose();
  });

  it('gives clear errors for bad options and input', async () => {
    const vocab = Vocabulary.build(['a b c']);
    expect(() => new Seq2Seq({} as at.models.Seq2SeqOptions)).toThrow(/vocabulary is required/);
    expect(() => new Seq2Seq({ vocabulary: vocab, arch: 'rnn' as Arch })).toThrow(/arch must be one of/);
    expect(() => new Seq2Seq({ vocabulary: vocab, arch: 'lstm', dim: 7 })).toThrow(/even/);
    const m = new Seq2Seq({ vocabulary: vocab, dim: 8, layers: 1, heads: 2 });
    await expect(m.fit([])).rejects.toThrow(at.DataError);
    await expect(m.fit([{ keywords: ['a'], text: '' }])).rejects.toThrow(/no words/);
    await expect(m.generate([])).rejects.toThrow(/keywords has no words/);
    await expect(m.generate(['a'], { strategy: 'top-p' as 'beam' })).rejects.toThrow(/strategy/);
    await expect(m.generate(['a'], { strategy: 'sample', temperature: 0 })).rejects.toThrow(/temperature/);
    expect(await m.generate(['zzz'], { maxLen: 3 })).toEqual(expect.any(String));
    m.dispose();
  });
});
