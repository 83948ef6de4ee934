import { scope } from '../memory.js';
import { add } from '../ops/elementwise.js';
import { scatterAdd } from '../ops/indexing.js';
import { reshape } from '../ops/movement.js';
import { topK } from '../ops/topk.js';
import { matmulFused } from '../ops/matmul.js';
import { full, tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Top-K selection over one row of scores with a size-k min-heap: O(n log k), no sort of the
 * full catalog. `skip` is a sorted list of item indices to leave out (the user's seen items),
 * `allow` an optional mask (1 = may be recommended). Ties go to the lower item index, so
 * results are deterministic across backends whose scores agree.
 */
export function topKRow(
  scores: Float32Array,
  offset: number,
  n: number,
  k: number,
  skip: Int32Array | undefined,
  allow: Uint8Array | undefined,
): { items: Int32Array; scores: Float32Array } {
  const hi = new Int32Array(k);
  const hs = new Float32Array(k);
  let size = 0;
  let s = 0;
  const worse = (a: number, b: number): boolean => hs[a]! < hs[b]! || (hs[a] === hs[b] && hi[a]! > hi[b]!);
  for (let i = 0; i < n; i++) {
    if (skip) {
      while (s < skip.length && skip[s]! < i) s++;
      if (s < skip.length && skip[s] === i) continue;
    }
    if (allow && allow[i] === 0) continue;
    const v = scores[offset + i]!;
    if (Number.isNaN(v)) continue;
    if (size < k) {
      hi[size] = i;
      hs[size] = v;
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(c, p)) break;
        swap(hi, hs, c, p);
        c = p;
      }
    } else if (v > hs[0]!) {
      hi[0] = i;
      hs[0] = v;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        const r = l + 1;
        let m = c;
        if (l < size && worse(l, m)) m = l;
        if (r < size && worse(r, m)) m = r;
        if (m === c) break;
        swap(hi, hs, c, m);
        c = m;
      }
    }
  }
  const order = Array.from({ length: size }, (_, j) => j).sort((a, b) => hs[b]! - hs[a]! || hi[a]! - hi[b]!);
  return { items: Int32Array.from(order, (j) => hi[j]!), scores: Float32Array.from(order, (j) => hs[j]!) };
}

function swap(hi: Int32Array, hs: Float32Array, a: number, b: number): void {
  const ti = hi[a]!;
  hi[a] = hi[b]!;
  hi[b] = ti;
  const ts = hs[a]!;
  hs[a] = hs[b]!;
  hs[b] = ts;
}

/**
 * Top-K of every row of a device score matrix `scores` [B, n] (webgpu), without reading the
 * matrix back: excluded entries (`skip`, flat indices b·n + item, sorted or not) and items
 * outside `allow` are set to -Infinity (scatterAdd, and one broadcast add), then the topK
 * kernel (src/ops/topk.ts) selects each row's best k on the device; only [B, k] indices and
 * values come back, and -Infinity entries are dropped, so rows with fewer than k eligible
 * items return fewer. Ties go to the lower item index, as in {@link topKRow}. Scores must be
 * finite (a factor model's are). `scores` is not disposed.
 */
export async function topKOnDevice(
  scores: Tensor,
  k: number,
  skip: Int32Array | undefined,
  allow: Uint8Array | undefined,
): Promise<{ items: Int32Array; scores: Float32Array }[]> {
  const [B, n] = scores.shape as [number, number];
  const kk = Math.min(k, n);
  const backend = scores.backend;
  const picked = scope(() => {
    let s = scores;
    if (skip && skip.length > 0) {
      const flat = scatterAdd(
        reshape(s, [B * n]),
        0,
        tensor(skip, { backend }),
        full([skip.length], Number.NEGATIVE_INFINITY, { backend }),
      );
      s = reshape(flat, [B, n]);
    }
    if (allow) {
      const row = Float32Array.from(allow, (a) => (a ? 0 : Number.NEGATIVE_INFINITY));
      s = add(s, tensor(row, { shape: [1, n], backend }));
    }
    return topK(s, kk);
  });
  try {
    const items = (await picked.indices.data()) as Int32Array;
    const vals = (await picked.values.data()) as Float32Array;
    const out: { items: Int32Array; scores: Float32Array }[] = [];
    for (let b = 0; b < B; b++) {
      let m = 0;
      while (m < kk && vals[b * kk + m]! > Number.NEGATIVE_INFINITY) m++;
      out.push({ items: items.slice(b * kk, b * kk + m), scores: vals.slice(b * kk, b * kk + m) });
    }
    return out;
  } finally {
    picked.indices.dispose();
    picked.values.dispose();
  }
}

/**
 * A factor model's top-K on the device: the users' rows of P as one [B, k] upload, one matmul
 * with the GPU-resident Q and the item biases fused, {@link topKOnDevice}, then the user's
 * constant terms (mean + b_u) added to the k scores on the host, so scores equal unclipped
 * predictions as on the host path.
 */
export async function factorTopKOnDevice(
  t: { P: Float32Array; bu: Float32Array; mean: number; k: number; Q: Tensor; bi: Tensor },
  users: Int32Array,
  k: number,
  seen: { offsets: Int32Array; items: Int32Array } | undefined,
  allow: Uint8Array | undefined,
): Promise<{ items: Int32Array; scores: Float32Array }[]> {
  const d = t.k;
  const n = t.bi.shape[0]!;
  const B = users.length;
  const rows = new Float32Array(B * d);
  for (let b = 0; b < B; b++) rows.set(t.P.subarray(users[b]! * d, (users[b]! + 1) * d), b * d);
  let skip: Int32Array | undefined;
  if (seen) {
    const flat: number[] = [];
    for (let b = 0; b < B; b++)
      for (let a = seen.offsets[users[b]!]!; a < seen.offsets[users[b]! + 1]!; a++) flat.push(b * n + seen.items[a]!);
    skip = Int32Array.from(flat);
  }
  const pu = tensor(rows, { shape: [B, d], backend: t.Q.backend });
  const s = matmulFused(pu, t.Q, { transB: true, bias: t.bi });
  try {
    const top = await topKOnDevice(s, k, skip, allow);
    for (let b = 0; b < B; b++) {
      const c = t.mean + t.bu[users[b]!]!;
      if (c !== 0) for (let j = 0; j < top[b]!.scores.length; j++) top[b]!.scores[j]! += c;
    }
    return top;
  } finally {
    pu.dispose();
    s.dispose();
  }
}
