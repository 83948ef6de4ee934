import type { BackendName } from '../backends/backend.js';
import { ShapeError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import * as o from '../ops/index.js';
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { lstmLayer } from '../ops/fused/lstm.js';
import { uniform } from './init.js';
import { Module, type ModuleConfig } from './module.js';

export interface LSTMOptions {
  numLayers?: number;
  /** Input and output are [B, T, ·] instead of [T, B, ·] (default false, like PyTorch). */
  batchFirst?: boolean;
  bidirectional?: boolean;
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Seed for the initial weights; the global stream otherwise. */
  seed?: number;
  backend?: BackendName;
  dtype?: DType;
}

export interface LSTMForwardOptions {
  /** Valid steps per batch entry; padded steps output zeros and the final state is each sequence's own last step. */
  lengths?: ArrayLike<number>;
  /** Initial states [numLayers·numDirections, B, H]; zeros when left out. */
  h0?: Tensor;
  c0?: Tensor;
}

/**
 * A multi-layer LSTM with PyTorch's equations, gate order (i, f, g, o) and parameter names, so a
 * PyTorch `nn.LSTM` state dict loads key for key.
 *
 * Shapes (D = 2 if bidirectional else 1, L = numLayers):
 * - input x: [T, B, inputSize], or [B, T, inputSize] with batchFirst;
 * - output: [T, B, D·H] (or [B, T, D·H]), the last layer's h at every step, directions concatenated;
 * - h, c: [L·D, B, H], the final state of each layer and direction (index layer·D + direction).
 * Parameters per layer k (suffix `_reverse` for the backward direction): `weight_ih_l{k}`
 * [4H, inputSize or D·H], `weight_hh_l{k}` [4H, H], `bias_ih_l{k}` and `bias_hh_l{k}` [4H].
 * Initialized U(−1/√H, 1/√H) like PyTorch.
 *
 * Each layer-direction runs as one input-projection matmul plus the fused recurrent kernel.
 */
export class LSTM extends Module {
  readonly numLayers: number;
  readonly batchFirst: boolean;
  readonly bidirectional: boolean;
  readonly hasBias: boolean;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: LSTMOptions = {},
  ) {
    super();
    this.numLayers = options.numLayers ?? 1;
    this.batchFirst = options.batchFirst ?? false;
    this.bidirectional = options.bidirectional ?? false;
    this.hasBias = options.bias ?? true;
    for (const [k, v] of [
      ['inputSize', inputSize],
      ['hiddenSize', hiddenSize],
      ['numLayers', this.numLayers],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new ValueError(`LSTM: ${k} must be a positive integer; got ${fmtValue(v)}`);
    }
    const H = hiddenSize;
    const bound = 1 / Math.sqrt(H);
    let seed = options.seed;
    const init = (shape: number[]): Tensor => {
      const t = uniform(shape, -bound, bound, {
        backend: options.backend,
        dtype: options.dtype,
        ...(seed === undefined ? {} : { seed: seed++ }),
      });
      return t;
    };
    const D = this.bidirectional ? 2 : 1;
    for (let l = 0; l < this.numLayers; l++) {
      for (let dir = 0; dir < D; dir++) {
        const sfx = `_l${l}${dir === 1 ? '_reverse' : ''}`;
        this.registerParameter(`weight_ih${sfx}`, init([4 * H, l === 0 ? inputSize : D * H]));
        this.registerParameter(`weight_hh${sfx}`, init([4 * H, H]));
        if (this.hasBias) {
          this.registerParameter(`bias_ih${sfx}`, init([4 * H]));
          this.registerParameter(`bias_hh${sfx}`, init([4 * H]));
        }
      }
    }
  }

  private param(name: string): Tensor | undefined {
    return this.namedParameters().find(([n]) => n === name)?.[1];
  }

  forward(x: Tensor, options: LSTMForwardOptions = {}): { output: Tensor; h: Tensor; c: Tensor } {
    if (x.rank !== 3)
      throw new ShapeError(`LSTM: x must be rank 3 ([T, B, I] or batchFirst [B, T, I]); got ${fmtShape(x.shape)}`);
    let seq = this.batchFirst ? o.transpose(x, 0, 1) : x;
    const [, B] = seq.shape as [number, number];
    const D = this.bidirectional ? 2 : 1;
    const H = this.hiddenSize;
    const LD = this.numLayers * D;
    for (const [name, s] of [
      ['h0', options.h0],
      ['c0', options.c0],
    ] as const) {
      if (s && (s.rank !== 3 || s.shape[0] !== LD || s.shape[1] !== B || s.shape[2] !== H)) {
        throw new ShapeError(`LSTM: ${name} has shape ${fmtShape(s.shape)}; expected [${LD}, ${B}, ${H}]`);
      }
    }
    const state = (s: Tensor | undefined, i: number): Tensor | undefined =>
      s ? o.reshape(o.narrow(s, 0, i, 1), [B, H]) : undefined;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let dir = 0; dir < D; dir++) {
        const sfx = `_l${l}${dir === 1 ? '_reverse' : ''}`;
        const r = lstmLayer(
          seq,
          {
            weightIh: this.param(`weight_ih${sfx}`)!,
            weightHh: this.param(`weight_hh${sfx}`)!,
            biasIh: this.param(`bias_ih${sfx}`),
            biasHh: this.param(`bias_hh${sfx}`),
          },
          {
            h0: state(options.h0, l * D + dir),
            c0: state(options.c0, l * D + dir),
            reverse: dir === 1,
            lengths: options.lengths,
          },
        );
        outs.push(r.output);
        hs.push(r.h);
        cs.push(r.c);
      }
      seq = D === 1 ? outs[0]! : o.concat(outs, 2);
    }
    const output = this.batchFirst ? o.transpose(seq, 0, 1) : seq;
    return { output, h: o.stack(hs, 0), c: o.stack(cs, 0) };
  }

  override typeName(): string {
    return 'LSTM';
  }

  override config(): ModuleConfig {
    return {
      inputSize: this.inputSize,
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
      batchFirst: this.batchFirst,
      bidirectional: this.bidirectional,
      bias: this.hasBias,
    };
  }
}
