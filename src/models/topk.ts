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
