import { zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { concat, scatterAdd } from '../ops/index.js';

/**
 * A gradient that touches only some rows of a leaf (an embedding table): row `indices[j]`
 * receives `values[j]`. Indices live on the host because the ids that produced them came from
 * there, which lets optimizers coalesce repeats without a readback. Repeated indices are allowed
 * until {@link coalesceRows} merges them.
 */
export class SparseRows {
  constructor(
    readonly indices: Int32Array,
    readonly values: Tensor,
    /** The shape of the dense tensor these rows belong to. */
    readonly denseShape: readonly number[],
  ) {}

  /** Appends another gradient for the same table, consuming both. */
  merge(other: SparseRows): SparseRows {
    const indices = new Int32Array(this.indices.length + other.indices.length);
    indices.set(this.indices);
    indices.set(other.indices, this.indices.length);
    const values = concat([this.values, other.values], 0);
    this.values.dispose();
    other.values.dispose();
    return new SparseRows(indices, values, this.denseShape);
  }

  /** The dense equivalent (a table-sized tensor); used where a sparse gradient cannot flow. */
  toDense(): Tensor {
    const z = zeros(this.denseShape, { dtype: this.values.dtype, backend: this.values.backend });
    const out = scatterAdd(z, 0, this.indices, this.values);
    z.dispose();
    return out;
  }

  dispose(): void {
    this.values.dispose();
  }
}

/** Merges repeated rows: unique indices (in first-seen order) with their summed values. */
export function coalesceRows(g: SparseRows): { rows: Int32Array; values: Tensor } {
  const slot = new Map<number, number>();
  const inverse = new Int32Array(g.indices.length);
  const rows: number[] = [];
  g.indices.forEach((r, j) => {
    let s = slot.get(r);
    if (s === undefined) {
      s = rows.length;
      slot.set(r, s);
      rows.push(r);
    }
    inverse[j] = s;
  });
  const z = zeros([rows.length, ...g.denseShape.slice(1)], { dtype: g.values.dtype, backend: g.values.backend });
  const values = scatterAdd(z, 0, inverse, g.values);
  z.dispose();
  return { rows: Int32Array.from(rows), values };
}
