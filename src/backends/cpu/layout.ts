/**
 * Merges dims that every operand walks contiguously and drops size-1 dims, so a broadcast or
 * strided loop runs over as few, as long rows as possible. Element order is unchanged.
 */
export function collapseDims(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    if (merge) {
      for (let t = 0; t < strides.length; t++) {
        // Outer stride must equal inner stride * inner extent for the pair to act as one dim.
        if (outStrides[t]![last]! !== strides[t]![d]! * n) {
          merge = false;
          break;
        }
      }
    }
    if (merge) {
      outShape[last] = outShape[last]! * n;
      for (let t = 0; t < strides.length; t++) outStrides[t]![last] = strides[t]![d]!;
    } else {
      outShape.push(n);
      for (let t = 0; t < strides.length; t++) outStrides[t]!.push(strides[t]![d]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Row-major contiguous strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * Calls `row(offsets)` once per innermost row of a collapsed layout; `offsets[t]` is operand
 * t's start. The caller runs the row itself with length shape[last] and stride strides[t][last],
 * so the per-element loop stays a tight, closure-free loop in the caller.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  row: (offsets: Float64Array) => void,
): void {
  const r = shape.length;
  const nOps = strides.length;
  const offs = new Float64Array(nOps);
  for (let d = 0; d < r; d++) if (shape[d] === 0) return;
  if (r <= 1) {
    row(offs);
    return;
  }
  let rows = 1;
  for (let d = 0; d < r - 1; d++) rows *= shape[d]!;
  const counter = new Array<number>(r - 1).fill(0);
  for (let n = 0; n < rows; n++) {
    row(offs);
    // Advance the outer index like an odometer: increment the last outer dim, carry on wrap.
    for (let d = r - 2; d >= 0; d--) {
      const c = counter[d]! + 1;
      if (c < shape[d]!) {
        counter[d] = c;
        for (let t = 0; t < nOps; t++) offs[t] = offs[t]! + strides[t]![d]!;
        break;
      }
      counter[d] = 0;
      for (let t = 0; t < nOps; t++) offs[t] = offs[t]! - strides[t]![d]! * (shape[d]! - 1);
    }
  }
}
