import { describe, expect, it } from 'vitest';
import * as at from '../src/index.js';
import * as ops from '../src/ops/index.js';
import { conformanceBackends, onBackend } from './helpers/backends.js';

const F = at.nn.functional;

/**
 * The leak test of issue 10: every public op runs, with its backward where it has one, inside
 * `scope`, and afterwards `memory()` shows the same live tensors, handles and bytes as before.
 * The case list is checked against the exports of src/ops and nn.functional, so a new op
 * without a case here fails this file instead of going unchecked.
 */

/** Exported functions that are helpers, not ops; each with why it has no case. */
const NOT_OPS: Record<string, string> = {
  broadcastInfo: 'shape arithmetic, makes no tensor',
  reducedShape: 'shape arithmetic, makes no tensor',
  uniformBlocks: 'Philox block count, makes no tensor',
};

/** A float leaf that records gradients, with values spread over (-1.5, 1.5) and away from 0. */
function leaf(shape: number[], seed = 1): at.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, (_, i) => Math.sin((i + 1) * 12.9898 + seed * 78.233) * 1.5 + 0.1);
  const t = at.tensor(v, { shape });
  t.requiresGrad = true;
  return t;
}
const positive = (shape: number[], seed = 2): at.Tensor => {
  const t = at.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => 0.5 + ((i * 7 + seed) % 5) / 4),
    { shape },
  );
  t.requiresGrad = true;
  return t;
};
const ints = (values: number[], shape = [values.length]): at.Tensor => at.tensor(Int32Array.from(values), { shape });

/** Ops whose results carry no gradient (integer or piecewise-constant outputs). */
const NO_GRADIENT = new Set([
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'argmax',
  'argmin',
  'topK',
  'oneHot',
  'sign',
  'floor',
  'ceil',
  'round',
]);

type Out = at.Tensor | at.Tensor[] | Record<string, at.Tensor>;
const CASES: Record<string, () => Out> = {
  // elementwise, unary
  ...Object.fromEntries(
    [
      'neg',
      'abs',
      'exp',
      'expm1',
      'erf',
      'sqrt',
      'rsqrt',
      'square',
      'reciprocal',
      'tanh',
      'sigmoid',
      'relu',
      'gelu',
      'softplus',
      'sin',
      'cos',
      'sign',
      'floor',
      'ceil',
      'round',
    ].map((name) => [
      name,
      () => (ops as unknown as Record<string, (x: at.Tensor) => at.Tensor>)[name]!(positive([3, 4])),
    ]),
  ),
  log: () => at.log(positive([3, 4])),
  log1p: () => at.log1p(positive([3, 4])),
  // elementwise, binary (broadcasting, and a scalar operand that the node owns)
  ...Object.fromEntries(
    ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'mod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'].map((name) => [
      name,
      () => {
        const f = (ops as unknown as Record<string, (a: at.Operand, b: at.Operand) => at.Tensor>)[name]!;
        return [f(leaf([3, 4]), positive([4])), f(leaf([2, 2], 3), 2)];
      },
    ]),
  ),
  pow: () => [at.pow(positive([3, 4]), leaf([4])), at.pow(positive([2]), 2)],
  where: () => at.where(leaf([4]).gt(0), leaf([4], 2), 0.5),
  clamp: () => at.clamp(leaf([3, 4]), -0.5, 0.5),
  cast: () => [at.cast(leaf([3]), 'int32'), at.cast(ints([1, 2, 3]), 'float32'), at.cast(leaf([3], 2), 'float32')],
  // reductions
  sum: () => [at.sum(leaf([2, 3, 4]), [0, 2], true), at.sum(leaf([5]))],
  prod: () => at.prod(positive([2, 3]), 1),
  max: () => at.max(leaf([2, 3, 4]), 1),
  min: () => at.min(leaf([2, 3, 4]), [0, 2], true),
  mean: () => at.mean(leaf([2, 3, 4]), -1),
  variance: () => at.variance(leaf([4, 3]), 0, true, 1),
  logsumexp: () => at.logsumexp(leaf([3, 5]), 1),
  argmax: () => [at.argmax(leaf([3, 4])), at.argmax(leaf([3, 4]), undefined, true), at.argmax(leaf([3, 4]), 1, true)],
  argmin: () => [at.argmin(leaf([3, 4]), undefined, true), at.argmin(leaf([3, 4]), 0)],
  topK: () => ({ ...at.topK(leaf([3, 70]), 66) }), // k > 64: two passes on webgpu
  softmax: () => at.softmax(leaf([3, 5])),
  logSoftmax: () => at.logSoftmax(leaf([3, 5]), 0),
  // movement
  reshape: () => at.reshape(leaf([2, 6]), [3, -1]),
  permute: () => at.permute(leaf([2, 3, 4]), [2, 0, 1]),
  transpose: () => at.transpose(leaf([2, 3])),
  expand: () => at.expand(leaf([1, 3]), [4, 3]),
  squeeze: () => at.squeeze(leaf([1, 3, 1])),
  unsqueeze: () => at.unsqueeze(leaf([3]), 0),
  slice: () => at.slice(leaf([4, 5]), [1, 2], [3, 5]),
  narrow: () => at.narrow(leaf([4, 5]), 1, 1, 2),
  pad: () =>
    at.pad(leaf([2, 3]), [
      [1, 0],
      [0, 2],
    ]),
  concat: () => at.concat([leaf([2, 3]), leaf([1, 3], 2)], 0),
  stack: () => at.stack([leaf([2, 3]), leaf([2, 3], 2)], 1),
  split: () => at.split(leaf([6, 2]), [2, 4], 0),
  // indexing
  indexSelect: () => [at.indexSelect(leaf([5, 3]), 0, [4, 0, 4]), at.indexSelect(leaf([5, 3]), 1, ints([2, 0]))],
  scatterAdd: () => at.scatterAdd(leaf([5, 3]), 0, [1, 1, 3], leaf([3, 3], 2)),
  gather: () => at.gather(leaf([3, 4]), 1, ints([0, 3, 1, 1, 2, 2], [3, 2])),
  oneHot: () => [at.oneHot([0, 2, 1], 3), at.oneHot(ints([1, 1]), 2)],
  embedding: () => [at.embedding(leaf([6, 4]), [5, 0, 5]), at.embedding(leaf([6, 4], 2), [1, 2, 1], { sparse: true })],
  // matmul
  matmul: () => [at.matmul(leaf([3, 4]), leaf([4, 2], 2)), at.matmul(leaf([2, 3, 4]), leaf([4, 5], 3))],
  linear: () => at.linear(leaf([3, 4]), leaf([2, 4], 2), leaf([2], 3), 'relu'),
};

