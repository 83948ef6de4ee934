import type { Backend, MfBatch, MfTables } from '../../backends/backend.js';
import { BackendError, DTypeError, ShapeError, ValueError, fmtShape, fmtValue } from '../../core/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { backendOf } from '../dispatch.js';

/**
 * The front-end of the fused matrix-factorization primitives ({@link Backend.mfSgd},
 * {@link Backend.mfBpr}). They update the parameter tensors in place and record nothing on
 * the autograd tape: the gradient is folded into the kernel, which is the point of fusing it.
 */

/** Parameters of a biased MF, float32: userFactors [U, k], itemFactors [I, k], userBias [U], itemBias [I]. */
export interface MfParams {
  userFactors: Tensor;
  itemFactors: Tensor;
  userBias: Tensor;
  itemBias: Tensor;
}

/** Hyper-parameters of one {@link mfSgdStep} call; `start`/`count` default to all rows. */
export interface MfSgdStepOptions {
  start?: number;
  count?: number;
  lr: number;
  reg: number;
  lrBias?: number;
  regBias?: number;
  /** Global mean added to every prediction; default 0. */
  mean?: number;
  /** Whether biases take part; default true. */
  biases?: boolean;
}

/** Hyper-parameters of one {@link mfBprStep} call. */
export interface MfBprStepOptions {
  start?: number;
  count?: number;
  lr: number;
  reg: number;
  regBias?: number;
}

function checkParams(op: string, p: MfParams): { users: number; items: number; k: number } {
  const { userFactors: P, itemFactors: Q, userBias: bu, itemBias: bi } = p;
  for (const [name, t] of Object.entries(p)) {
    if (t.dtype !== 'float32') throw new DTypeError(`${op}: ${name} must be float32; got ${fmtValue(t.dtype)}`);
  }
  if (P.rank !== 2 || Q.rank !== 2 || P.shape[1] !== Q.shape[1]) {
    throw new ShapeError(
      `${op}: userFactors and itemFactors must be [users, k] and [items, k]; got ${fmtShape(P.shape)} and ${fmtShape(Q.shape)}`,
    );
  }
  const users = P.shape[0]!;
  const items = Q.shape[0]!;
  if (bu.size !== users || bi.size !== items) {
    throw new ShapeError(
      `${op}: userBias and itemBias must have ${users} and ${items} entries; got ${fmtShape(bu.shape)} and ${fmtShape(bi.shape)}`,
    );
  }
  return { users, items, k: P.shape[1]! };
}

function checkColumn(op: string, name: string, t: Tensor, dtype: 'int32' | 'float32', n: number): void {
  if (t.dtype !== dtype) throw new DTypeError(`${op}: ${name} must be ${dtype}; got ${fmtValue(t.dtype)}`);
  if (t.rank !== 1 || t.size !== n)
    throw new ShapeError(`${op}: ${name} must have shape [${n}] like users; got ${fmtShape(t.shape)}`);
}

function range(op: string, n: number, start = 0, count = n - start): { start: number; count: number } {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > n) {
    throw new ValueError(
      `${op}: start and count must be integers with 0 <= start, start + count <= ${n}; got start ${start}, count ${count}`,
    );
  }
  return { start, count };
}

/**
 * Index ranges are checked here when the backend can read synchronously (CPU). The WGSL
 * kernels skip a row with an out-of-range index rather than touch memory out of bounds; the
 * models check their index columns on the host before uploading them.
 */
function checkIndices(op: string, name: string, t: Tensor, limit: number, start: number, count: number): void {
  const b = t.backendImpl(op, name);
  if (!b.readSync) return;
  const h = t.storage(op, name).handle;
  const a = (h as unknown as { data: Int32Array }).data;
  for (let r = start; r < start + count; r++) {
    const x = a[r]!;
    if (x < 0 || x >= limit) throw new ValueError(`${op}: ${name}[${r}] = ${x} is outside [0, ${limit})`);
  }
}

function defined(o: Record<string, Tensor | undefined>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(o)) if (v) out[k] = v;
  return out;
}

function tables(op: string, p: MfParams): MfTables {
  return {
    userFactors: p.userFactors.storage(op, 'userFactors').handle,
    itemFactors: p.itemFactors.storage(op, 'itemFactors').handle,
    userBias: p.userBias.storage(op, 'userBias').handle,
    itemBias: p.itemBias.storage(op, 'itemBias').handle,
  };
}

