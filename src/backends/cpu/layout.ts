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
