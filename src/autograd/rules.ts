import type { Activation } from '../backends/backend.js';
import * as o from '../ops/index.js';
import { matmulFused } from '../ops/matmul.js';
import { reducedShape } from '../ops/reduce.js';
import { zeros } from '../tensor/creation.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { attentionGrad } from '../ops/fused/attention.js';
import { lstmGrad } from '../ops/fused/lstm.js';
import { layerNormGrad } from '../ops/fused/layernorm.js';
import { crossEntropyGrad } from '../ops/fused/cross-entropy.js';
import type { OpAttrs, OpName } from './op-attrs.js';
import { SparseRows } from './sparse.js';
import type { GradNode } from './tape.js';

/**
 * Gradient rules, one per differentiable op. Each gets the output gradient `g`, the node
 * (inputs and attributes) and the output, and returns one gradient per input (null where none
 * flows). Rules are written with ops, so they run on whichever backend holds the data; they
 * run under noGrad, and every temporary they make is disposed here.
 */
type Rule<K extends OpName> = (g: Tensor, node: GradNode<K>, out: Tensor) => (Tensor | SparseRows | null)[];

/** Runs `fn` with a list that collects temporaries, disposes them, and returns fn's result. */
function t<T>(fn: (tmp: <U extends Tensor>(x: U) => U) => T): T {
  const temps: Tensor[] = [];
  const r = fn((x) => {
    temps.push(x);
    return x;
  });
  for (const x of temps) x.dispose();
  return r;
}

/** A second reference to g's data (a view, no copy), so each input owns its gradient. */
function share(g: Tensor): Tensor {
  return o.reshape(g, g.shape);
}

/** Sums a broadcast gradient back down to `shape`. */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = o.sum(g, axes, false);
  const r = o.reshape(s, shape);
  s.dispose();
  g.dispose();
  return r;
}

/** Reshapes a reduction's gradient so it broadcasts against the input again. */
function keepShape(g: Tensor, x: Tensor, attrs: { axes: number[]; keepDims: boolean }): Tensor {
  return o.reshape(g, reducedShape(x.shape, attrs.axes, true));
}

const unaryRule =
  <K extends OpName>(f: (g: Tensor, x: Tensor, out: Tensor, tmp: <U extends Tensor>(x: U) => U) => Tensor): Rule<K> =>
  (g, node, out) => [t((tmp) => f(g, node.inputs[0]!, out, tmp))];