function need<K extends 'mfSgd' | 'mfBpr'>(op: string, b: Backend, key: K): NonNullable<Backend[K]> {
  const fn = b[key];
  if (!fn)
    throw new BackendError(
      `${op}: the ${b.name} backend has no fused matrix-factorization kernel; use the cpu or webgpu backend`,
    );
  return fn.bind(b) as NonNullable<Backend[K]>;
}

/**
 * Validates one fused MF call's tables and columns (users, items, and `third`: ratings or
 * negatives) and resolves the row range and the backend; the two steps differ only in the
 * update they then run.
 */
function prepare(
  op: string,
  params: MfParams,
  batch: { users: Tensor; items: Tensor; loss?: Tensor | undefined },
  third: { name: 'ratings' | 'negatives'; tensor: Tensor },
  options: { start?: number | undefined; count?: number | undefined },
) {
  const { users, items, k } = checkParams(op, params);
  const n = batch.users.size;
  checkColumn(op, 'users', batch.users, 'int32', n);
  checkColumn(op, 'items', batch.items, 'int32', n);
  checkColumn(op, third.name, third.tensor, third.name === 'ratings' ? 'float32' : 'int32', n);
  if (batch.loss) checkColumn(op, 'loss', batch.loss, 'float32', n);
  const { start, count } = range(op, n, options.start, options.count);
  const backend = backendOf(op, defined({ ...params, ...batch, [third.name]: third.tensor }));
  checkIndices(op, 'users', batch.users, users, start, count);
  checkIndices(op, 'items', batch.items, items, start, count);
  if (third.name === 'negatives') checkIndices(op, 'negatives', third.tensor, items, start, count);
  const mfBatch: MfBatch = {
    users: batch.users.storage(op, 'users').handle,
    items: batch.items.storage(op, 'items').handle,
    [third.name]: third.tensor.storage(op, third.name).handle,
    loss: batch.loss?.storage(op, 'loss').handle,
  };
  return { backend, k, start, count, mfBatch, tables: tables(op, params) };
}

/**
 * One fused SGD pass of biased MF over rows start..start+count-1 of (users, items, ratings);
 * see `MfSgdInfo` (src/backends/backend.ts) for the update and the ordering semantics. `loss`,
 * when given ([n] float32), receives each processed row's squared error.
 */
export function mfSgdStep(
  params: MfParams,
  batch: { users: Tensor; items: Tensor; ratings: Tensor; loss?: Tensor | undefined },
  options: MfSgdStepOptions,
): void {
  const op = 'mfSgdStep';
  const { backend, k, start, count, mfBatch, tables } = prepare(
    op,
    params,
    batch,
    { name: 'ratings', tensor: batch.ratings },
    options,
  );
  for (const name of ['lr', 'reg', 'lrBias', 'regBias', 'mean'] as const) {
    const v = options[name];
    if (v !== undefined && !Number.isFinite(v))
      throw new ValueError(`${op}: ${name} must be finite; got ${fmtValue(v)}`);
  }
  need(op, backend, 'mfSgd')(tables, mfBatch, {
    k,
    start,
    count,
    lr: options.lr,
    reg: options.reg,
    lrBias: options.lrBias ?? options.lr,
    regBias: options.regBias ?? options.reg,
    mean: options.mean ?? 0,
    biases: options.biases ?? true,
  });
}

/**
 * One fused BPR pass over (users, items = positives, negatives) rows start..start+count-1; see
 * `MfBprInfo` (src/backends/backend.ts). `loss`, when given, receives each row's -log sigmoid(x_uij).
 */
export function mfBprStep(
  params: MfParams,
  batch: { users: Tensor; items: Tensor; negatives: Tensor; loss?: Tensor | undefined },
  options: MfBprStepOptions,
): void {
  const op = 'mfBprStep';
  const { backend, k, start, count, mfBatch, tables } = prepare(
    op,
    params,
    batch,
    { name: 'negatives', tensor: batch.negatives },
    options,
  );
  need(op, backend, 'mfBpr')(tables, mfBatch, {
    k,
    start,
    count,
    lr: options.lr,
    reg: options.reg,
    regBias: options.regBias ?? options.reg,
  });
}
