import type { CopyInfo, Handle, IndexInfo, RandomInfo } from '../../backend.js';
import type { DType } from '../../../core/dtype.js';
import { blocksUsed } from '../../../core/philox.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { coalesce, grid, isContiguous, writeDims } from '../layout.js';

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
  ctx.batcher.dispatch(
    target,
    [out.buffer],
    (u, _i, _f, at) => {
      u[at] = size;
      u[at + 1] = word;
    },
    groups(size),
  );
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
      (u, i, _f, at) => {
        u[at] = size;
        u[at + 1] = shape.length;
        i[at + 2] = info.srcOffset;
        i[at + 3] = info.dstOffset;
        writeDims(u, at + 4, shape);
        writeDims(i, at + 12, ss);
        writeDims(i, at + 20, ds);
      },
      groups(size),
    );
  }
  if (temp) ctx.release(temp);
}

function indexParams(info: IndexInfo, size: number) {
  return (u: Uint32Array, _i: Int32Array, _f: Float32Array, at: number) => {
    u[at] = info.outer;
    u[at + 1] = info.axisLen;
    u[at + 2] = info.inner;
    u[at + 3] = info.count;
    u[at + 4] = size;
  };
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

const KIND_INDEX: Record<RandomInfo['kind'], number> = { uniform: 0, normal: 1, int: 2 };

export function random(ctx: GpuContext, size: number, dtype: DType, info: RandomInfo): GpuHandle {
  const out = ctx.alloc(size, dtype);
  if (size === 0) return out;
  const blocks = blocksUsed(info.kind, size);
  const low = info.low ?? 0;
  const range = (info.high ?? 0) - low;
  const target = ctx.pipeline('random', 'random_main', { KIND: KIND_INDEX[info.kind], OUT_INT: dtype === 'int32' });
  ctx.batcher.dispatch(
    target,
    [out.buffer],
    (u, i, _f, at) => {
      u[at] = size;
      u[at + 1] = blocks;
      u[at + 2] = info.key[0];
      u[at + 3] = info.key[1];
      u[at + 4] = info.counter[0];
      u[at + 5] = info.counter[1];
      i[at + 6] = low | 0;
      u[at + 7] = range >>> 0;
    },
    groups(blocks),
  );
  return out;
}
