import { needsGrad, record } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import {
  broadcastShapes,
  broadcastStrides,
  inferReshape,
  normalizeAxes,
  normalizeAxis,
  shapesEqual,
  sizeOf,
  stridesOf,
} from '../core/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { backendOf, view, wrap } from './dispatch.js';

/** Same data, new shape (no copy); one dim may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferReshape('reshape', x.shape, shape);
  const out = view(x, target, 'reshape');
  if (needsGrad(x)) record('reshape', [x], out, {});
  return out;
}

/** Reorders the axes: out.shape[i] = x.shape[perm[i]]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const rank = x.rank;
  const p = perm.map((a) => normalizeAxis('permute', a, rank));
  if (p.length !== rank || new Set(p).size !== rank) {
    throw new ShapeError(
      `permute: perm ${fmtValue(perm)} must list each of the ${rank} axes of ${fmtShape(x.shape)} once`,
    );
  }
  if (p.every((a, i) => a === i)) return reshape(x, x.shape);
  const backend = backendOf('permute', { x });
  const srcStrides = stridesOf(x.shape);
  const shape = p.map((a) => x.shape[a]!);
  const dst = backend.alloc(x.size, x.dtype);
  if (x.size > 0) {
    backend.copy(x.storage().handle, dst, {
      shape,
      srcStrides: p.map((a) => srcStrides[a]!),
      srcOffset: 0,
      dstStrides: stridesOf(shape),
      dstOffset: 0,
    });
  }
  const out = wrap(backend, dst, shape, x.dtype);
  if (needsGrad(x)) record('permute', [x], out, { perm: p });
  return out;
}

/** Swaps two axes (the last two by default). */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  if (x.rank < 2 && a === -2 && b === -1) return reshape(x, x.shape);
  const i = normalizeAxis('transpose', a, x.rank);
  const j = normalizeAxis('transpose', b, x.rank);
  const perm = x.shape.map((_, k) => k);
  perm[i] = j;
  perm[j] = i;
  return permute(x, perm);
}

/** Broadcasts to `shape` (numpy rules; -1 keeps a dim), copying the data. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const target = shape.map((d, i) => (d === -1 ? (x.shape[x.rank - shape.length + i] ?? 1) : d));
  const full = broadcastShapes('expand', x.shape, target);
  if (!shapesEqual(full, target)) {
    throw new ShapeError(`expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  }
  if (shapesEqual(x.shape, target)) return reshape(x, x.shape);
  const backend = backendOf('expand', { x });
  const size = sizeOf(target);
  const dst = backend.alloc(size, x.dtype);
  if (size > 0) {
    backend.copy(x.storage().handle, dst, {
      shape: target,
      srcStrides: broadcastStrides(x.shape, target),
      srcOffset: 0,
      dstStrides: stridesOf(target),
      dstOffset: 0,
    });
  }
  const out = wrap(backend, dst, target, x.dtype);
  if (needsGrad(x)) record('expand', [x], out, {});
  return out;
}

/** Removes size-1 axes (all of them, or the ones named). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  const axes =
    axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, x.rank);
  for (const a of axes) {
    if (x.shape[a] !== 1)
      throw new ShapeError(`squeeze: axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`);
  }
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/** Inserts a size-1 axis at `axis` (which may be x.rank, or negative). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('unsqueeze', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/**
 * The block x[begin[0]:end[0], begin[1]:end[1], ...]. Missing trailing entries take the whole
 * axis; negative positions count from the end, as in Python.
 */
export function slice(x: Tensor, begin: readonly number[], end?: readonly number[]): Tensor {
  if (begin.length > x.rank || (end && end.length > x.rank)) {
    throw new ShapeError(`slice: begin/end have more entries than the rank ${x.rank} of ${fmtShape(x.shape)}`);
  }
  const b: number[] = [];
  const shape: number[] = [];
  x.shape.forEach((d, i) => {
    const resolve = (v: number | undefined, dflt: number, what: string): number => {
      if (v === undefined) return dflt;
      if (!Number.isInteger(v)) throw new ValueError(`slice: ${what}[${i}] must be an integer; got ${fmtValue(v)}`);
      const r = v < 0 ? v + d : v;
      if (r < 0 || r > d)
        throw new ShapeError(`slice: ${what}[${i}] = ${v} is out of range for axis ${i} of size ${d}`);
      return r;
    };
    const s = resolve(begin[i], 0, 'begin');
    const e = resolve(end?.[i], d, 'end');
    if (e < s) throw new ShapeError(`slice: end[${i}] = ${end?.[i]} is before begin[${i}] = ${begin[i]}`);
    b.push(s);
    shape.push(e - s);
  });
  const backend = backendOf('slice', { x });
  const strides = stridesOf(x.shape);
  const size = sizeOf(shape);
  const dst = backend.alloc(size, x.dtype);
  if (size > 0) {
    backend.copy(x.storage().handle, dst, {
      shape,
      srcStrides: strides,
      srcOffset: b.reduce((p, v, i) => p + v * strides[i]!, 0),
      dstStrides: stridesOf(shape),
      dstOffset: 0,
    });
  }
  const out = wrap(backend, dst, shape, x.dtype);
  if (needsGrad(x)) record('slice', [x], out, { begin: b });
  return out;
}