/** nn.functional, the losses and fused sequence kernels. */
const FUNCTIONAL: Record<string, () => Out> = {
  linear: () => F.linear(leaf([3, 4]), leaf([5, 4], 2), null, 'gelu'),
  dropout: () => [F.dropout(leaf([4, 4]), 0.5, { seed: 3 }), F.dropout(leaf([8]), 0.25)],
  layerNorm: () => F.layerNorm(leaf([3, 4]), [4], leaf([4], 2), leaf([4], 3)),
  mse: () => F.mse(leaf([3, 2]), leaf([3, 2], 2)),
  huber: () => F.huber(leaf([3, 2]), leaf([3, 2], 2), { delta: 0.5, reduction: 'sum' }),
  binaryCrossEntropyWithLogits: () =>
    F.binaryCrossEntropyWithLogits(leaf([4]), at.tensor([0, 1, 1, 0]), { posWeight: 2, weight: positive([4]) }),
  crossEntropy: () => [
    F.crossEntropy(leaf([3, 4]), ints([0, 3, 2]), { labelSmoothing: 0.1 }),
    F.crossEntropy(leaf([3, 4], 2), ints([1, -1, 2]), { ignoreIndex: -1 }),
  ],
  bprLoss: () => F.bprLoss(leaf([5]), leaf([5], 2)),
  marginRanking: () => F.marginRanking(leaf([4]), leaf([4], 2), ints([1, -1, 1, -1]).cast('float32'), { margin: 0.1 }),
  scaledDotProductAttention: () => [
    F.scaledDotProductAttention(leaf([1, 2, 3, 4]), leaf([1, 2, 5, 4], 2), leaf([1, 2, 5, 4], 3), { causal: true }),
    F.scaledDotProductAttention(leaf([1, 1, 3, 4]), leaf([1, 1, 3, 4], 2), leaf([1, 1, 3, 4], 3), {
      dropout: 0.2,
    }),
  ],
  attentionComposed: () =>
    F.attentionComposed(leaf([1, 2, 3, 4]), leaf([1, 2, 3, 4], 2), leaf([1, 2, 3, 4], 3), { causal: true }),
  lstm: () =>
    F.lstm(leaf([3, 2, 4]), {
      weightIh: leaf([12, 4], 2),
      weightHh: leaf([12, 3], 3),
      biasIh: leaf([12], 4),
      biasHh: leaf([12], 5),
    }),
};

