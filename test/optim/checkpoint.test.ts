import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { backendOf, conformanceBackends, onBackend } from '../helpers/backends.js';

const { nn, optim } = at;
type Opt = at.optim.Optimizer<{ lr: number }>;

/** An embedding (sparse gradients) feeding two linear layers: dense and sparse parameters. */
function makeModel(seed: number): at.nn.Module & { forward(ids: Tensor): Tensor } {
  class Net extends nn.Module {
    emb = this.registerModule('emb', new nn.Embedding(7, 3, { seed, sparse: true }));
    body = this.registerModule(
      'body',
      new nn.Sequential([new nn.Linear(3, 4, { seed: seed + 1 }), new nn.Linear(4, 1, { seed: seed + 2 })]),
    );
    forward(ids: Tensor): Tensor {
      return this.body.forward(this.emb.forward(ids));
    }
  }
  return new Net();
}

/** Two param groups (embedding, layers) so group options and indices are exercised. */
const makers: [string, (m: at.nn.Module, lr: number) => Opt][] = [
  ['Adam', (m, lr) => new optim.Adam(groups(m, lr), { lr })],
  ['AdamW (composed)', (m, lr) => new optim.AdamW(groups(m, lr), { lr, betas: [0.8, 0.99], fused: false })],
  ['SGD momentum', (m, lr) => new optim.SGD(groups(m, lr), { lr, momentum: 0.9, nesterov: true })],
  ['Adagrad', (m, lr) => new optim.Adagrad(groups(m, lr), { lr, lrDecay: 0.01 })],
];

function groups(m: at.nn.Module, lr: number) {
  const [emb, ...rest] = m.parameters();
  return [{ params: [emb!], lr: lr * 2 }, { params: rest }];
}

/** Batch t of a fixed stream: ids and targets depend on t only. */
function batch(t: number): { ids: Tensor; y: Tensor } {
  const ids = at.tensor(
    Int32Array.from({ length: 5 }, (_, i) => (t * 3 + i * 2) % 7),
    { dtype: 'int32' },
  );
  const y = at.tensor(
    Float32Array.from({ length: 5 }, (_, i) => Math.sin(t + i)),
    { shape: [5, 1] },
  );
  return { ids, y };
}

function train(
  model: at.nn.Module & { forward(ids: Tensor): Tensor },
  opt: Opt,
  sched: at.optim.StepLR,
  from: number,
  to: number,
) {
  for (let t = from; t < to; t++) {
    at.scope(() => {
      const { ids, y } = batch(t);
      opt.zeroGrad();
      nn.functional.mse(model.forward(ids), y).backward();
      opt.step();
      sched.step();
    });
  }
}

/** One state tensor's values, through a stateDict whose copies are then freed. */
async function stateValue(opt: Opt, key: string): Promise<number[]> {
  const sd = opt.stateDict();
  const values = Array.from(await sd.state[key]!.data());
  for (const t of Object.values(sd.state)) t.dispose();
  return values;
}

async function weights(m: at.nn.Module): Promise<number[][]> {
  return Promise.all(m.parameters().map(async (p) => Array.from(await p.data())));
}

/** The checkpoint as a file would hold it: safetensors bytes with the JSON half as metadata. */
async function throughFile(sd: at.optim.OptimizerStateDict): Promise<at.optim.OptimizerStateDict> {
  const meta = JSON.stringify({ steps: sd.steps, paramGroups: sd.paramGroups });
  const bytes = await at.serializeSafetensors(sd.state, { optimizer: meta });
  const parsed = at.parseSafetensors(bytes);
  const state: Record<string, Tensor> = {};
  for (const [k, r] of Object.entries(parsed.tensors))
    state[k] = at.tensor(r.data, { shape: r.shape, dtype: r.dtype, backend: 'cpu' });
  return { state, ...JSON.parse(parsed.metadata.optimizer!) };
}

