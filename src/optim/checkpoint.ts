import { DTypeError, ShapeError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import { isFloat } from '../core/dtype.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** One param group in an {@link OptimizerStateDict}: its hyper-parameters and its parameters' indices. */
export interface OptimizerGroupState {
  /** Indices of the group's parameters, counted across all groups in order (group 0's first). */
  params: number[];
  /** The group's hyper-parameters (lr, betas, momentum, ...), as plain JSON values. */
  [option: string]: unknown;
}

/**
 * An optimizer's checkpoint, from `stateDict()` and for `loadStateDict()`. Parameters are named
 * by index (their position across the param groups), so the dict fits any optimizer built over
 * the same parameters in the same order. `state` holds tensors (write them with safetensors);
 * `steps` and `paramGroups` are plain JSON (write them as metadata).
 */
export interface OptimizerStateDict {
  /** State tensors by `<parameter index>.<name>`: Adam `m` and `v`, SGD `momentum`, Adagrad `sum`. */
  state: Record<string, Tensor>;
  /** Updates applied to each parameter so far, by parameter index; parameters never updated are absent. */
  steps: Record<string, number>;
  paramGroups: OptimizerGroupState[];
}

/** What loading changes, decided before anything is changed. */
export interface LoadPlan<G> {
  groups: G[];
  steps: Map<Tensor, number>;
  /** (parameter, state name, saved tensor) to copy in. */
  tensors: [Tensor, string, Tensor][];
}

const STATE_KEY = /^(\d+)\.([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * Checks `dict` against the optimizer's groups and plans the load; throws (changing nothing)
 * with the first problem found. `stateNames(group)` lists the tensors a stepped parameter of
 * that group holds; `validate` checks a group's hyper-parameters.
 */
export function planLoad<G extends { params: Tensor[] }>(
  op: string,
  current: readonly G[],
  dict: OptimizerStateDict,
  stateNames: (group: G) => readonly string[],
  validate: (group: G) => void,
): LoadPlan<G> {
  if (
    typeof dict !== 'object' ||
    dict === null ||
    !Array.isArray(dict.paramGroups) ||
    typeof dict.state !== 'object' ||
    typeof dict.steps !== 'object'
  )
    throw new ValueError(`${op}: expected { state, steps, paramGroups } as stateDict() returns; got ${typeof dict}`);
  if (dict.paramGroups.length !== current.length)
    throw new ValueError(
      `${op}: the state has ${dict.paramGroups.length} param group(s); this optimizer has ${current.length}`,
    );
  const paramAt = new Map<number, { p: Tensor; group: G }>();
  const groups = dict.paramGroups.map((saved, gi) => {
    const cur = current[gi]!;
    if (!Array.isArray(saved.params) || saved.params.length !== cur.params.length)
      throw new ValueError(
        `${op}: param group ${gi} lists ${Array.isArray(saved.params) ? saved.params.length : 'no'} parameters in the state and has ${cur.params.length} here`,
      );
    const { params: _ids, ...options } = saved;
    for (const k of Object.keys(options))
      if (!(k in cur)) throw new ValueError(`${op}: param group ${gi} has option '${k}', which this optimizer lacks`);
    const group = { ...cur, ...structuredClone(options), params: cur.params } as G;
    validate(group);
    saved.params.forEach((idx, j) => {
      if (!Number.isInteger(idx) || idx < 0 || paramAt.has(idx))
        throw new ValueError(`${op}: param group ${gi} lists parameter index ${idx} (not a new non-negative integer)`);
      paramAt.set(idx, { p: cur.params[j]!, group });
    });
    return group;
  });
  const at = (idx: string, what: string): { p: Tensor; group: G } => {
    const hit = paramAt.get(Number(idx));
    if (!hit) throw new ValueError(`${op}: ${what} names parameter index ${idx}, which no param group lists`);
    return hit;
  };

  const steps = new Map<Tensor, number>();
  for (const [idx, n] of Object.entries(dict.steps)) {
    const { p } = at(idx, `steps[${idx}]`);
    if (!Number.isInteger(n) || n < 0)
      throw new ValueError(`${op}: steps[${idx}] must be a non-negative integer; got ${fmtValue(n)}`);
    steps.set(p, n);
  }

  const tensors: [Tensor, string, Tensor][] = [];
  const names = new Map<Tensor, Set<string>>();
  for (const [key, t] of Object.entries(dict.state)) {
    const m = STATE_KEY.exec(key);
    if (!m) throw new ValueError(`${op}: state key '${key}' is not '<parameter index>.<name>'`);
    const { p, group } = at(m[1]!, `state '${key}'`);
    const allowed = stateNames(group);
    if (!allowed.includes(m[2]!))
      throw new ValueError(
        `${op}: state '${key}': this optimizer keeps ${allowed.length ? allowed.join(', ') : 'no state'} for parameter ${m[1]}`,
      );
    if (t.isDisposed) throw new ValueError(`${op}: state '${key}' was disposed`);
    if (!shapesEqual(t.shape, p.shape))
      throw new ShapeError(
        `${op}: state '${key}' has shape ${fmtShape(t.shape)}; its parameter has ${fmtShape(p.shape)}`,
      );
    if (!isFloat(t.dtype)) throw new DTypeError(`${op}: state '${key}' has dtype ${t.dtype}; state must be float`);
    if (t.backend !== p.backend && t.backend !== 'cpu')
      throw new ValueError(`${op}: state '${key}' is on ${t.backend}; move it with await t.to('${p.backend}') first`);
    tensors.push([p, m[2]!, t]);
    if (!names.has(p)) names.set(p, new Set());
    names.get(p)!.add(m[2]!);
  }
  // A stepped parameter holds all of its state or none (SGD without momentum holds none);
  // a partial state would restart the missing moment from zero without saying so.
  for (const [idx, { p, group }] of paramAt) {
    const have = names.get(p);
    if (!have) continue;
    const missing = stateNames(group).filter((n) => !have.has(n));
    if (missing.length)
      throw new ValueError(`${op}: parameter ${idx} has state ${[...have].join(', ')} but lacks ${missing.join(', ')}`);
    if (!steps.has(p)) throw new ValueError(`${op}: parameter ${idx} has state but no step count in steps`);
  }
  return { groups, steps, tensors };
}
