/**
 * Straightforward reference implementations over flat arrays, written for the tests. They are
 * deliberately naive (one index computation per element) so they are easy to trust.
 */
export type Shape = number[];

export const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export function stridesOf(s: readonly number[]): number[] {
  const out = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    out[i] = acc;
    acc *= s[i]!;
  }
  return out;
}

export function unravel(i: number, shape: readonly number[]): number[] {
  const st = stridesOf(shape);
  return shape.map((d, k) => Math.floor(i / st[k]!) % d);
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  const st = stridesOf(shape);
  return idx.reduce((a, v, k) => a + v * st[k]!, 0);
}

export function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error('not broadcastable');
    return da === 1 ? db : da;
  });
}

/** Reads `values` (of `shape`) at an index of the broadcast `outShape`. */
export function readBroadcast(values: ArrayLike<number>, shape: readonly number[], outIdx: readonly number[]): number {
  const off = outIdx.length - shape.length;
  const idx = shape.map((d, k) => (d === 1 ? 0 : outIdx[off + k]!));
  return values[ravel(idx, shape)]!;
}

export function binaryRef(
  a: ArrayLike<number>,
  as: Shape,
  b: ArrayLike<number>,
  bs: Shape,
  f: (x: number, y: number) => number,
): { values: number[]; shape: Shape } {
  const shape = broadcast(as, bs);
  const values = Array.from({ length: sizeOf(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    return f(readBroadcast(a, as, idx), readBroadcast(b, bs, idx));
  });
  return { values, shape };
}

export function reduceRef(
  x: ArrayLike<number>,
  shape: Shape,
  axes: number[],
  f: (vals: number[]) => number,
  keepDims = false,
): { values: number[]; shape: Shape } {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: sizeOf(outShape) }, () => []);
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape).map((v, k) => (axes.includes(k) ? 0 : v));
    groups[ravel(idx, outShape)]!.push(x[i]!);
  }
  return { values: groups.map(f), shape: keepDims ? outShape : shape.filter((_, i) => !axes.includes(i)) };
}

export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      out[i * n + j] = s;
    }
  return out;
}

export function permuteRef(x: ArrayLike<number>, shape: Shape, perm: number[]): number[] {
  const outShape = perm.map((p) => shape[p]!);
  return Array.from({ length: sizeOf(shape) }, (_, i) => {
    const o = unravel(i, outShape);
    const src = new Array<number>(shape.length);
    perm.forEach((p, k) => (src[p] = o[k]!));
    return x[ravel(src, shape)]!;
  });
}

/** Asserts |a - e| <= atol + rtol·|e| elementwise, with a message naming the first failure. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol = 1e-5, atol = 1e-6 } = {},
  what = '',
): void {
  if (actual.length !== expected.length)
    throw new Error(`${what}: length ${actual.length} vs expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (e === a) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what}: element ${i} is ${a}; expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}
