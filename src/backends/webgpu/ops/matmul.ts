import { ACTIVATIONS, type Handle, type MatmulInfo } from '../../backend.js';
import { BackendError, DTypeError, fmtValue } from '../../../core/errors.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { MATMUL_PARAMS } from '../params.js';
import { opId } from '../generated.js';
import { grid } from '../layout.js';

/** Tile shape: 16x16 threads, each with a 4x4 register block, so 64x64 outputs per workgroup. */
const WGX = 16;
const WGY = 16;
const BK = 16;
const BM = WGY * 4;
const BN = WGX * 4;

/**
 * On software adapters, products up to this many multiply-adds per batch use the barrier-free
 * direct kernel: on SwiftShader it is 2-6x faster than the tiled one below about 200³ and
 * slower above 256³ (measured on a 2-core machine).
 */
const DIRECT_MAX_WORK = 1 << 23;
const DIRECT_WG = 64;

/**
 * The vec4 entry reads A and B and writes out as vec4s. Every vec4 it touches must start at a
 * multiple of 4 and lie wholly inside or wholly outside the matrix, which holds when each
 * operand's contiguous axis and batch stride are multiples of 4 and N is (for the output).
 */
export function vec4Aligned(info: MatmulInfo): boolean {
  const aAxis = info.transA ? info.m : info.k;
  const bAxis = info.transB ? info.k : info.n;
  return (
    aAxis % 4 === 0 && bAxis % 4 === 0 && info.n % 4 === 0 && info.aBatchStride % 4 === 0 && info.bBatchStride % 4 === 0
  );
}

export function matmul(ctx: GpuContext, a: Handle, b: Handle, info: MatmulInfo): GpuHandle {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || (info.bias && info.bias.dtype !== 'float32')) {
    throw new DTypeError(
      `webgpu matmul: a, b and bias must be float32; got ${fmtValue(a.dtype)}, ${b.dtype}${info.bias ? `, ${info.bias.dtype}` : ''}`,
    );
  }
  const { batch, m, n, k } = info;
  const out = ctx.alloc(batch * m * n, 'float32');
  if (batch * m * n === 0) return out;
  if (batch > 65535) throw new BackendError(`webgpu matmul: batch ${batch} exceeds 65535 workgroups along z`);
  const flags = {
    TRANS_A: info.transA,
    TRANS_B: info.transB,
    HAS_BIAS: info.bias !== undefined,
    ACT: opId(ACTIVATIONS, info.activation),
  };
  const buffers = [out.buffer, gpu(a).buffer, gpu(b).buffer, gpu(info.bias ?? a).buffer];
  const params = MATMUL_PARAMS.pack({ m, n, k, a_batch: info.aBatchStride, b_batch: info.bBatchStride });
  if (m === 1) {
    // GEMV: a single row of A is contiguous whether or not A is transposed.
    const [x, y] = grid(Math.ceil(n / (info.transB ? 4 : 64)));
    const target = ctx.pipeline('matmul', 'matmul_gemv', {
      TRANS_B: info.transB,
      HAS_BIAS: flags.HAS_BIAS,
      ACT: flags.ACT,
    });
    ctx.batcher.dispatch(target, buffers, params, [x, y, batch]);
    return out;
  }
  if (ctx.software && m * n * k <= DIRECT_MAX_WORK) {
    const [x, y] = grid(Math.ceil((Math.ceil(m / 4) * Math.ceil(n / 4)) / DIRECT_WG));
    const target = ctx.pipeline('matmul', 'matmul_direct', flags);
    ctx.batcher.dispatch(target, buffers, params, [x, y, batch]);
    return out;
  }
  if (Math.ceil(m / BM) > 65535 || Math.ceil(n / BN) > 65535) {
    throw new BackendError(`webgpu matmul: [${m}, ${n}] output exceeds the dispatch grid`);
  }
  const entry = vec4Aligned(info) ? 'matmul_tiled_vec4' : 'matmul_tiled';
  const target = ctx.pipeline('matmul', entry, { ...flags, WGX, WGY, BK });
  ctx.batcher.dispatch(target, buffers, params, [Math.ceil(n / BN), Math.ceil(m / BM), batch]);
  return out;
}
