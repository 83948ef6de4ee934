import type { LstmInfo } from '../../backends/backend.js';
import { needsGrad, record } from '../../autograd/tape.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { backendOf, wrap } from '../dispatch.js';
import * as o from '../index.js';
import { matmulFused } from '../matmul.js';
import type { Tensor } from '../../tensor/tensor.js';

/** One layer-direction's weights in PyTorch layout, gate order i, f, g, o. */
export interface LstmWeights {
  /** [4H, I] */
  weightIh: Tensor;
  /** [4H, H] */
  weightHh: Tensor;
  /** [4H] */
  biasIh?: Tensor | undefined;
  /** [4H] */
  biasHh?: Tensor | undefined;
}

export interface LstmLayerOptions {
  /** Initial state [B, H] each; zeros when left out. */
  h0?: Tensor | undefined;
  c0?: Tensor | undefined;
  /** Run the sequence backwards (the reverse half of a bidirectional LSTM). */
  reverse?: boolean;
  /**
   * Valid steps per batch entry (each in [0, T]). Steps past a sequence's length leave its
   * state alone and output zeros; a reverse run starts at the sequence's own last step.
   */
  lengths?: ArrayLike<number> | undefined;
}

/** @internal What the 'lstm' node keeps for the backward primitive. */
export interface LstmAttrs {
  gates: Tensor;
  hPrev: Tensor;
  cPrev: Tensor;
  lengths: Tensor | undefined;
  reverse: boolean;
}

/**
 * One LSTM layer in one direction over a time-major sequence, with PyTorch's equations
 * (i, f, g, o gates; c' = f c + i g; h' = o tanh(c')).
 * Shapes: x [T, B, I] → output [T, B, H], h and c [B, H] (the state after each sequence's last
 * valid step).
 *
 * The input projections of all steps are one matmul (x [T·B, I] @ W_ihᵀ + b); the recurrence is
 * the fused 'lstm' op: one kernel per step for h @ W_hhᵀ and the gates, and the fused backward
 * through time as its gradient.
 */