function outputs(out: Out): at.Tensor[] {
  if (out instanceof at.Tensor) return [out];
  return Array.isArray(out) ? out : Object.values(out);
}

/** Runs `make` in a scope, and backward through every float output that records gradients. */
function runWithBackward(make: () => Out): { backwardRan: boolean } {
  return at.scope(() => {
    const outs = outputs(make()).filter((t) => t.requiresGrad && t.dtype === 'float32');
    if (outs.length === 0) return { backwardRan: false };
    let total = outs[0]!.sum();
    for (const t of outs.slice(1)) total = total.add(t.sum());
    total.backward();
    return { backwardRan: true };
  });
}

/** A readback, so recorded GPU work has run and released buffers went back to the pool. */
async function flush(): Promise<void> {
  const t = at.zeros([1]);
  await t.data();
  t.dispose();
}

function snapshot(): Record<string, number> {
  const m = at.memory();
  const out: Record<string, number> = { tensors: m.tensors };
  for (const [name, b] of Object.entries(m.backends)) {
    out[`${name}.tensors`] = b.tensors;
    out[`${name}.handles`] = b.handles;
    out[`${name}.bytes`] = b.bytes;
  }
  return out;
}

describe('leak test: the case list covers every public op', () => {
  it('every exported op function of src/ops and nn.functional has a case (or is named as a helper)', () => {
    const exported = Object.keys(ops).filter((k) => typeof (ops as Record<string, unknown>)[k] === 'function');
    const missing = exported.filter((k) => !(k in CASES) && !(k in NOT_OPS));
    expect(missing).toEqual([]);
    const functional = Object.keys(F).filter((k) => typeof (F as Record<string, unknown>)[k] === 'function');
    expect(functional.filter((k) => !(k in FUNCTIONAL) && !(k in NOT_OPS))).toEqual([]);
    const covered = exported.filter((k) => k in CASES).length + functional.filter((k) => k in FUNCTIONAL).length;
    console.log(`leak test covers ${covered} public ops (${exported.length + functional.length} exported functions)`);
    expect(covered).toBeGreaterThanOrEqual(80);
  });
});

for (const backend of conformanceBackends().filter((b) => b !== 'gpujs')) {
  describe(`leak test on ${backend}: ops and their backward inside scope leave memory() unchanged`, () => {
    onBackend(backend);
    const all = [
      ...Object.entries(CASES).map(([name, make]) => [`at.${name}`, make] as const),
      ...Object.entries(FUNCTIONAL).map(([name, make]) => [`nn.functional.${name}`, make] as const),
    ];
    for (const [name, make] of all) {
      it(name, async () => {
        // A first run compiles pipelines and fills caches; the second must leave nothing behind.
        runWithBackward(make);
        await flush();
        const before = snapshot();
        const { backwardRan } = runWithBackward(make);
        await flush();
        expect(snapshot()).toEqual(before);
        // Every op with a float result has a backward, which must have run too.
        expect(backwardRan).toBe(!NO_GRADIENT.has(name.slice(name.lastIndexOf('.') + 1)));
      });
    }

    it('dispose() releases the gradient: a disposed leaf leaves no .grad or .sparseGrad alive', () => {
      const before = snapshot();
      const w = leaf([4, 3]);
      const e = leaf([6, 2]);
      at.scope(() =>
        w
          .square()
          .sum()
          .add(at.embedding(e, [1, 1, 4], { sparse: true }).sum())
          .backward(),
      );
      expect(w.grad).not.toBeNull();
      expect(e.sparseGrad).not.toBeNull();
      const grad = w.grad!;
      w.dispose();
      e.dispose();
      expect(grad.isDisposed).toBe(true);
      expect(w.grad).toBeNull();
      expect(e.sparseGrad).toBeNull();
      expect(snapshot()).toEqual(before);
    });

    it('1000 steps that replace the weight and dispose the old one keep live tensors flat', async () => {
      let w = leaf([8, 1]);
      const x = at.randn([16, 8], { seed: 2 });
      const y = at.randn([16, 1], { seed: 3 });
      let live = 0;
      for (let step = 1; step <= 1000; step++) {
        const next = at.scope(() => {
          x.matmul(w).sub(y).square().mean().backward();
          return at.noGrad(() => w.sub(w.grad!.mul(0.01)));
        });
        w.dispose();
        w = next;
        w.requiresGrad = true;
        if (step === 100) live = at.memory().tensors;
      }
      expect(at.memory().tensors).toBe(live);
      await w.data();
      for (const t of [w, x, y]) t.dispose();
    });
  });
}
