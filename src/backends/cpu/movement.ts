import type { CopyInfo, IndexInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import { collapseDims } from '../../core/shape.js';
import { forEachRow } from './layout.js';

/** dst[dstOffset + i·dstStrides] = src[srcOffset + i·srcStrides] for every index i over shape. */
export function copyKernel(src: TypedArray, dst: TypedArray, info: CopyInfo): void {
  const { shape, strides } = collapseDims(info.shape, [info.srcStrides, info.dstStrides]);
  const r = shape.length;
  const len = r === 0 ? 1 : shape[r - 1]!;
  const ss = r === 0 ? 0 : strides[0]![r - 1]!;
  const ds = r === 0 ? 0 : strides[1]![r - 1]!;
  const s0 = info.srcOffset;
  const d0 = info.dstOffset;
  forEachRow(shape, strides, (offs) => {
    const si = s0 + offs[0]!;
    const di = d0 + offs[1]!;
    if (ss === 1 && ds === 1 && len > 16) {
      dst.set(src.subarray(si, si + len), di);
      return;
    }
    for (let t = 0, s = si, d = di; t < len; t++, s += ss, d += ds) dst[d] = src[s]!;
  });
}

/** out[o, j, i] = x[o, idx[j], i]. */
export function indexSelectKernel(x: TypedArray, idx: TypedArray, info: IndexInfo, out: TypedArray): void {
  const { outer, axisLen, inner, count } = info;
  for (let o = 0; o < outer; o++) {
    const xBase = o * axisLen * inner;
    const oBase = o * count * inner;
    for (let j = 0; j < count; j++) {
      const s = xBase + idx[j]! * inner;
      const d = oBase + j * inner;
      if (inner > 16) {
        out.set(x.subarray(s, s + inner), d);
      } else {
        for (let i = 0; i < inner; i++) out[d + i] = x[s + i]!;
      }
    }
  }
}

/** out = base with out[o, idx[j], i] += src[o, j, i]; repeated indices accumulate. */
export function indexAddKernel(
  base: TypedArray,
  idx: TypedArray,
  src: TypedArray,
  info: IndexInfo,
  out: TypedArray,
): void {
  const { outer, axisLen, inner, count } = info;
  out.set(base);
  for (let o = 0; o < outer; o++) {
    const oBase = o * axisLen * inner;
    const sBase = o * count * inner;
    for (let j = 0; j < count; j++) {
      const d = oBase + idx[j]! * inner;
      const s = sBase + j * inner;
      for (let i = 0; i < inner; i++) out[d + i] = out[d + i]! + src[s + i]!;
    }
  }
}
