import { coalesceRows } from '../autograd/sparse.js';
import { noGrad } from '../autograd/tape.js';
import { DisposedError, ValueError } from '../core/errors.js';
import { keep, scope } from '../memory.js';
import { copyFor } from '../nn/state-dict.js';
import * as o from '../ops/index.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { type OptimizerGroupState, type OptimizerStateDict, planLoad } from './checkpoint.js';

/** A set of parameters with its own hyperparameters (any option overrides the defaults). */
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor> };
export type ParamGroup<O> = O & { params: Tensor[] };
export type Params<O> = Iterable<Tensor> | ParamGroupInput<O>[];

/** Rows of a sparse gradient after merging repeats, with their index tensor on the param's backend. */
export interface SparseUpdate {
  /** Unique row ids (host side). */
  rows: Int32Array;
  /** The same ids as an int32 tensor on the parameter's backend. */
  index: Tensor;
  /** Summed gradient rows: [rows.length, ...param.shape.slice(1)]. */
  values: Tensor;
}

/**
 * Base of the optimizers. `step()` applies one update to every parameter that has a gradient:
 * dense (`.grad`) or sparse (`.sparseGrad`, a SparseRows from an Embedding with sparse: true).
 * Sparse gradients are coalesced, and only their rows of the parameter and of the optimizer
 * state are gathered, updated and scattered back ("lazy" semantics: rows that were not looked
 * up keep their state untouched, so their moments do not decay that step).
 *
 * Parameters are updated with `Tensor.assign`, so they keep their identity, and state tensors
 * are exempt from `at.scope`: a training step inside `at.scope(() => { ...; opt.step(); })`
 * leaves live memory flat. `step()` does not clear gradients; call `zeroGrad()`.
 *
 * Checkpoints: `stateDict()` gives the state tensors, step counts and hyper-parameters, and
 * `loadStateDict()` puts them into an optimizer over the same parameters, so training resumes
 * exactly where it stopped. `dispose()` frees the state; the optimizer cannot be used after it.
 */
export abstract class Optimizer<O extends { lr: number }> {
  readonly paramGroups: ParamGroup<O>[];
  /** Per-parameter state tensors (moments, momentum buffers), by name. */
  protected readonly state = new Map<Tensor, Record<string, Tensor>>();
  /** Per-parameter update counts (1-based after the first step). */
  protected readonly steps = new Map<Tensor, number>();
  private disposed = false;

  constructor(params: Params<O>, defaults: O) {
    const list = [...params] as (Tensor | ParamGroupInput<O>)[];
    const groups: ParamGroupInput<O>[] =
      list.length > 0 && isGroup(list[0]!)
        ? (list as ParamGroupInput<O>[])
        : [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>];
    const seen = new Set<Tensor>();
    this.paramGroups = groups.map((g, i) => {
      const ps = [...g.params];
      for (const p of ps) {
        if (seen.has(p))
          throw new ValueError(
            `${this.constructor.name}: a parameter (tensor #${p.id}) appears in more than one group`,
          );
        seen.add(p);
        if (!p.requiresGrad)
          throw new ValueError(
            `${this.constructor.name}: parameter tensor #${p.id} in group ${i} does not require grad`,
          );
      }
      return { ...defaults, ...g, params: ps } as ParamGroup<O>;
    });
    if (seen.size === 0) throw new ValueError(`${this.constructor.name}: got no parameters to optimize`);
    for (const g of this.paramGroups) this.validate(g);
  }

  /** Checks a group's hyperparameters; throws a ValueError naming the bad one. */
  protected abstract validate(group: ParamGroup<O>): void;
  /** The state tensors a parameter of `group` holds once it has been updated (checked on load). */
  protected abstract stateNames(group: ParamGroup<O>): readonly string[];
  /** Returns the new parameter value and writes new state with {@link setState}. */
  protected abstract updateDense(p: Tensor, g: Tensor, group: ParamGroup<O>, step: number): Tensor;
  /** Returns the parameter's new rows (same shape as `u.values`) and scatters state rows itself. */
  protected abstract updateRows(p: Tensor, u: SparseUpdate, group: ParamGroup<O>, step: number): Tensor;

  /** The learning rate of the first group (schedulers set every group's). */
  get lr(): number {
    return this.paramGroups[0]!.lr;
  }

  set lr(value: number) {
    for (const g of this.paramGroups) g.lr = value;
  }

