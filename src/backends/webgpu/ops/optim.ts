import type { AdamInfo, Handle } from '../../backend.js';
import { gpu, type GpuContext, type GpuHandle } from '../context.js';
import { ADAM_PARAMS } from '../params.js';
import { grid } from '../layout.js';

const WG = 256;

/** The fused Adam/AdamW step (kernels/adam.wgsl): one dispatch, three fresh output buffers. */
export function adamUpdate(
  ctx: GpuContext,
  param: Handle,
  grad: Handle,
  m: Handle,
  v: Handle,
  info: AdamInfo,
): { param: GpuHandle; m: GpuHandle; v: GpuHandle } {
  const n = param.size;
  const outP = ctx.alloc(n, param.dtype);
  const outM = ctx.alloc(n, param.dtype);
  const outV = ctx.alloc(n, param.dtype);
  const target = ctx.pipeline('adam', 'adam_main');
  const [x, y] = grid(Math.ceil(n / WG));
  const stepSize = info.lr / (1 - info.beta1 ** info.step);
  const bc2Sqrt = Math.sqrt(1 - info.beta2 ** info.step);
  ctx.batcher.dispatch(
    target,
    [outP.buffer, outM.buffer, outV.buffer, gpu(param).buffer, gpu(grad).buffer, gpu(m).buffer, gpu(v).buffer],
    ADAM_PARAMS.pack({
      size: n,
      beta1: info.beta1,
      beta2: info.beta2,
      eps: info.eps,
      step_size: stepSize,
      bc2_sqrt: bc2Sqrt,
      decay: info.decoupled ? 1 - info.lr * info.weightDecay : 1,
      l2: info.decoupled ? 0 : info.weightDecay,
    }),
    [x, y, 1],
  );
  return { param: outP, m: outM, v: outV };
}
