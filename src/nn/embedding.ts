import type { BackendName } from '../backends/backend.js';
import { ValueError, fmtValue } from '../core/errors.js';
import { noGrad } from '../autograd/tape.js';
import * as o from '../ops/index.js';
import { arange, tensor } from '../tensor/creation.js';
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { normal } from './init.js';
import { Module, type ModuleConfig } from './module.js';

export interface EmbeddingOptions {
  /**
   * Give the table a sparse gradient: `weight.sparseGrad` holds only the rows looked up
   * (a SparseRows), never a table-sized tensor, and the optimizers update just those rows.
   * Needs ids given as an array or a CPU int32 tensor (ids on a GPU fall back to a dense grad).
   */
  sparse?: boolean;
  /** The row for this id is initialized to zeros and never receives a gradient. */
  paddingIdx?: number;
  /** Seed for the N(0, 1) initial weights; the global stream otherwise. */
  seed?: number;
  backend?: BackendName;
  dtype?: DType;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`.
 *
 * Shapes: ids int32 (array or tensor) of any shape [...] → [..., embeddingDim].
 * Parameters: `weight` [numEmbeddings, embeddingDim], initialized N(0, 1) as in PyTorch.
 */
export class Embedding extends Module {
  readonly weight: Tensor;
  readonly sparse: boolean;
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    for (const [k, v] of [
      ['numEmbeddings', numEmbeddings],
      ['embeddingDim', embeddingDim],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new ValueError(`Embedding: ${k} must be a positive integer; got ${fmtValue(v)}`);
    }
    let pad = options.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings) {
        throw new ValueError(
          `Embedding: paddingIdx must be an integer in [-${numEmbeddings}, ${numEmbeddings}); got ${fmtValue(pad)}`,
        );
      }
      if (pad < 0) pad += numEmbeddings;
    }
    this.sparse = options.sparse ?? false;
    this.paddingIdx = pad;
    const opts = {
      backend: options.backend,
      dtype: options.dtype,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    };
    let w = normal([numEmbeddings, embeddingDim], 0, 1, opts);
    if (pad !== null) {
      w = noGrad(() => {
        const idx = arange(numEmbeddings, undefined, 1, { backend: w.backend });
        const keepRows = o.ne(idx, pad!);
        const col = o.reshape(keepRows, [numEmbeddings, 1]);
        const z = o.where(col, w, 0);
        for (const t of [idx, keepRows, col, w]) t.dispose();
        return z;
      });
    }
    this.weight = this.registerParameter('weight', w);
  }

  forward(ids: Tensor | ArrayLike<number>): Tensor {
    const out = o.embedding(this.weight, ids, { sparse: this.sparse });
    if (this.paddingIdx === null || !out.requiresGrad) return out;
    // The padding row's value is zero; masking its lookups also zeroes its gradient.
    const idT = isTensor(ids) ? ids : tensor(Int32Array.from(ids), { backend: this.weight.backend });
    const ne = o.ne(idT, this.paddingIdx);
    const f = o.cast(ne, out.dtype);
    const m = o.unsqueeze(f, -1);
    const masked = o.mul(out, m);
    ne.dispose();
    f.dispose();
    if (idT !== ids) idT.dispose();
    return masked;
  }

  override typeName(): string {
    return 'Embedding';
  }

  override config(): ModuleConfig {
    return {
      numEmbeddings: this.numEmbeddings,
      embeddingDim: this.embeddingDim,
      sparse: this.sparse,
      paddingIdx: this.paddingIdx,
    };
  }
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as { __isAttuneTensor?: boolean }).__isAttuneTensor === true;
}