export function lstmLayer(
  x: Tensor,
  w: LstmWeights,
  options: LstmLayerOptions = {},
): { output: Tensor; h: Tensor; c: Tensor } {
  if (x.rank !== 3) throw new ShapeError(`lstm: x must be [T, B, inputSize]; got ${fmtShape(x.shape)}`);
  const [T, B, I] = x.shape as [number, number, number];
  const G = w.weightIh.shape[0]!;
  const H = G / 4;
  if (w.weightIh.rank !== 2 || G % 4 !== 0 || w.weightIh.shape[1] !== I) {
    throw new ShapeError(`lstm: weightIh has shape ${fmtShape(w.weightIh.shape)}; expected [4·hidden, ${I}]`);
  }
  if (w.weightHh.rank !== 2 || w.weightHh.shape[0] !== G || w.weightHh.shape[1] !== H) {
    throw new ShapeError(`lstm: weightHh has shape ${fmtShape(w.weightHh.shape)}; expected [${G}, ${H}]`);
  }
  for (const [name, b] of [
    ['biasIh', w.biasIh],
    ['biasHh', w.biasHh],
  ] as const) {
    if (b && (b.rank !== 1 || b.shape[0] !== G))
      throw new ShapeError(`lstm: ${name} has shape ${fmtShape(b.shape)}; expected [${G}]`);
  }
  if (x.dtype === 'int32') throw new DTypeError('lstm: x must be a float tensor; got int32');
  const backend = backendOf('lstm', { x, weightIh: w.weightIh, weightHh: w.weightHh });
  const temps: Tensor[] = [];
  const state = (t: Tensor | undefined, name: string): Tensor => {
    if (t) {
      if (t.rank !== 2 || t.shape[0] !== B || t.shape[1] !== H)
        throw new ShapeError(`lstm: ${name} has shape ${fmtShape(t.shape)}; expected [${B}, ${H}]`);
      return t;
    }
    const z = wrap(backend, backend.fill(B * H, 0, x.dtype), [B, H], x.dtype);
    temps.push(z);
    return z;
  };
  const h0 = state(options.h0, 'h0');
  const c0 = state(options.c0, 'c0');
  let lengths: Tensor | undefined;
  if (options.lengths) {
    const ls = Int32Array.from(options.lengths);
    if (ls.length !== B)
      throw new ShapeError(`lstm: lengths has ${ls.length} entries; expected one per batch entry (${B})`);
    ls.forEach((l, i) => {
      if (l < 0 || l > T || l !== options.lengths![i])
        throw new ValueError(`lstm: lengths[${i}] = ${options.lengths![i]} must be an integer in [0, ${T}]`);
    });
    lengths = wrap(backend, backend.upload(ls, 'int32'), [B], 'int32');
  }
  // One matmul for every step's input projection, both biases fused into its epilogue.
  let bias = w.biasIh ?? w.biasHh;
  if (w.biasIh && w.biasHh) {
    bias = o.add(w.biasIh, w.biasHh);
    temps.push(bias);
  }
  const x2 = o.reshape(x, [T * B, I]);
  const xProj = matmulFused(x2, w.weightIh, { transB: true, bias });
  temps.push(x2, xProj);
  const reverse = options.reverse ?? false;
  const info: LstmInfo = { steps: T, batch: B, hidden: H, reverse, lengths: lengths?.storage().handle };
  const r = backend.lstmForward(
    xProj.storage().handle,
    w.weightHh.storage().handle,
    h0.storage().handle,
    c0.storage().handle,
    info,
  );
  const y = wrap(backend, r.y, [T + 2, B, H], x.dtype);
  const gates = wrap(backend, r.saved.gates, [T, B, G], x.dtype);
  const hPrev = wrap(backend, r.saved.hPrev, [T, B, H], x.dtype);
  const cPrev = wrap(backend, r.saved.cPrev, [T, B, H], x.dtype);
  const saved = [gates, hPrev, cPrev];
  const grad = needsGrad(xProj, w.weightHh, h0, c0);
  if (grad) {
    record(
      'lstm',
      [xProj, w.weightHh, h0, c0],
      y,
      { gates, hPrev, cPrev, lengths, reverse },
      lengths ? [...saved, lengths] : saved,
    );
  } else {
    for (const t of saved) t.dispose();
    lengths?.dispose();
  }
  const output = o.narrow(y, 0, 0, T);
  const hN = o.narrow(y, 0, T, 1);
  const cN = o.narrow(y, 0, T + 1, 1);
  const hT = o.reshape(hN, [B, H]);
  const cT = o.reshape(cN, [B, H]);
  if (!grad) for (const t of [y, hN, cN, ...temps]) t.dispose();
  return { output, h: hT, c: cT };
}

/** @internal The 'lstm' grad rule: one call of the fused backward-through-time primitive. */
export function lstmGrad(g: Tensor, inputs: Tensor[], attrs: LstmAttrs): (Tensor | null)[] {
  const [xProj, whh, h0, c0] = inputs as [Tensor, Tensor, Tensor, Tensor];
  const backend = backendOf('lstm backward', { g, whh });
  const [T2, B, H] = g.shape as [number, number, number];
  const h = (t: Tensor) => t.storage('lstm backward').handle;
  const info: LstmInfo = {
    steps: T2 - 2,
    batch: B,
    hidden: H,
    reverse: attrs.reverse,
    lengths: attrs.lengths ? h(attrs.lengths) : undefined,
  };
  const r = backend.lstmBackward(
    h(g),
    h(whh),
    { gates: h(attrs.gates), hPrev: h(attrs.hPrev), cPrev: h(attrs.cPrev) },
    info,
  );
  const dt = g.dtype;
  return [
    wrap(backend, r.dGates, xProj.shape, dt),
    wrap(backend, r.dWhh, whh.shape, dt),
    wrap(backend, r.dh0, h0.shape, dt),
    wrap(backend, r.dc0, c0.shape, dt),
  ];
}
