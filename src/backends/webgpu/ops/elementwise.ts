import { ARITH_OPS, COMPARE_OPS, UNARY_OPS } from '../../backend.js';
import type { BinaryOp, BroadcastInfo, Handle, UnaryOp } from '../../backend.js';
import type { DType } from '../../../core/dtype.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { coalesce, grid, writeDims } from '../layout.js';

const WG = 256;
const UNARY_INDEX = new Map<UnaryOp, number>(UNARY_OPS.map((op, i) => [op, i]));
const BINARY_INDEX = new Map<BinaryOp, number>([...ARITH_OPS, ...COMPARE_OPS].map((op, i) => [op, i]));
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

function groups(size: number): [number, number, number] {
  const [x, y] = grid(Math.ceil(size / WG));
  return [x, y, 1];
}

export function unary(ctx: GpuContext, op: UnaryOp, x: Handle): GpuHandle {
  const out = ctx.alloc(x.size, x.dtype);
  const target = ctx.pipeline('elementwise', 'unary_main', { OP: UNARY_INDEX.get(op)!, IS_INT: x.dtype === 'int32' });
  ctx.batcher.dispatch(
    target,
    [out.buffer, gpu(x).buffer],
    (u, _i, _f, at) => {
      u[at] = x.size;
    },
    groups(x.size),
  );
  return out;
}

/** Dispatches a strided elementwise kernel over up to three inputs read through broadcast strides. */
function strided(
  ctx: GpuContext,
  entry: string,
  constants: Record<string, number | boolean>,
  outDtype: DType,
  inputs: readonly Handle[],
  info: BroadcastInfo,
): GpuHandle {
  const out = ctx.alloc(info.outSize, outDtype);
  if (info.outSize === 0) return out;
  const { shape, strides } = coalesce(info.outShape, info.strides);
  const contig = shape.length <= 1 && strides.every((s) => s.length === 0 || s[0] === 1);
  const target = ctx.pipeline('elementwise', entry, { ...constants, CONTIG: contig });
  // 'auto' layouts hold only the bindings an entry point uses: binary binds 2 inputs, where 3.
  const buffers = [out.buffer, ...inputs.map((h) => gpu(h).buffer)];
  ctx.batcher.dispatch(
    target,
    buffers,
    (u, _i, _f, at) => {
      u[at] = info.outSize;
      u[at + 1] = shape.length;
      writeDims(u, at + 8, shape);
      for (let k = 0; k < 3; k++) writeDims(u, at + 16 + 8 * k, strides[k] ?? []);
    },
    groups(info.outSize),
  );
  return out;
}

export function binary(ctx: GpuContext, op: BinaryOp, a: Handle, b: Handle, info: BroadcastInfo): GpuHandle {
  const index = BINARY_INDEX.get(op)!;
  const outDtype: DType = index >= ARITH_OPS.length ? 'int32' : a.dtype;
  return strided(ctx, 'binary_main', { OP: index, IS_INT: a.dtype === 'int32' }, outDtype, [a, b], info);
}

export function where(ctx: GpuContext, cond: Handle, a: Handle, b: Handle, info: BroadcastInfo): GpuHandle {
  return strided(ctx, 'where_main', {}, a.dtype, [cond, a, b], info);
}

export function cast(ctx: GpuContext, x: Handle, to: DType): GpuHandle {
  const out = ctx.alloc(x.size, to);
  if (x.dtype === to) {
    ctx.batcher.copy(gpu(x).buffer, 0, out.buffer, 0, x.size * 4);
    return out;
  }
  const target = ctx.pipeline('elementwise', 'cast_main', { IS_INT: x.dtype === 'int32', OUT_INT: to === 'int32' });
  const buffers = [out.buffer, gpu(x).buffer];
  ctx.batcher.dispatch(
    target,
    buffers,
    (u, _i, _f, at) => {
      u[at] = x.size;
    },
    groups(x.size),
  );
  return out;
}

export function clamp(ctx: GpuContext, x: Handle, lo: number, hi: number): GpuHandle {
  const out = ctx.alloc(x.size, x.dtype);
  const isInt = x.dtype === 'int32';
  const target = ctx.pipeline('elementwise', 'clamp_main', { IS_INT: isInt });
  // For int32, clamping to trunc(lo)/trunc(hi) equals clamping in float64 and then truncating.
  const toInt = (v: number) => (Number.isNaN(v) ? 0 : Math.min(INT32_MAX, Math.max(INT32_MIN, Math.trunc(v))));
  const buffers = [out.buffer, gpu(x).buffer];
  ctx.batcher.dispatch(
    target,
    buffers,
    (u, i, f, at) => {
      u[at] = x.size;
      i[at + 2] = toInt(lo);
      i[at + 3] = toInt(hi);
      f[at + 4] = lo;
      f[at + 5] = hi;
    },
    groups(x.size),
  );
  return out;
}