for (const path of conformanceBackends()) {
  const name = backendOf(path);
  describe(`optimizer checkpoints on ${path}`, () => {
    onBackend(path);

    for (const [label, make] of makers) {
      it(`${label}: 3 steps, checkpoint through a file, 3 more give the weights of 6 uninterrupted steps`, async () => {
        const whole = makeModel(1);
        const wholeOpt = make(whole, 0.05);
        const wholeSched = new optim.StepLR(wholeOpt, { stepSize: 2, gamma: 0.5 });
        train(whole, wholeOpt, wholeSched, 0, 6);

        const first = makeModel(1);
        const firstOpt = make(first, 0.05);
        const firstSched = new optim.StepLR(firstOpt, { stepSize: 2, gamma: 0.5 });
        train(first, firstOpt, firstSched, 0, 3);
        const saved = await throughFile(firstOpt.stateDict());
        const savedModel = first.stateDict();

        // A fresh model and optimizer with other seeds and another rate: the checkpoint overrides them.
        const resumed = makeModel(50);
        resumed.loadStateDict(savedModel);
        const resumedOpt = make(resumed, 0.3);
        resumedOpt.loadStateDict(saved);
        const resumedSched = new optim.StepLR(resumedOpt, { stepSize: 2, gamma: 0.5 });
        resumedSched.loadStateDict(firstSched.stateDict());
        expect(resumedOpt.paramGroups.map((g) => g.lr)).toEqual(firstOpt.paramGroups.map((g) => g.lr));
        train(resumed, resumedOpt, resumedSched, 3, 6);

        // The control: the same weights with a fresh optimizer state land elsewhere, so the
        // equality above is the optimizer state's doing.
        const weightsOnly = makeModel(50);
        weightsOnly.loadStateDict(savedModel);
        const freshOpt = make(weightsOnly, 0.05);
        const freshSched = new optim.StepLR(freshOpt, { stepSize: 2, gamma: 0.5 });
        freshSched.loadStateDict(firstSched.stateDict());
        train(weightsOnly, freshOpt, freshSched, 3, 6);

        const expected = await weights(whole);
        expect(await weights(resumed)).toEqual(expected);
        expect(await weights(weightsOnly)).not.toEqual(expected);

        for (const t of Object.values(saved.state)) t.dispose();
        for (const o of [wholeOpt, firstOpt, resumedOpt, freshOpt]) o.dispose();
        for (const m of [whole, first, resumed, weightsOnly]) m.dispose();
      });
    }

    it('stateDict names state by parameter index and lists each group with its options', () => {
      const model = makeModel(3);
      const opt = new optim.Adam(groups(model, 0.01), { lr: 0.01 });
      const sched = new optim.StepLR(opt, { stepSize: 10 });
      train(model, opt, sched, 0, 2);
      at.scope(() => {
        const sd = opt.stateDict();
        expect(Object.keys(sd.state).sort()).toEqual([
          '0.m',
          '0.v',
          '1.m',
          '1.v',
          '2.m',
          '2.v',
          '3.m',
          '3.v',
          '4.m',
          '4.v',
        ]);
        expect(sd.steps).toEqual({ 0: 2, 1: 2, 2: 2, 3: 2, 4: 2 });
        expect(sd.paramGroups).toEqual([
          { params: [0], lr: 0.02, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, fused: true },
          { params: [1, 2, 3, 4], lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, fused: true },
        ]);
        expect(sd.state['1.m']!.backend).toBe(name);
        // Copies: changing the optimizer later does not change a checkpoint already taken.
        expect(sd.state['1.m']).not.toBe(opt.stateOf(model.parameters()[1]!)!.m);
      });
      opt.dispose();
      model.dispose();
    });

    it('loadStateDict refuses a mismatched checkpoint by name and changes nothing', async () => {
      const model = makeModel(4);
      const adam = new optim.Adam(groups(model, 0.01), { lr: 0.01 });
      const sched = new optim.StepLR(adam, { stepSize: 10 });
      train(model, adam, sched, 0, 2);
      const before = await stateValue(adam, '2.v');
      at.scope(() => {
        const sd = adam.stateDict();
        const sgd = new optim.SGD(groups(model, 0.01), { lr: 0.01, momentum: 0.5 });
        expect(() => sgd.loadStateDict(sd)).toThrow(/SGD\.loadStateDict: param group 0 has option 'betas'/);
        sgd.dispose();
        const oneGroup = new optim.Adam(model.parameters(), { lr: 0.01 });
        expect(() => oneGroup.loadStateDict(sd)).toThrow(/2 param group\(s\); this optimizer has 1/);
        oneGroup.dispose();
        const { '0.m': m0, ...renamed } = sd.state;
        expect(() => adam.loadStateDict({ ...sd, state: { ...renamed, '0.w': m0! } })).toThrow(
          /Adam\.loadStateDict: state '0\.w': this optimizer keeps m, v for parameter 0/,
        );
        const { '3.v': _dropped, ...partial } = sd.state;
        expect(() => adam.loadStateDict({ ...sd, state: partial })).toThrow(/parameter 3 has state m but lacks v/);
        const wrongShape = { ...sd.state, '1.m': at.zeros([2, 2]) };
        expect(() => adam.loadStateDict({ ...sd, state: wrongShape })).toThrow(at.ShapeError);
        const badOption = sd.paramGroups.map((g) => ({ ...g, momentum: 0.9 }));
        expect(() => adam.loadStateDict({ ...sd, paramGroups: badOption })).toThrow(/option 'momentum'/);
        const badRate = sd.paramGroups.map((g) => ({ ...g, lr: -1 }));
        expect(() => adam.loadStateDict({ ...sd, paramGroups: badRate })).toThrow(/lr/);
        expect(() => adam.loadStateDict({ ...sd, steps: { ...sd.steps, 9: 1 } })).toThrow(/index 9/);
      });
      expect(await stateValue(adam, '2.v')).toEqual(before);
      expect(adam.paramGroups.map((g) => g.lr)).toEqual([0.02, 0.01]);
      adam.dispose();
      model.dispose();
    });

    it('dispose frees every state tensor: memory() is back where it was before the optimizer', () => {
      const model = makeModel(5);
      const snap = () => {
        const m = at.memory();
        const b = m.backends[name]!;
        return { tensors: m.tensors, backendTensors: b.tensors, bytes: b.bytes };
      };
      const before = snap();
      const opt = new optim.Adam(groups(model, 0.01), { lr: 0.01 });
      const sched = new optim.StepLR(opt, { stepSize: 10 });
      train(model, opt, sched, 0, 3);
      opt.zeroGrad();
      expect(snap().tensors).toBeGreaterThan(before.tensors);
      opt.dispose();
      expect(snap()).toEqual(before);
      expect(() => opt.step()).toThrow(at.DisposedError);
      expect(() => opt.stateDict()).toThrow(/Adam\.stateDict: the optimizer was disposed/);
      model.dispose();
    });
  });
}
