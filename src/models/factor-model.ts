import type { BackendName } from '../backends/backend.js';
import { matmulFused } from '../ops/matmul.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { Recommender } from './recommender.js';
import { need, type StateArray } from './recommender-state.js';
import { topKRow } from './topk.js';

/**
 * A model whose score is mean + b_u + b_i + p_u·q_i (biases and mean may be zero): MF, SVD++
 * (whose p_u folds in the implicit term), BPR and iALS. The fitted tables are mirrored on the
 * host for `predict`; on the webgpu backend Q and the item biases also stay on the GPU, and
 * `recommend` scores a batch of users as one matmul with a fused bias epilogue there.
 */
export abstract class FactorModel extends Recommender {
  protected k = 0;
  protected P: Float32Array = new Float32Array(0);
  protected Q: Float32Array = new Float32Array(0);
  protected bu: Float32Array = new Float32Array(0);
  protected bi: Float32Array = new Float32Array(0);
  protected mean = 0;
  protected clipLo = -Infinity;
  protected clipHi = Infinity;
  private itemNorms: Float32Array | undefined;
  private gpuQ: Tensor | undefined;
  private gpuBi: Tensor | undefined;

  /** Factor tables as host arrays (copies are not made; treat them as read-only). */
  factors(): {
    userFactors: Float32Array;
    itemFactors: Float32Array;
    userBias: Float32Array;
    itemBias: Float32Array;
    k: number;
    mean: number;
  } {
    this.fittedMaps('factors');
    return {
      userFactors: this.P,
      itemFactors: this.Q,
      userBias: this.bu,
      itemBias: this.bi,
      k: this.k,
      mean: this.mean,
    };
  }

  /** Installs fitted tables; with `backend` 'webgpu' keeps Q and b_i resident for scoring. */
  protected setTables(
    k: number,
    P: Float32Array,
    Q: Float32Array,
    bu: Float32Array,
    bi: Float32Array,
    backend: BackendName = 'cpu',
  ): void {
    this.k = k;
    this.P = P;
    this.Q = Q;
    this.bu = bu;
    this.bi = bi;
    this.itemNorms = undefined;
    this.releaseGpu();
    if (backend === 'webgpu' && k > 0) {
      this.gpuQ = tensor(Q, { shape: [bi.length, k], backend: 'webgpu' });
      this.gpuBi = tensor(bi, { backend: 'webgpu' });
    }
  }

  /** Frees GPU-resident tables (the host copies stay usable). */
  dispose(): void {
    this.releaseGpu();
  }

  private releaseGpu(): void {
    this.gpuQ?.dispose();
    this.gpuBi?.dispose();
    this.gpuQ = undefined;
    this.gpuBi = undefined;
  }

  protected predictInto(users: Int32Array, items: Int32Array, out: Float32Array): void {
    const { k, P, Q, bu, bi } = this;
    for (let j = 0; j < users.length; j++) {
      const u = users[j]!;
      const i = items[j]!;
      let s = this.mean;
      if (u >= 0) s += bu[u]!;
      if (i >= 0) s += bi[i]!;
      if (u >= 0 && i >= 0) {
        const po = u * k;
        const qo = i * k;
        for (let f = 0; f < k; f++) s += P[po + f]! * Q[qo + f]!;
      }
      out[j] = s < this.clipLo ? this.clipLo : Math.min(s, this.clipHi);
    }
  }

  protected async scoreUsers(users: Int32Array): Promise<Float32Array> {
    const { k, P, Q, bu, bi } = this;
    const n = bi.length;
    const B = users.length;
    let out: Float32Array;
    if (this.gpuQ && this.gpuBi) {
      const rows = new Float32Array(B * k);
      for (let b = 0; b < B; b++) rows.set(P.subarray(users[b]! * k, (users[b]! + 1) * k), b * k);
      const pu = tensor(rows, { shape: [B, k], backend: 'webgpu' });
      const s = matmulFused(pu, this.gpuQ, { transB: true, bias: this.gpuBi });
      out = (await s.data()) as Float32Array;
      pu.dispose();
      s.dispose();
    } else {
      out = new Float32Array(B * n);
      for (let b = 0; b < B; b++) {
        const po = users[b]! * k;
        const o = b * n;
        for (let i = 0; i < n; i++) {
          const qo = i * k;
          let s = bi[i]!;
          for (let f = 0; f < k; f++) s += P[po + f]! * Q[qo + f]!;
          out[o + i] = s;
        }
      }
    }
    // The user's constant terms do not change the ranking; add them so scores equal predictions (unclipped).
    for (let b = 0; b < B; b++) {
      const c = this.mean + bu[users[b]!]!;
      if (c !== 0) for (let i = 0; i < n; i++) out[b * n + i]! += c;
    }
    return out;
  }

  /** Cosine similarity of item factor vectors (item biases left out: they are popularity, not likeness). */
  protected similarTo(item: number, k: number): Promise<{ items: Int32Array; scores: Float32Array }> {
    const { Q } = this;
    const d = this.k;
    const n = this.bi.length;
    if (!this.itemNorms) {
      this.itemNorms = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let f = 0; f < d; f++) s += Q[i * d + f]! ** 2;
        this.itemNorms[i] = Math.sqrt(s);
      }
    }
    const norms = this.itemNorms;
    const scores = new Float32Array(n);
    const qo = item * d;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += Q[qo + f]! * Q[i * d + f]!;
      const den = norms[item]! * norms[i]!;
      scores[i] = den > 0 ? s / den : 0;
    }
    return Promise.resolve(topKRow(scores, 0, n, k, Int32Array.of(item), undefined));
  }

  protected stateArrays(): Record<string, StateArray> {
    const U = this.bu.length;
    const I = this.bi.length;
    return {
      userFactors: { data: this.P, shape: [U, this.k] },
      itemFactors: { data: this.Q, shape: [I, this.k] },
      userBias: { data: this.bu, shape: [U] },
      itemBias: { data: this.bi, shape: [I] },
    };
  }

  protected override scalars(): Record<string, number> {
    return { mean: this.mean, clipLo: this.clipLo, clipHi: this.clipHi };
  }

  protected loadArrays(arrays: Record<string, StateArray>, scalars: Record<string, number>): void {
    const P = need(arrays, 'userFactors', this.kind);
    this.mean = scalars.mean ?? 0;
    this.clipLo = scalars.clipLo ?? -Infinity;
    this.clipHi = scalars.clipHi ?? Infinity;
    this.setTables(
      P.shape[1] ?? 0,
      P.data as Float32Array,
      need(arrays, 'itemFactors', this.kind).data as Float32Array,
      need(arrays, 'userBias', this.kind).data as Float32Array,
      need(arrays, 'itemBias', this.kind).data as Float32Array,
    );
  }
}
