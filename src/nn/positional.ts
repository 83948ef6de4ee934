import type { BackendName } from '../backends/backend.js';
import { ShapeError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import * as o from '../ops/index.js';
import { tensor } from '../tensor/creation.js';
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { normal } from './init.js';
import { Module, type ModuleConfig } from './module.js';

export interface PositionalOptions {
  /** [B, T, E] (default true) or [T, B, E]. */
  batchFirst?: boolean;
  backend?: BackendName;
  dtype?: DType;
}

function checkInput(name: string, x: Tensor, dModel: number, maxLen: number, batchFirst: boolean): number {
  const t = x.shape[batchFirst ? 1 : 0]!;
  if (x.rank !== 3 || x.shape[2] !== dModel)
    throw new ShapeError(`${name}: x has shape ${fmtShape(x.shape)}; expected rank 3 with last dim ${dModel}`);
  if (t > maxLen) throw new ShapeError(`${name}: sequence length ${t} exceeds maxLen ${maxLen}`);
  return t;
}

function addTable(x: Tensor, table: Tensor, t: number, batchFirst: boolean): Tensor {
  const rows = o.narrow(table, 0, 0, t);
  const shaped = batchFirst ? o.unsqueeze(rows, 0) : o.unsqueeze(rows, 1);
  return o.add(x, shaped);
}

/**
 * Adds the fixed sinusoidal table of "Attention Is All You Need":
 * pe[pos, 2i] = sin(pos / 10000^(2i/E)), pe[pos, 2i+1] = cos(pos / 10000^(2i/E)).
 *
 * Shapes: x [B, T, E] (or [T, B, E] without batchFirst) → the same; T ≤ maxLen. The table is a
 * non-persistent buffer `pe` [maxLen, E] (not saved; it is recomputed). No parameters.
 */
export class SinusoidalPositionalEncoding extends Module {
  readonly pe: Tensor;
  readonly batchFirst: boolean;

  constructor(
    readonly dModel: number,
    readonly maxLen = 5000,
    options: PositionalOptions = {},
  ) {
    super();
    if (!Number.isInteger(dModel) || dModel <= 0 || !Number.isInteger(maxLen) || maxLen <= 0) {
      throw new ValueError(
        `SinusoidalPositionalEncoding: dModel and maxLen must be positive integers; got ${fmtValue(dModel)}, ${maxLen}`,
      );
    }
    this.batchFirst = options.batchFirst ?? true;
    const table = new Float64Array(maxLen * dModel);
    for (let pos = 0; pos < maxLen; pos++) {
      for (let i = 0; i < dModel; i += 2) {
        const angle = pos / 10000 ** (i / dModel);
        table[pos * dModel + i] = Math.sin(angle);
        if (i + 1 < dModel) table[pos * dModel + i + 1] = Math.cos(angle);
      }
    }
    this.pe = this.registerBuffer(
      'pe',
      tensor(table, { shape: [maxLen, dModel], dtype: options.dtype ?? 'float32', backend: options.backend }),
      { persistent: false },
    );
  }

  forward(x: Tensor): Tensor {
    return addTable(
      x,
      this.pe,
      checkInput('SinusoidalPositionalEncoding', x, this.dModel, this.maxLen, this.batchFirst),
      this.batchFirst,
    );
  }

  override typeName(): string {
    return 'SinusoidalPositionalEncoding';
  }

  override config(): ModuleConfig {
    return { dModel: this.dModel, maxLen: this.maxLen, batchFirst: this.batchFirst };
  }
}

/**
 * Adds a learned position embedding. Shapes: x [B, T, E] (or [T, B, E]) → the same; T ≤ maxLen.
 * Parameter `weight` [maxLen, E], initialized N(0, 0.02²).
 */
export class LearnedPositionalEncoding extends Module {
  readonly weight: Tensor;
  readonly batchFirst: boolean;

  constructor(
    readonly maxLen: number,
    readonly dModel: number,
    options: PositionalOptions & { seed?: number } = {},
  ) {
    super();
    if (!Number.isInteger(dModel) || dModel <= 0 || !Number.isInteger(maxLen) || maxLen <= 0) {
      throw new ValueError(
        `LearnedPositionalEncoding: maxLen and dModel must be positive integers; got ${fmtValue(maxLen)}, ${dModel}`,
      );
    }
    this.batchFirst = options.batchFirst ?? true;
    this.weight = this.registerParameter(
      'weight',
      normal([maxLen, dModel], 0, 0.02, {
        backend: options.backend,
        dtype: options.dtype,
        ...(options.seed === undefined ? {} : { seed: options.seed }),
      }),
    );
  }

  forward(x: Tensor): Tensor {
    return addTable(
      x,
      this.weight,
      checkInput('LearnedPositionalEncoding', x, this.dModel, this.maxLen, this.batchFirst),
      this.batchFirst,
    );
  }

  override typeName(): string {
    return 'LearnedPositionalEncoding';
  }

  override config(): ModuleConfig {
    return { maxLen: this.maxLen, dModel: this.dModel, batchFirst: this.batchFirst };
  }
}
