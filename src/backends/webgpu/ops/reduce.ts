import { REDUCE_OPS } from '../../backend.js';
import type { Handle, ReduceOp } from '../../backend.js';
import { DTypeError, fmtValue } from '../../../core/errors.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { REDUCE_PARAMS, SOFTMAX_PARAMS } from '../params.js';
import { opId } from '../generated.js';
import { grid } from '../layout.js';

const WG = 256;
/**
 * Short rows get one thread each instead of a workgroup each; so do medium rows when there
 * are enough of them to fill the device without splitting rows.
 */
const SHORT_ROW = 64;
const MEDIUM_ROW = 512;
const MANY_ROWS = 4096;

/**
 * One invocation per row for short rows, for many medium rows, and on software adapters unless
 * there are too few rows to keep the threads busy; otherwise one workgroup tree per row.
 */
function rowGrid(ctx: GpuContext, outer: number, inner: number): { entry: string; groups: [number, number, number] } {
  const perThread = ctx.software
    ? outer >= WG || inner <= MEDIUM_ROW
    : inner <= SHORT_ROW || (inner <= MEDIUM_ROW && outer >= MANY_ROWS);
  if (perThread) {
    const [x, y] = grid(Math.ceil(outer / WG));
    return { entry: 'rows', groups: [x, y, 1] };
  }
  const [x, y] = grid(outer);
  return { entry: 'wg', groups: [x, y, 1] };
}

export function reduce(ctx: GpuContext, op: ReduceOp, x: Handle, outer: number, inner: number): GpuHandle {
  const isArg = op === 'argmax' || op === 'argmin';
  if (op === 'logsumexp' && x.dtype !== 'float32') {
    throw new DTypeError(`webgpu reduce: logsumexp needs float32 input; got ${fmtValue(x.dtype)}`);
  }
  const out = ctx.alloc(outer, isArg ? 'int32' : x.dtype);
  if (outer === 0) return out;
  const { entry, groups } = rowGrid(ctx, outer, inner);
  const target = ctx.pipeline('reduce', `reduce_${entry}`, { OP: opId(REDUCE_OPS, op), IS_INT: x.dtype === 'int32' });
  ctx.batcher.dispatch(target, [out.buffer, gpu(x).buffer], REDUCE_PARAMS.pack({ outer, inner }), groups);
  return out;
}

export function softmax(ctx: GpuContext, x: Handle, rows: number, cols: number, log: boolean): GpuHandle {
  if (x.dtype !== 'float32') throw new DTypeError(`webgpu softmax: x must be float32; got ${fmtValue(x.dtype)}`);
  const out = ctx.alloc(rows * cols, 'float32');
  if (rows * cols === 0) return out;
  const { entry, groups } = rowGrid(ctx, rows, cols);
  const target = ctx.pipeline('softmax', `softmax_${entry}`, { LOG: log });
  ctx.batcher.dispatch(target, [out.buffer, gpu(x).buffer], SOFTMAX_PARAMS.pack({ rows, cols }), groups);
  return out;
}
