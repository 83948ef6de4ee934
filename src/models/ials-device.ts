import { scope } from '../memory.js';
import { add, mul } from '../ops/elementwise.js';
import { ialsCgStep } from '../ops/fused/ials.js';
import { matmulFused } from '../ops/matmul.js';
import { eye, tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';

/** One side's observed entries by row (user-major or item-major), confidences included. */
export interface ConfCsr {
  offsets: Int32Array;
  cols: Int32Array;
  conf: Float32Array;
}

/**
 * ImplicitALS's sweeps on the webgpu backend: X, Y and both CSRs uploaded once, then per
 * half-sweep YᵀY + λI by one matmul and the CG steps of every listed row by one `ialsCgStep`
 * dispatch (kernels/ials.wgsl); nothing comes back until `read`. The host path
 * (cgSweep in ials.ts) does the same in float64.
 */
export class DeviceSweeps {
  private readonly X: Tensor;
  private readonly Y: Tensor;
  private readonly users: { offsets: Tensor; cols: Tensor; conf: Tensor; rows: Tensor };
  private readonly items: { offsets: Tensor; cols: Tensor; conf: Tensor; rows: Tensor };
  private readonly ridge: Tensor;

  constructor(
    X: Float32Array,
    Y: Float32Array,
    byUser: ConfCsr,
    byItem: ConfCsr,
    rows: { users: Int32Array; items: Int32Array },
    k: number,
    reg: number,
    private readonly steps: number,
  ) {
    const backend = 'webgpu';
    const up = (m: ConfCsr, r: Int32Array) => ({
      offsets: tensor(m.offsets, { backend }),
      cols: tensor(m.cols, { backend }),
      conf: tensor(m.conf, { backend }),
      rows: tensor(r, { backend }),
    });
    this.X = tensor(X, { shape: [X.length / k, k], backend });
    this.Y = tensor(Y, { shape: [Y.length / k, k], backend });
    this.users = up(byUser, rows.users);
    this.items = up(byItem, rows.items);
    this.ridge = scope(() => mul(eye(k, k, { backend }), reg));
  }

  /** Re-solves the listed users (Y fixed), then the listed items (X fixed). */
  userHalf(): void {
    this.half(this.X, this.Y, this.users);
  }

  itemHalf(): void {
    this.half(this.Y, this.X, this.items);
  }

  private half(A: Tensor, B: Tensor, side: { offsets: Tensor; cols: Tensor; conf: Tensor; rows: Tensor }): void {
    scope(() => {
      const gram = add(matmulFused(B, B, { transA: true }), this.ridge);
      ialsCgStep(A, B, gram, side, side.rows, this.steps);
    });
  }

  /** Both tables copied into the host arrays X and Y. */
  async read(X: Float32Array, Y: Float32Array): Promise<void> {
    X.set((await this.X.data()) as Float32Array);
    Y.set((await this.Y.data()) as Float32Array);
  }

  dispose(): void {
    for (const t of [this.X, this.Y, this.ridge, ...Object.values(this.users), ...Object.values(this.items)])
      t.dispose();
  }
}
