import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { buildWithin } from '../../src/nn/module.js';
import { StoredModule, checkModuleConfig } from '../../src/nn/registry.js';

const { nn } = at;

/** The file of `module` with its stored config changed by `edit`. */
async function withConfig(module: at.nn.Module, edit: (c: Record<string, unknown>) => void): Promise<Uint8Array> {
  const { tensors, metadata } = at.parseSafetensors(await at.save(module));
  const config = JSON.parse(metadata['attune.config']!);
  edit(config);
  return at.encodeSafetensors(tensors, { ...metadata, 'attune.config': JSON.stringify(config) });
}

async function loadError(bytes: Uint8Array): Promise<Error> {
  const live = at.memory().tensors;
  const e = await at.load(bytes).then(
    () => new Error('loaded'),
    (err: Error) => err,
  );
  // Nothing half-built stays alive.
  expect(at.memory().tensors).toBe(live);
  return e;
}

describe('at.load checks a stored config against the stored shapes before building', () => {
  it('names the field, its value and the tensor shape it contradicts', async () => {
    const lin = new nn.Linear(3, 5, { seed: 1 });
    const e = await loadError(await withConfig(lin, (c) => (c.inFeatures = 2 ** 31)));
    expect(e).toBeInstanceOf(at.DataError);
    expect(e.message).toMatch(/Linear config inFeatures = 2147483648 contradicts tensor 'weight' of shape \[5,3\]/);
    lin.dispose();
  });

  it('checks nested modules by their path (Sequential of an LSTM and a transformer layer)', async () => {
    const seq = new nn.Sequential([
      new nn.Linear(4, 8, { seed: 1 }),
      new nn.TransformerEncoderLayer(8, 2, { seed: 2 }),
    ]);
    const e1 = await loadError(
      await withConfig(seq, (c) => ((c.modules as { config: Record<string, unknown> }[])[1]!.config.dModel = 16)),
    );
    expect(e1.message).toMatch(/TransformerEncoderLayer config dModel = 16 contradicts tensor '1\.linear1\.weight'/);
    const e2 = await loadError(
      await withConfig(
        seq,
        (c) => ((c.modules as { config: Record<string, unknown> }[])[1]!.config.dimFeedforward = 1e9),
      ),
    );
    expect(e2.message).toMatch(/dimFeedforward = 1000000000 contradicts/);
    seq.dispose();
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, seed: 3 });
    const e3 = await loadError(await withConfig(lstm, (c) => (c.numLayers = 2 ** 31)));
    expect(e3.message).toMatch(
      /LSTM config numLayers = 2147483648 contradicts the file, which holds 2 of 'weight_ih_l0'/,
    );
    lstm.dispose();
  });

  it('bounds tables that no stored tensor sizes', async () => {
    const pe = new nn.SinusoidalPositionalEncoding(8, 16);
    const e = await loadError(await withConfig(pe, (c) => (c.maxLen = 2 ** 31)));
    expect(e).toBeInstanceOf(at.DataError);
    expect(e.message).toMatch(/maxLen · dModel = \[2147483648,8\] asks for a table of more than 16777216 values/);
    pe.dispose();
  });

  it('a config that agrees with the file still loads, with identical outputs', async () => {
    const lin = new nn.Linear(3, 2, { seed: 4 });
    const back = await at.load<at.nn.Linear>(await at.save(lin));
    const x = at.tensor([[1, 2, 3]]);
    expect(Array.from(await back.forward(x).data())).toEqual(Array.from(await lin.forward(x).data()));
    for (const m of [lin, back]) m.dispose();
    // A single size where the constructor takes one is the same LayerNorm.
    const ln = new nn.LayerNorm(6);
    const back2 = await at.load<at.nn.LayerNorm>(await withConfig(ln, (c) => (c.normalizedShape = 6)));
    expect(back2.normalizedShape).toEqual([6]);
    const bad = await loadError(await withConfig(ln, (c) => (c.normalizedShape = [7])));
    expect(bad.message).toMatch(/LayerNorm config normalizedShape = \[7\] contradicts tensor 'weight' of shape \[6\]/);
    for (const m of [ln, back2]) m.dispose();
  });

  it('a model type without a check is built within a budget of the file, and nothing is left behind', async () => {
    // A caller's own type (passed in `types`, so at.load has no check for it) whose config asks
    // for 2^31 layers: without the budget the loop allocates until the heap is gone.
    const tower = (c: Record<string, unknown>) => {
      const layers: at.nn.Linear[] = [];
      for (let i = 0; i < (c.n as number); i++) layers.push(new nn.Linear(4, 4, { seed: i }));
      return new nn.Sequential(layers);
    };
    const small = tower({ n: 1 });
    const { tensors, metadata } = at.parseSafetensors(await at.save(small));
    const bytes = at.encodeSafetensors(tensors, {
      ...metadata,
      'attune.type': 'Tower',
      'attune.config': JSON.stringify({ n: 2 ** 31 }),
    });
    const live = at.memory().tensors;
    const e = await at.load(bytes, { types: { Tower: tower } }).then(
      () => new Error('loaded'),
      (err: Error) => err,
    );
    expect(at.memory().tensors).toBe(live);
    expect(e).toBeInstanceOf(at.DataError);
    expect(e.message).toMatch(/Tower from the file: its config asks for more than \d+ parameter and buffer values/);
    small.dispose();
  });

  it('buildWithin disposes what a failed build registered, and lets a build within the limit through', () => {
    const live = at.memory().tensors;
    expect(() => buildWithin(10, 'test build', () => new nn.Linear(4, 4))).toThrow(/more than 10 parameter/);
    expect(at.memory().tensors).toBe(live);
    const ok = buildWithin(20, 'test build', () => new nn.Linear(4, 4));
    expect(ok.weight.shape).toEqual([4, 4]);
    ok.dispose();
  });

  it('StoredModule reads dims with an offset and names a missing tensor', () => {
    const s = new StoredModule('Thing', new Map([['e.weight', [9, 8]]]), 'e.');
    expect(s.dim({ n: 8 }, 'n', 'weight', 0, 1)).toBe(8);
    expect(() => s.dim({ n: 9 }, 'n', 'weight', 0, 1)).toThrow(
      /n = 9 contradicts tensor 'e.weight' of shape \[9,8\] \(axis 0 should be n \+ 1\)/,
    );
    expect(() => s.shape('bias')).toThrow(/needs the tensor 'e.bias', which the file lacks/);
    // Types the caller passes in `types` are theirs to check.
    expect(() =>
      checkModuleConfig('Linear', { inFeatures: 1 }, new Map(), { Linear: () => new nn.Linear(1, 1) }),
    ).not.toThrow();
  });
});

