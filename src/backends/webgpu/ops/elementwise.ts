import type { BinaryOp, BroadcastInfo, Handle, UnaryOp } from '../../backend.js';
import { BINARY_OPS, isCompare } from '../../binary-ops.js';
import { UNARY_OPS } from '../../unary-ops.js';
import type { DType } from '../../../core/dtype.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { ELEMENTWISE_PARAMS } from '../params.js';
import { opId } from '../generated.js';
import { coalesce, grid } from '../layout.js';

const WG = 256;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

function groups(size: number): [number, number, number] {
  const [x, y] = grid(Math.ceil(size / WG));
  return [x, y, 1];
}

export function unary(ctx: GpuContext, op: UnaryOp, x: Handle): GpuHandle {
  const out = ctx.alloc(x.size, x.dtype);
  const target = ctx.pipeline('elementwise', 'unary_main', { OP: opId(UNARY_OPS, op), IS_INT: x.dtype === 'int32' });
  ctx.batcher.dispatch(target, [out.buffer, gpu(x).buffer], ELEMENTWISE_PARAMS.pack({ size: x.size }), groups(x.size));
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
    ELEMENTWISE_PARAMS.pack({
      size: info.outSize,
      rank: shape.length,
      shape,
      s0: strides[0] ?? [],
      s1: strides[1] ?? [],
      s2: strides[2] ?? [],
    }),
    groups(info.outSize),
  );
  return out;
}

export function binary(ctx: GpuContext, op: BinaryOp, a: Handle, b: Handle, info: BroadcastInfo): GpuHandle {
  const outDtype: DType = isCompare(op) ? 'int32' : a.dtype;
  return strided(ctx, 'binary_main', { OP: opId(BINARY_OPS, op), IS_INT: a.dtype === 'int32' }, outDtype, [a, b], info);
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
  ctx.batcher.dispatch(target, buffers, ELEMENTWISE_PARAMS.pack({ size: x.size }), groups(x.size));
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
    ELEMENTWISE_PARAMS.pack({ size: x.size, lo_i: toInt(lo), hi_i: toInt(hi), lo_f: lo, hi_f: hi }),
    groups(x.size),
  );
  return out;
}
