import type { CopyInfo, Handle, IndexInfo, RandomInfo } from '../../backend.js';
import type { DType } from '../../../core/dtype.js';
import { blocksUsed } from '../../../core/philox.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { RANDOM_KINDS, opId } from '../generated.js';
import { coalesce, grid, isContiguous } from '../layout.js';
import { COPY_PARAMS, FILL_PARAMS, INDEX_PARAMS, RANDOM_PARAMS } from '../params.js';

const WG = 256;

function groups(threads: number): [number, number, number] {
  const [x, y] = grid(Math.ceil(threads / WG));
  return [x, y, 1];
}

export function fill(ctx: GpuContext, size: number, value: number, dtype: DType): GpuHandle {
  const out = ctx.alloc(size, dtype);
  // The word is computed the way a typed array stores the value (int32: truncate and wrap).
  const word =
    dtype === 'int32'
      ? new Uint32Array(new Int32Array([value]).buffer)[0]!
      : new Uint32Array(new Float32Array([value]).buffer)[0]!;
  const target = ctx.pipeline('copy', 'fill_main');
  ctx.batcher.dispatch(target, [out.buffer], FILL_PARAMS.pack({ size, value: word }), groups(size));
  return out;
}

export function copy(ctx: GpuContext, src: Handle, dst: Handle, info: CopyInfo): void {
  let size = 1;
  for (const d of info.shape) size *= d;
  if (size === 0) return;
  let source = gpu(src);
  let temp: GpuHandle | undefined;
  if (source.buffer === gpu(dst).buffer) {
    // A buffer cannot be bound for reading and writing in one dispatch; read from a snapshot.
    temp = ctx.alloc(src.size, src.dtype);
    ctx.batcher.copy(source.buffer, 0, temp.buffer, 0, src.size * 4);
    source = temp;
  }
  const { shape, strides } = coalesce(info.shape, [info.srcStrides, info.dstStrides]);
  const [ss, ds] = strides as [number[], number[]];
  if (isContiguous(shape, ss) && isContiguous(shape, ds)) {
    // A contiguous run on both sides (reshapes, concat along the first axis): a plain copy.
    ctx.batcher.copy(source.buffer, info.srcOffset * 4, gpu(dst).buffer, info.dstOffset * 4, size * 4);
  } else {
    const target = ctx.pipeline('copy', 'copy_main');
    ctx.batcher.dispatch(
      target,
      [gpu(dst).buffer, source.buffer],
      COPY_PARAMS.pack({
        size,
        rank: shape.length,
        src_offset: info.srcOffset,
        dst_offset: info.dstOffset,
        shape,
        src_strides: ss,
        dst_strides: ds,
      }),
      groups(size),
    );
  }
  if (temp) ctx.release(temp);
}

function indexParams(info: IndexInfo, size: number) {
  return INDEX_PARAMS.pack({ outer: info.outer, axis_len: info.axisLen, inner: info.inner, count: info.count, size });
}

export function indexSelect(ctx: GpuContext, x: Handle, idx: Handle, info: IndexInfo): GpuHandle {
  const size = info.outer * info.count * info.inner;
  const out = ctx.alloc(size, x.dtype);
  if (size === 0) return out;
  const target = ctx.pipeline('index', 'index_select');
  ctx.batcher.dispatch(target, [out.buffer, gpu(x).buffer, gpu(idx).buffer], indexParams(info, size), groups(size));
  return out;
}

/** See kernels/index.wgsl for why this scatters with atomics (CAS loop for float32). */
export function indexAdd(ctx: GpuContext, base: Handle, idx: Handle, src: Handle, info: IndexInfo): GpuHandle {
  const out = ctx.alloc(base.size, base.dtype);
  ctx.batcher.copy(gpu(base).buffer, 0, out.buffer, 0, base.size * 4);
  const size = info.outer * info.count * info.inner;
  if (size === 0) return out;
  const target = ctx.pipeline('index', 'index_add', { IS_INT: base.dtype === 'int32' });
  ctx.batcher.dispatch(target, [out.buffer, gpu(src).buffer, gpu(idx).buffer], indexParams(info, size), groups(size));
  return out;
}

export function random(ctx: GpuContext, size: number, dtype: DType, info: RandomInfo): GpuHandle {
  const out = ctx.alloc(size, dtype);
  if (size === 0) return out;
  const blocks = blocksUsed(info.kind, size);
  const low = info.low ?? 0;
  const range = (info.high ?? 0) - low;
  const target = ctx.pipeline('random', 'random_main', {
    KIND: opId(RANDOM_KINDS, info.kind),
    OUT_INT: dtype === 'int32',
  });
  ctx.batcher.dispatch(
    target,
    [out.buffer],
    RANDOM_PARAMS.pack({
      size,
      blocks,
      key0: info.key[0],
      key1: info.key[1],
      ctr0: info.counter[0],
      ctr1: info.counter[1],
      low: low | 0,
      range: range >>> 0,
    }),
    groups(blocks),
  );
  return out;
}
