import type { CrossEntropyInfo } from '../../backends/backend.js';
import { needsGrad, record } from '../../autograd/tape.js';
import { DTypeError, ShapeError, ValueError, fmtShape, fmtValue } from '../../core/errors.js';
import { backendOf, wrap } from '../dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';

/** @internal What the 'crossEntropy' node keeps for the fused backward. */
export interface CrossEntropyAttrs {
  /** Each row's log-sum-exp of the logits, [rows]. */
  lse: Tensor;
  smoothing: number;
}

/**
 * Softmax cross-entropy of each row as one fused op ('crossEntropy'): loss[r] = lse(x[r]) −
 * (1 − ε)·x[r, t[r]] − ε·mean(x[r]), with ε the label smoothing. Shapes: logits [..., C] (the
 * class axis last), targets int32 [...] (logits' shape without the class axis) → per-row losses
 * shaped like targets. A target outside [0, C) marks a row to skip: its loss and gradient are 0
 * (`nn.functional.crossEntropy` maps its ignoreIndex there and checks every other id).
 * Forward is one pass per row and backward one (softmax − target distribution, times the
 * upstream gradient), instead of the log-softmax, gather, mask and their gradients as separate
 * full-size passes.
 */
export function crossEntropyFused(logits: Tensor, targets: Tensor, smoothing = 0): Tensor {
  if (logits.dtype === 'int32') throw new DTypeError('crossEntropy: logits must be a float tensor; got int32');
  if (targets.dtype !== 'int32')
    throw new DTypeError(`crossEntropy: targets have dtype ${targets.dtype}; expected int32 class ids`);
  const cols = logits.shape[logits.rank - 1] ?? 0;
  if (logits.rank < 1 || cols === 0 || targets.size * cols !== logits.size) {
    throw new ShapeError(
      `crossEntropy: logits have shape ${fmtShape(logits.shape)} and targets ${fmtShape(targets.shape)}; expected one target per row of a non-empty class axis`,
    );
  }
  if (!(smoothing >= 0 && smoothing <= 1))
    throw new ValueError(`crossEntropy: labelSmoothing must be in [0, 1]; got ${fmtValue(smoothing)}`);
  const backend = backendOf('crossEntropy', { logits, targets });
  const info: CrossEntropyInfo = { rows: targets.size, cols, smoothing };
  const r = backend.crossEntropyForward(
    logits.storage('crossEntropy', 'logits').handle,
    targets.storage('crossEntropy', 'targets').handle,
    info,
  );
  const loss = wrap(backend, r.loss, targets.shape, logits.dtype);
  const lse = wrap(backend, r.lse, [info.rows], logits.dtype);
  if (needsGrad(logits)) {
    record('crossEntropy', [logits, targets], loss, { lse, smoothing }, [lse]);
  } else {
    lse.dispose();
  }
  return loss;
}

/** @internal The 'crossEntropy' grad rule: one call of the fused backward primitive. */
export function crossEntropyGrad(g: Tensor, inputs: Tensor[], attrs: CrossEntropyAttrs): (Tensor | null)[] {
  const [logits, targets] = [inputs[0]!, inputs[1]!];
  const backend = backendOf('crossEntropy backward', { g, logits });
  const info: CrossEntropyInfo = { rows: targets.size, cols: logits.size / targets.size, smoothing: attrs.smoothing };
  const h = (t: Tensor) => t.storage('crossEntropy backward').handle;
  const d = backend.crossEntropyBackward(h(g), h(logits), h(targets), h(attrs.lse), info);
  return [wrap(backend, d, logits.shape, logits.dtype), null];
}
