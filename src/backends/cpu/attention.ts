import { ATTENTION_EMPTY_LSE, type AttentionInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';

/** Keys per block: scores for one block live in a small buffer, so memory stays O(d + BLOCK). */
const BLOCK = 64;

/** Whether query row i of problem p may see key j. */
function visible(info: AttentionInfo, mask: TypedArray | undefined, p: number, i: number, j: number): boolean {
  if (info.causal && j > i) return false;
  return !(mask && mask[Math.floor(p / info.heads) * info.tk + j] !== 0);
}

/**
 * The CPU twin of the flash-attention forward: for each query row, keys are visited in blocks
 * with an online softmax (running max m, running sum l, rescaled accumulator), the same
 * recurrence the WGSL kernel runs. Scores are never stored beyond one block.
 */
export function attentionForwardKernel(
  q: TypedArray,
  k: TypedArray,
  v: TypedArray,
  mask: TypedArray | undefined,
  info: AttentionInfo,
  out: TypedArray,
  lse: TypedArray,
): void {
  const { bh, tq, tk, d, scale } = info;
  const s = new Float64Array(BLOCK);
  const acc = new Float64Array(d);
  for (let p = 0; p < bh; p++) {
    const qb = p * tq * d;
    const kb = p * tk * d;
    for (let i = 0; i < tq; i++) {
      const qi = qb + i * d;
      let m = -Infinity;
      let l = 0;
      acc.fill(0);
      const end = info.causal ? Math.min(tk, i + 1) : tk;
      for (let j0 = 0; j0 < end; j0 += BLOCK) {
        const j1 = Math.min(end, j0 + BLOCK);
        let bm = -Infinity;
        for (let j = j0; j < j1; j++) {
          if (!visible(info, mask, p, i, j)) {
            s[j - j0] = -Infinity;
            continue;
          }
          let dot = 0;
          const kj = kb + j * d;
          for (let c = 0; c < d; c++) dot += q[qi + c]! * k[kj + c]!;
          const sc = dot * scale;
          s[j - j0] = sc;
          if (sc > bm) bm = sc;
        }
        if (bm === -Infinity) continue;
        const mNew = Math.max(m, bm);
        const alpha = m === -Infinity ? 0 : Math.exp(m - mNew);
        l *= alpha;
        for (let c = 0; c < d; c++) acc[c]! *= alpha;
        for (let j = j0; j < j1; j++) {
          const sc = s[j - j0]!;
          if (sc === -Infinity) continue;
          const w = Math.exp(sc - mNew);
          l += w;
          const vj = kb + j * d;
          for (let c = 0; c < d; c++) acc[c]! += w * v[vj + c]!;
        }
        m = mNew;
      }
      const oi = qb + i * d;
      if (l === 0) {
        for (let c = 0; c < d; c++) out[oi + c] = 0;
        lse[p * tq + i] = ATTENTION_EMPTY_LSE;
      } else {
        for (let c = 0; c < d; c++) out[oi + c] = acc[c]! / l;
        lse[p * tq + i] = m + Math.log(l);
      }
    }
  }
}

/**
 * Attention backward from the saved logsumexp: P is recomputed one score at a time, with
 * dS = P ∘ (dO·vᵀ − rowsum(dO ∘ O)). Memory is O(d) beyond the outputs. A fully masked row has
 * no visible key, so it contributes nothing.
 */
export function attentionBackwardKernel(
  dOut: TypedArray,
  out: TypedArray,
  lse: TypedArray,
  q: TypedArray,
  k: TypedArray,
  v: TypedArray,
  mask: TypedArray | undefined,
  info: AttentionInfo,
  dq: TypedArray,
  dk: TypedArray,
  dv: TypedArray,
): void {
  const { bh, tq, tk, d, scale } = info;
  dk.fill(0);
  dv.fill(0);
  for (let p = 0; p < bh; p++) {
    const qb = p * tq * d;
    const kb = p * tk * d;
    for (let i = 0; i < tq; i++) {
      const qi = qb + i * d;
      let D = 0;
      for (let c = 0; c < d; c++) D += dOut[qi + c]! * out[qi + c]!;
      const L = lse[p * tq + i]!;
      for (let c = 0; c < d; c++) dq[qi + c] = 0;
      const end = info.causal ? Math.min(tk, i + 1) : tk;
      for (let j = 0; j < end; j++) {
        if (!visible(info, mask, p, i, j)) continue;
        const kj = kb + j * d;
        let dot = 0;
        let dp = 0;
        for (let c = 0; c < d; c++) {
          dot += q[qi + c]! * k[kj + c]!;
          dp += dOut[qi + c]! * v[kj + c]!;
        }
        const w = Math.exp(dot * scale - L);
        const ds = w * (dp - D) * scale;
        for (let c = 0; c < d; c++) {
          dv[kj + c]! += w * dOut[qi + c]!;
          dq[qi + c]! += ds * k[kj + c]!;
          dk[kj + c]! += ds * q[qi + c]!;
        }
      }
    }
  }
}
