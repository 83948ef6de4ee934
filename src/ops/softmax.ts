import { needsGrad, record } from '../autograd/tape.js';
import { normalizeAxis } from '../core/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { backendOf, wrap } from './dispatch.js';
import { cast } from './elementwise.js';
import { transpose } from './movement.js';

function rowwise(op: 'softmax' | 'logSoftmax', x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(op, axis, Math.max(x.rank, 1));
  if (x.dtype === 'int32') {
    const xf = cast(x, 'float32');
    const out = rowwise(op, xf, axis);
    xf.dispose();
    return out;
  }
  const backend = backendOf(op, { x });
  const last = x.rank - 1;
  // The backend works on rows; another axis is swapped to the end and back.
  const src = a === last || x.rank === 0 ? x : transpose(x, a, last);
  const cols = src.rank === 0 ? 1 : src.shape[last]!;
  const handle = backend.softmax(src.storage().handle, cols === 0 ? 0 : src.size / cols, cols, op === 'logSoftmax');
  let out = wrap(backend, handle, src.shape, x.dtype);
  if (src !== x) {
    src.dispose();
    const back = transpose(out, a, last);
    out.dispose();
    out = back;
  }
  if (needsGrad(x)) record(op, [x], out, { axis: a });
  return out;
}

/** exp(x) / Σ exp(x) along `axis` (the last by default), computed stably. */
export const softmax = (x: Tensor, axis = -1): Tensor => rowwise('softmax', x, axis);
/** x − logsumexp(x) along `axis` (the last by default), computed stably. */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => rowwise('logSoftmax', x, axis);