describe('buildModule looks up own registered types only', () => {
  for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
    it(`a stored type ${JSON.stringify(type)} is an unknown type, not an Object.prototype member`, async () => {
      expect(() => nn.buildModule(type, {})).toThrow(at.ValueError);
      expect(() => nn.buildModule(type, {}, {})).toThrow(/no module type/);
      const lin = new nn.Linear(2, 2, { seed: 1 });
      const { tensors, metadata } = at.parseSafetensors(await at.save(lin));
      const bytes = at.encodeSafetensors(tensors, { ...metadata, 'attune.type': type });
      await expect(at.load(bytes)).rejects.toThrow(at.AttuneError);
      await expect(at.load(bytes, { types: {} })).rejects.toThrow(/no module type/);
      lin.dispose();
    });

  it('an own entry of types is used', () => {
    const m = nn.buildModule('constructor', {}, { constructor: () => new nn.Linear(1, 1) });
    expect(m).toBeInstanceOf(nn.Linear);
    m.dispose();
  });
});

describe('the sequence and text models check their stored sizes before building', () => {
  const m = at.models;
  const huge = 2 ** 31;

  it('NextItemModel (transformer and LSTM): items, dim, maxLen and layers', async () => {
    for (const arch of ['transformer', 'lstm'] as const) {
      const model = new m.NextItemModel({ numItems: 6, dim: 8, arch, layers: 2, heads: 2, maxLen: 5, seed: 1 });
      for (const field of ['numItems', 'dim', 'layers', ...(arch === 'transformer' ? ['maxLen'] : [])]) {
        const e = await loadError(await withConfig(model, (c) => (c[field] = huge)));
        expect(e).toBeInstanceOf(at.DataError);
        expect(e.message).toMatch(new RegExp(`NextItemModel config ${field} = ${huge} contradicts`));
      }
      // The untouched file still loads.
      const back = (await at.load(await at.save(model))) as at.models.NextItemModel;
      expect(back.config()).toEqual(model.config());
      back.dispose();
      model.dispose();
    }
  });

  it('Seq2Seq (LSTM and transformer): dim and layers', async () => {
    const vocabulary = m.Vocabulary.build(['red shoes today', 'blue hats now']);
    for (const arch of ['lstm', 'transformer'] as const) {
      const model = new m.Seq2Seq({ arch, vocabulary, dim: 8, layers: 1, heads: 2, maxLen: 8, dropout: 0, seed: 4 });
      for (const field of ['dim', 'layers']) {
        const e = await loadError(await withConfig(model, (c) => (c[field] = huge)));
        expect(e.message).toMatch(new RegExp(`Seq2Seq config ${field} = ${huge} contradicts`));
      }
      model.dispose();
    }
  });

  it('TextClassifier (BiLSTM and transformer): dim, hidden and layers', async () => {
    const texts = ['good fun', 'bad awful', 'great', 'terrible stuff'];
    const labels = ['p', 'n', 'p', 'n'];
    for (const encoder of ['bilstm', 'transformer'] as const) {
      const model = m.TextClassifier.fromTexts(texts, labels, { encoder, dim: 8, hidden: 8, heads: 2, seed: 5 });
      for (const field of ['dim', 'layers', ...(encoder === 'bilstm' ? ['hidden'] : [])]) {
        const e = await loadError(await withConfig(model, (c) => (c[field] = huge)));
        expect(e.message).toMatch(new RegExp(`TextClassifier config ${field} = ${huge} contradicts`));
      }
      model.dispose();
    }
  });
});