  /** Applies one update to every parameter with a gradient. */
  step(): void {
    this.checkLive('step');
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (p.isDisposed) continue;
          let dense = p.grad && !p.grad.isDisposed ? p.grad : null;
          const sparse = p.sparseGrad;
          if (!dense && !sparse) continue;
          const step = (this.steps.get(p) ?? 0) + 1;
          this.steps.set(p, step);
          if (dense && sparse) {
            // Both kinds at once (a table used sparsely and densely): fall back to dense.
            const d = sparse.toDense();
            const sum = o.add(dense, d);
            d.dispose();
            dense = sum;
            p.grad?.dispose();
            p.grad = keep(sum);
            sparse.dispose();
            p.sparseGrad = null;
          }
          if (dense) {
            const next = scope(() => this.updateDense(p, dense!, group, step));
            p.assign(keep(next));
          } else {
            const next = scope(() => {
              const { rows, values } = coalesceRows(sparse!);
              const index = tensor(rows, { backend: p.backend });
              const newRows = this.updateRows(p, { rows, index, values }, group, step);
              const old = o.indexSelect(p, 0, index);
              return o.scatterAdd(p, 0, index, o.sub(newRows, old));
            });
            p.assign(keep(next));
          }
        }
      }
    });
  }

  /** Disposes every parameter's `.grad` and `.sparseGrad`. */
  zeroGrad(): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        p.grad?.dispose();
        p.grad = null;
        p.sparseGrad?.dispose();
        p.sparseGrad = null;
      }
    }
  }

  /** A state tensor, created by `init` on first use (and kept out of scopes). */
  protected getState(p: Tensor, key: string, init: () => Tensor): Tensor {
    let st = this.state.get(p);
    if (!st) this.state.set(p, (st = {}));
    if (!st[key]) st[key] = keep(init());
    return st[key]!;
  }

  /** Replaces a state tensor (the old one is disposed). */
  protected setState(p: Tensor, key: string, value: Tensor): void {
    let st = this.state.get(p);
    if (!st) this.state.set(p, (st = {}));
    const old = st[key];
    st[key] = keep(value);
    if (old && old !== value) old.dispose();
  }

  /** Replaces rows `u.index` of a state tensor with `rows` (others untouched). */
  protected setStateRows(p: Tensor, key: string, u: SparseUpdate, oldRows: Tensor, rows: Tensor): void {
    const full = this.state.get(p)![key]!;
    this.setState(p, key, o.scatterAdd(full, 0, u.index, o.sub(rows, oldRows)));
  }

  /** The state of one parameter (for inspection and tests). */
  stateOf(p: Tensor): Readonly<Record<string, Tensor>> | undefined {
    return this.state.get(p);
  }

  /**
   * The checkpoint of this optimizer: copies of its state tensors (yours, freed by an enclosing
   * `at.scope` like any op result), step counts and each group's hyper-parameters, with
   * parameters named by index across the groups. See {@link OptimizerStateDict}.
   */
  stateDict(): OptimizerStateDict {
    this.checkLive('stateDict');
    const state: Record<string, Tensor> = {};
    const steps: Record<string, number> = {};
    const paramGroups: OptimizerGroupState[] = [];
    let index = 0;
    noGrad(() => {
      for (const { params, ...options } of this.paramGroups) {
        const ids: number[] = [];
        for (const p of params) {
          const i = index++;
          ids.push(i);
          const n = this.steps.get(p);
          if (n !== undefined) steps[i] = n;
          for (const [name, t] of Object.entries(this.state.get(p) ?? {})) state[`${i}.${name}`] = o.cast(t, t.dtype);
        }
        paramGroups.push({ ...structuredClone(options), params: ids });
      }
    });
    return { state, steps, paramGroups };
  }

  /**
   * Replaces this optimizer's state, step counts and hyper-parameters with a checkpoint from
   * `stateDict()` of an optimizer of the same kind over the same parameters (same groups, same
   * order). Everything is checked first, so a failed load changes nothing; the dict's tensors
   * (on the CPU or the parameters' backend) are copied, not consumed.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    this.checkLive('loadStateDict');
    const plan = planLoad(
      `${this.constructor.name}.loadStateDict`,
      this.paramGroups,
      dict,
      (g) => this.stateNames(g),
      (g) => this.validate(g),
    );
    const copies: [Tensor, string, Tensor][] = [];
    try {
      noGrad(() => {
        for (const [p, name, t] of plan.tensors) copies.push([p, name, copyFor(t, p)]);
      });
    } catch (e) {
      for (const [, , c] of copies) c.dispose();
      throw e;
    }
    this.freeState();
    for (const [p, name, c] of copies) {
      let st = this.state.get(p);
      if (!st) this.state.set(p, (st = {}));
      st[name] = c;
    }
    for (const [p, n] of plan.steps) this.steps.set(p, n);
    plan.groups.forEach((g, i) => Object.assign(this.paramGroups[i]!, g));
  }

  /** Frees every state tensor; using the optimizer afterwards throws a DisposedError. */
  dispose(): void {
    this.freeState();
    this.disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  private freeState(): void {
    for (const st of this.state.values()) for (const t of Object.values(st)) t.dispose();
    this.state.clear();
    this.steps.clear();
  }

  private checkLive(op: string): void {
    if (this.disposed) throw new DisposedError(`${this.constructor.name}.${op}: the optimizer was disposed`);
  }
}

function isGroup(x: unknown): x is { params: Iterable<Tensor> } {
  return (
    typeof x === 'object' && x !== null && !(x as { __isAttuneTensor?: boolean }).__isAttuneTensor && 'params' in x
  );
}
