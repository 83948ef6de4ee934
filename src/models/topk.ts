import { scope } from '../memory.js';
import { add } from '../ops/elementwise.js';
import { gather, scatterAdd } from '../ops/indexing.js';
import { reshape, stack } from '../ops/movement.js';
import { argmax } from '../ops/reduce.js';
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

/** What an excluded or disallowed item scores on the device; anything at or below EXCLUDED is dropped. */
const PENALTY = -1e30;
const EXCLUDED = -1e29;

/**
 * Top-K of every row of a device score matrix `scores` [B, n] (webgpu), without reading the
 * matrix back: excluded entries (`skip`, flat indices b·n + item, sorted or not) and items
 * outside `allow` get a large negative score by scatterAdd, then k rounds of argmax pick the
 * best entry of each row and push it down the same way. Only [B, k] indices and values come
 * back. argmax takes the first of equal maxima, so ties go to the lower item index, as in
 * {@link topKRow}. Rows with fewer than k eligible items return fewer. `scores` is not disposed.
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
        full([skip.length], PENALTY, { backend }),
      );
      s = reshape(flat, [B, n]);
    }
    if (allow) {
      const row = Float32Array.from(allow, (a) => (a ? 0 : PENALTY));
      s = add(s, tensor(row, { shape: [1, n], backend }));
    }
    const rowBase = tensor(
      Int32Array.from({ length: B }, (_, b) => b * n),
      { backend },
    );
    const push = full([B], PENALTY, { backend });
    const idx: Tensor[] = [];
    const val: Tensor[] = [];
    for (let r = 0; r < kk; r++) {
      const i = argmax(s, 1);
      idx.push(i);
      val.push(reshape(gather(s, 1, reshape(i, [B, 1])), [B]));
      if (r + 1 < kk) s = reshape(scatterAdd(reshape(s, [B * n]), 0, add(i, rowBase), push), [B, n]);
    }
    return { idx: stack(idx, 1), val: stack(val, 1) };
  });
  try {
    const items = (await picked.idx.data()) as Int32Array;
    const vals = (await picked.val.data()) as Float32Array;
    const out: { items: Int32Array; scores: Float32Array }[] = [];
    for (let b = 0; b < B; b++) {
      let m = 0;
      while (m < kk && vals[b * kk + m]! > EXCLUDED) m++;
      out.push({ items: items.slice(b * kk, b * kk + m), scores: vals.slice(b * kk, b * kk + m) });
    }
    return out;
  } finally {
    picked.idx.dispose();
    picked.val.dispose();
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