/** d act(z) / dz expressed through the activation's output y. */
function activationGrad(act: Activation, g: Tensor, y: Tensor, tmp: <U extends Tensor>(x: U) => U): Tensor {
  switch (act) {
    case 'none':
      return share(g);
    case 'relu':
      return o.where(tmp(o.gt(y, 0)), g, 0);
    case 'tanh':
      return o.mul(g, tmp(o.sub(1, tmp(o.square(y)))));
    case 'sigmoid':
      return o.mul(g, tmp(o.mul(y, tmp(o.sub(1, y)))));
    case 'gelu':
      throw new Error('unreachable: matmul records gelu as a separate op when grad is needed');
  }
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

// Ops that select rather than compute record nothing and have no rule here: argmax/argmin,
// the comparisons, and topK (src/ops/topk.ts), whose indices are integers; a gradient through
// topK's values goes through gather with those indices.
export const gradRules: { [K in OpName]: Rule<K> } = {
  neg: unaryRule((g) => o.neg(g)),
  abs: unaryRule((g, x, _, tmp) => o.mul(g, tmp(o.sign(x)))),
  exp: unaryRule((g, _, y) => o.mul(g, y)),
  expm1: unaryRule((g, _, y, tmp) => o.mul(g, tmp(o.add(y, 1)))),
  log: unaryRule((g, x) => o.div(g, x)),
  log1p: unaryRule((g, x, _, tmp) => o.div(g, tmp(o.add(x, 1)))),
  sqrt: unaryRule((g, _, y, tmp) => o.div(g, tmp(o.mul(y, 2)))),
  rsqrt: unaryRule((g, _, y, tmp) => o.mul(g, tmp(o.mul(tmp(o.pow(y, 3)), -0.5)))),
  square: unaryRule((g, x, _, tmp) => o.mul(g, tmp(o.mul(x, 2)))),
  reciprocal: unaryRule((g, _, y, tmp) => o.mul(g, tmp(o.neg(tmp(o.square(y)))))),
  tanh: unaryRule((g, _, y, tmp) => o.mul(g, tmp(o.sub(1, tmp(o.square(y)))))),
  sigmoid: unaryRule((g, _, y, tmp) => o.mul(g, tmp(o.mul(y, tmp(o.sub(1, y)))))),
  relu: unaryRule((g, x, _, tmp) => o.where(tmp(o.gt(x, 0)), g, 0)),
  gelu: unaryRule((g, x, _, tmp) => {
    // y = 0.5x(1 + tanh(u)), u = c(x + 0.044715x³)
    const x2 = tmp(o.square(x));
    const u = tmp(o.mul(tmp(o.mul(x, tmp(o.add(tmp(o.mul(x2, 0.044715)), 1)))), SQRT_2_OVER_PI));
    const th = tmp(o.tanh(u));
    const du = tmp(o.mul(tmp(o.add(tmp(o.mul(x2, 3 * 0.044715)), 1)), SQRT_2_OVER_PI));
    const left = tmp(o.mul(tmp(o.add(th, 1)), 0.5));
    const right = tmp(o.mul(tmp(o.mul(tmp(o.mul(x, 0.5)), tmp(o.sub(1, tmp(o.square(th)))))), du));
    return o.mul(g, tmp(o.add(left, right)));
  }),
  softplus: unaryRule((g, x, _, tmp) => o.mul(g, tmp(o.sigmoid(x)))),
  sin: unaryRule((g, x, _, tmp) => o.mul(g, tmp(o.cos(x)))),
  // d erf(x)/dx = 2/√π · exp(−x²)
  erf: unaryRule((g, x, _, tmp) => o.mul(g, tmp(o.mul(tmp(o.exp(tmp(o.neg(tmp(o.square(x)))))), TWO_OVER_SQRT_PI)))),
  cos: unaryRule((g, x, _, tmp) => o.mul(g, tmp(o.neg(tmp(o.sin(x)))))),

  add: (g, { inputs: [a, b] }) => [unbroadcast(share(g), a!.shape), unbroadcast(share(g), b!.shape)],
  sub: (g, { inputs: [a, b] }) => [unbroadcast(share(g), a!.shape), unbroadcast(o.neg(g), b!.shape)],
  mul: (g, { inputs: [a, b] }) => [
    a!.requiresGrad ? unbroadcast(o.mul(g, b!), a!.shape) : null,
    b!.requiresGrad ? unbroadcast(o.mul(g, a!), b!.shape) : null,
  ],
  div: (g, { inputs: [a, b] }, y) => [
    a!.requiresGrad ? unbroadcast(o.div(g, b!), a!.shape) : null,
    b!.requiresGrad ? t((tmp) => unbroadcast(o.neg(tmp(o.div(tmp(o.mul(g, y)), b!))), b!.shape)) : null,
  ],
  pow: (g, { inputs: [a, b] }, y) => [
    a!.requiresGrad
      ? t((tmp) => unbroadcast(o.mul(g, tmp(o.mul(b!, tmp(o.pow(a!, tmp(o.sub(b!, 1))))))), a!.shape))
      : null,
    b!.requiresGrad
      ? t((tmp) => {
          // d/db aᵇ = aᵇ·ln a; taken as 0 where a <= 0 (where aᵇ is 0 or not real).
          const pos = tmp(o.gt(a!, 0));
          const safeA = tmp(o.where(pos, a!, 1));
          return unbroadcast(o.mul(g, tmp(o.mul(y, tmp(o.log(safeA))))), b!.shape);
        })
      : null,
  ],
  maximum: (g, { inputs: [a, b] }) => extremumGrad(g, a!, b!, 'gt'),
  minimum: (g, { inputs: [a, b] }) => extremumGrad(g, a!, b!, 'lt'),
  mod: (g, { inputs: [a, b] }) => [
    unbroadcast(share(g), a!.shape),
    b!.requiresGrad ? t((tmp) => unbroadcast(o.neg(tmp(o.mul(g, tmp(o.floor(tmp(o.div(a!, b!))))))), b!.shape)) : null,
  ],
  where: (g, { inputs: [a, b], attrs }) => [
    a!.requiresGrad ? unbroadcast(o.where(attrs.cond, g, 0), a!.shape) : null,
    b!.requiresGrad ? unbroadcast(o.where(attrs.cond, 0, g), b!.shape) : null,
  ],
  clamp: (g, { inputs: [x], attrs }) => [
    t((tmp) => o.where(tmp(o.mul(tmp(o.ge(x!, attrs.lo)), tmp(o.le(x!, attrs.hi)))), g, 0)),
  ],
  cast: (g, { inputs: [x] }) => [o.cast(g, x!.dtype)],

  sum: (g, { inputs: [x], attrs }) => [t((tmp) => o.expand(tmp(keepShape(g, x!, attrs)), x!.shape))],
  prod: (g, { inputs: [x], attrs }, y) => [
    t((tmp) => o.div(tmp(o.mul(tmp(keepShape(g, x!, attrs)), tmp(keepShape(y, x!, attrs)))), x!)),
  ],
  max: (g, { inputs: [x], attrs }, y) => [extremeReduceGrad(g, x!, y, attrs)],
  min: (g, { inputs: [x], attrs }, y) => [extremeReduceGrad(g, x!, y, attrs)],
  logsumexp: (g, { inputs: [x], attrs }, y) => [
    t((tmp) => o.mul(tmp(keepShape(g, x!, attrs)), tmp(o.exp(tmp(o.sub(x!, tmp(keepShape(y, x!, attrs)))))))),
  ],
  softmax: (g, { attrs }, y) => [t((tmp) => o.mul(y, tmp(o.sub(g, tmp(o.sum(tmp(o.mul(g, y)), attrs.axis, true))))))],
  logSoftmax: (g, { attrs }, y) => [t((tmp) => o.sub(g, tmp(o.mul(tmp(o.exp(y)), tmp(o.sum(g, attrs.axis, true))))))],

  matmul: (g, { inputs: [a, b, bias], attrs }, y) =>
    t((tmp) => {
      const gz = tmp(activationGrad(attrs.activation, g, y, tmp));
      const { transA, transB } = attrs;
      let da: Tensor | null = null;
      let db: Tensor | null = null;
      if (a!.requiresGrad) {
        da = transA ? matmulFused(b!, gz, { transA: transB, transB: true }) : matmulFused(gz, b!, { transB: !transB });
        da = unbroadcast(da, a!.shape);
      }
      if (b!.requiresGrad) {
        db = transB ? matmulFused(gz, a!, { transA: true, transB: transA }) : matmulFused(a!, gz, { transA: !transA });
        db = unbroadcast(db, b!.shape);
      }
      const grads: (Tensor | null)[] = [da, db];
      // A view of gz, not a copy: unbroadcast disposes what it is given, and tmp disposes gz.
      if (bias) grads.push(bias.requiresGrad ? unbroadcast(share(gz), bias.shape) : null);
      return grads;
    }),

  reshape: (g, { inputs: [x] }) => [o.reshape(g, x!.shape)],
  permute: (g, { attrs }) => {
    const inv = new Array<number>(attrs.perm.length);
    attrs.perm.forEach((p, i) => (inv[p] = i));
    return [o.permute(g, inv)];
  },
  expand: (g, { inputs: [x] }) => [unbroadcast(share(g), x!.shape)],
  slice: (g, { inputs: [x], attrs }) => [
    o.pad(
      g,
      attrs.begin.map((b, i) => [b, x!.shape[i]! - b - g.shape[i]!] as [number, number]),
      0,
    ),
  ],
  pad: (g, { inputs: [x], attrs }) => [
    o.slice(
      g,
      attrs.before,
      attrs.before.map((b, i) => b + x!.shape[i]!),
    ),
  ],
  concat: (g, { inputs, attrs }) => {
    let start = 0;
    return inputs.map((x) => {
      const part = o.narrow(g, attrs.axis, start, x.shape[attrs.axis]!);
      start += x.shape[attrs.axis]!;
      return part;
    });
  },
  indexSelect: (g, { inputs: [x], attrs }) => [
    t((tmp) => o.scatterAdd(tmp(zeros(x!.shape, { dtype: g.dtype, backend: x!.backend })), attrs.axis, attrs.index, g)),
  ],
  embedding: (g, { inputs: [w], attrs }) => {
    if (attrs.hostIds)
      return [new SparseRows(attrs.hostIds, o.reshape(g, [attrs.index.size, ...w!.shape.slice(1)]), w!.shape)];
    // g is [...ids.shape, ...rowShape], exactly the src scatterAdd expects for these ids.
    return [t((tmp) => o.scatterAdd(tmp(zeros(w!.shape, { dtype: g.dtype, backend: w!.backend })), 0, attrs.index, g))];
  },
  scatterAdd: (g, { inputs: [base, src], attrs }) => [
    base!.requiresGrad ? share(g) : null,
    src!.requiresGrad ? o.indexSelect(g, attrs.axis, attrs.index) : null,
  ],
  attention: (g, { inputs, attrs }, y) => attentionGrad(g, inputs, attrs, y),
  lstm: (g, { inputs, attrs }) => lstmGrad(g, inputs, attrs),
  layerNorm: (g, { inputs, attrs }) => layerNormGrad(g, inputs, attrs),
  crossEntropy: (g, { inputs, attrs }) => crossEntropyGrad(g, inputs, attrs),
};

/** maximum/minimum: the gradient goes to the winning side; ties split it evenly. */
function extremumGrad(g: Tensor, a: Tensor, b: Tensor, win: 'gt' | 'lt'): (Tensor | null)[] {
  return t((tmp) => {
    const aWins = tmp(o.cast(tmp(win === 'gt' ? o.gt(a, b) : o.lt(a, b)), g.dtype));
    const tie = tmp(o.cast(tmp(o.eq(a, b)), g.dtype));
    const wa = tmp(o.add(aWins, tmp(o.mul(tie, 0.5))));
    const wb = tmp(o.sub(1, wa));
    return [
      a.requiresGrad ? unbroadcast(o.mul(g, wa), a.shape) : null,
      b.requiresGrad ? unbroadcast(o.mul(g, wb), b.shape) : null,
    ];
  });
}

/** max/min over axes: the gradient is shared among the elements equal to the extreme. */
function extremeReduceGrad(g: Tensor, x: Tensor, y: Tensor, attrs: OpAttrs['max']): Tensor {
  return t((tmp) => {
    const mask = tmp(o.cast(tmp(o.eq(x, tmp(keepShape(y, x, attrs)))), g.dtype));
    const count = tmp(o.sum(mask, attrs.axes, true));
    return o.mul(mask, tmp(o.div(tmp(keepShape(g, x, attrs)), count)));
  });
}