/** `length` entries of `axis` starting at `start`. */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normalizeAxis('narrow', axis, x.rank);
  const begin = x.shape.map(() => 0);
  const end = [...x.shape];
  begin[a] = start;
  end[a] = start + length;
  return slice(x, begin, end);
}

/** Pads each axis with `pads[i] = [before, after]` entries of `value`. */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (pads.length !== x.rank || pads.some((p) => p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new ShapeError(
      `pad: pads must hold one [before, after] pair of non-negative integers per axis of ${fmtShape(x.shape)}`,
    );
  }
  const backend = backendOf('pad', { x });
  const shape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const dstStrides = stridesOf(shape);
  const dst = backend.fill(sizeOf(shape), value, x.dtype);
  if (x.size > 0) {
    backend.copy(x.storage().handle, dst, {
      shape: x.shape,
      srcStrides: stridesOf(x.shape),
      srcOffset: 0,
      dstStrides,
      dstOffset: pads.reduce((p, [before], i) => p + before * dstStrides[i]!, 0),
    });
  }
  const before = pads.map((p) => p[0]);
  const out = wrap(backend, dst, shape, x.dtype);
  if (needsGrad(x)) record('pad', [x], out, { before, value });
  return out;
}

/** Joins tensors along an existing axis. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ValueError('concat: needs at least one tensor');
  const first = xs[0]!;
  const a = normalizeAxis('concat', axis, first.rank);
  const named: Record<string, Tensor> = {};
  xs.forEach((t, i) => {
    named[`xs[${i}]`] = t;
    if (t.rank !== first.rank || t.shape.some((d, j) => j !== a && d !== first.shape[j]) || t.dtype !== first.dtype) {
      throw new ShapeError(
        `concat: xs[${i}] has shape ${fmtShape(t.shape)} (${t.dtype}); every input must match xs[0] ${fmtShape(first.shape)} (${first.dtype}) except on axis ${a}`,
      );
    }
  });
  const backend = backendOf('concat', named);
  const shape = [...first.shape];
  shape[a] = xs.reduce((p, t) => p + t.shape[a]!, 0);
  const dstStrides = stridesOf(shape);
  const dst = backend.alloc(sizeOf(shape), first.dtype);
  let offset = 0;
  for (const t of xs) {
    if (t.size > 0) {
      backend.copy(t.storage().handle, dst, {
        shape: t.shape,
        srcStrides: stridesOf(t.shape),
        srcOffset: 0,
        dstStrides,
        dstOffset: offset * dstStrides[a]!,
      });
    }
    offset += t.shape[a]!;
  }
  const out = wrap(backend, dst, shape, first.dtype);
  if (needsGrad(...xs)) record('concat', [...xs], out, { axis: a });
  return out;
}

/** Joins tensors of one shape along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ValueError('stack: needs at least one tensor');
  const a = normalizeAxis('stack', axis, xs[0]!.rank + 1);
  xs.forEach((t, i) => {
    if (!shapesEqual(t.shape, xs[0]!.shape)) {
      throw new ShapeError(
        `stack: xs[${i}] has shape ${fmtShape(t.shape)}; expected ${fmtShape(xs[0]!.shape)} like xs[0]`,
      );
    }
  });
  const parts = xs.map((t) => unsqueeze(t, a));
  const out = concat(parts, a);
  if (!out.requiresGrad) for (const p of parts) p.dispose();
  return out;
}

/** Splits `x` along `axis` into pieces of the given sizes (or `sizes` equal pieces). */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis('split', axis, x.rank);
  const d = x.shape[a]!;
  const list = typeof sizes === 'number' ? Array.from({ length: sizes }, () => d / sizes) : [...sizes];
  if (!list.every((s) => Number.isInteger(s) && s >= 0) || list.reduce((p, s) => p + s, 0) !== d) {
    throw new ShapeError(`split: sizes ${fmtValue(sizes)} do not divide axis ${a} of size ${d}`);
  }
  let start = 0;
  return list.map((s) => {
    const part = narrow(x, a, start, s);
    start += s;
    return part;
  });
}
