import type { BackendName } from '../backends/backend.js';
import { backendByName } from '../backends/registry.js';
import { DTypeError, DataError, ValueError } from '../core/errors.js';
import { isFloat } from '../core/dtype.js';
import { keep } from '../memory.js';
import type { Tensor } from '../tensor/tensor.js';
import { type LoadStateDictOptions, type LoadStateDictResult, type StateDict, loadStateInto } from './state-dict.js';

/** A JSON-serializable description of a module's constructor arguments (see {@link Module.config}). */
export type ModuleConfig = Record<string, unknown>;

const NAME = /^[A-Za-z0-9_]+$/;

/** The values a module built from an untrusted config may still register; see {@link buildWithin}. */
interface BuildBudget {
  /** Parameter and persistent-buffer values left: what the file can fill. */
  left: number;
  /** Values of non-persistent (derived, unsaved) buffers left. */
  derivedLeft: number;
  readonly limit: number;
  readonly what: string;
  readonly registered: Tensor[];
}
let budget: BuildBudget | null = null;

/** Values of derived tables (non-persistent buffers: sinusoidal positions, masks) one build may make. */
export const MAX_DERIVED_VALUES = 2 ** 24;

/**
 * Runs `build` (a module factory called on a config read from a file) allowing it to register
 * at most `limit` parameter and persistent-buffer values in all, and {@link MAX_DERIVED_VALUES}
 * of non-persistent buffers. A config whose sizes disagree with the file (say
 * `layers: 2147483648`) would otherwise allocate without bound before any shape is compared:
 * past the limit, registration throws a DataError naming `what`, and everything registered
 * during the build is disposed, so nothing is left half-built. Type-specific checks
 * (`registerModuleType`'s `check`) catch such configs before any allocation; this bounds the rest.
 */
export function buildWithin<M>(limit: number, what: string, build: () => M): M {
  const outer = budget;
  const own: BuildBudget = { left: limit, derivedLeft: MAX_DERIVED_VALUES, limit, what, registered: [] };
  budget = own;
  try {
    return build();
  } catch (e) {
    for (const t of own.registered) if (!t.isDisposed) t.dispose();
    throw e;
  } finally {
    budget = outer;
    // A nested build draws on the outer budget too.
    if (outer) {
      outer.left -= own.limit - own.left;
      outer.derivedLeft -= MAX_DERIVED_VALUES - own.derivedLeft;
      outer.registered.push(...own.registered);
    }
  }
}

function charge(t: Tensor, persistent: boolean): void {
  if (!budget) return;
  budget.registered.push(t);
  if (persistent) budget.left -= t.size;
  else budget.derivedLeft -= t.size;
  if (budget.left < 0 || budget.derivedLeft < 0)
    throw new DataError(
      budget.left < 0
        ? `${budget.what}: its config asks for more than ${budget.limit} parameter and buffer values, more than the file holds; the config does not match the file's tensors`
        : `${budget.what}: its config asks for derived tables of more than ${MAX_DERIVED_VALUES} values; the config is corrupt`,
    );
}

/**
 * The base of every layer and model. A module owns parameters (trainable tensors), buffers
 * (non-trainable state such as running statistics or fixed positional tables) and child
 * modules, each under a name. Names nest with dots in PyTorch's style, so `namedParameters()`
 * gives `layers.0.linear1.bias`, and PyTorch state dicts map onto attune modules key for key.
 *
 * Call convention: every subclass implements `forward(...)`, and callers call it directly:
 * `model.forward(x)`. There is no `__call__` magic (a callable class would need a Proxy and
 * would defeat type inference); forward's own signature documents its inputs and outputs.
 *
 * Memory: parameters and buffers are exempt from `at.scope` (they are `keep`-ed when
 * registered), so a module built inside a scope outlives it; free one with `dispose()`.
 * Parameters keep their identity for the module's lifetime (`loadStateDict`, `to()` and the
 * optimizers replace their data in place with `Tensor.assign`), so an optimizer made before a
 * load still updates the right tensors.
 *
 * Saving and rebuilding: `at.save` stores `typeName()` and `config()` next to the weights;
 * `at.load(path)` looks the type up in the module-type registry (src/nn/registry.ts) and calls
 * its factory with the config, then loads the weights. Subclasses that should be rebuildable
 * override both; others can still be loaded with `at.load(path, { into: module })`.
 */
export abstract class Module {
  /** Whether the module is in training mode (dropout active); see {@link train} / {@link eval}. */
  training = true;
  private readonly params = new Map<string, Tensor | null>();
  private readonly buffers = new Map<string, { t: Tensor | null; persistent: boolean }>();
  private readonly childModules = new Map<string, Module | null>();

  /** Subclasses implement their computation here; see the class comment for the convention. */
  // biome-ignore lint/suspicious/noExplicitAny: each layer narrows its own forward signature
  abstract forward(...args: any[]): any;

  /**
   * The name of this module's factory in the module-type registry, or null when it cannot be
   * rebuilt from a config alone. Explicit (not `constructor.name`) because minifiers rename classes.
   */
  typeName(): string | null {
    return null;
  }

  /** The constructor arguments, as JSON, that rebuild this module through its registry factory. */
  config(): ModuleConfig {
    return {};
  }

  // ---- registration ----

  /** Registers a trainable tensor under `name` and marks it `requiresGrad`. Returns it. */
  protected registerParameter<T extends Tensor | null>(name: string, t: T): T {
    this.checkName(name, 'registerParameter');
    if (t !== null) {
      if (!isFloat(t.dtype))
        throw new DTypeError(`registerParameter: '${name}' has dtype ${t.dtype}; parameters must be float`);
      t.requiresGrad = true;
      keep(t);
      charge(t, true);
    }
    this.params.set(name, t);
    return t;
  }

  /**
   * Registers non-trainable state under `name`. Persistent buffers (the default) are part of
   * `stateDict()`; non-persistent ones (derived tables) are not saved.
   */
  protected registerBuffer<T extends Tensor | null>(name: string, t: T, options: { persistent?: boolean } = {}): T {
    this.checkName(name, 'registerBuffer');
    if (t !== null) {
      keep(t);
      charge(t, options.persistent ?? true);
    }
    this.buffers.set(name, { t, persistent: options.persistent ?? true });
    return t;
  }

  /** Registers a child module under `name`; its parameters appear as `name.*`. Returns it. */
  protected registerModule<M extends Module | null>(name: string, m: M): M {
    this.checkName(name, 'registerModule');
    this.childModules.set(name, m);
    return m;
  }

  private checkName(name: string, op: string): void {
    if (!NAME.test(name))
      throw new ValueError(`${op}: name must be letters, digits and underscores (no dots); got '${name}'`);
    const taken =
      (this.params.has(name) && 'a parameter') ||
      (this.buffers.has(name) && 'a buffer') ||
      (this.childModules.has(name) && 'a module');
    if (taken) throw new ValueError(`${op}: '${name}' is already ${taken} of this ${this.constructor.name}`);
  }

  /**
   * Replaces a registered parameter or buffer object by name (for the rare layer that swaps a
   * tensor out, e.g. tied weights). The old tensor is not disposed.
   */
  protected setTensor(name: string, t: Tensor): void {
    if (this.params.has(name)) {
      t.requiresGrad = true;
      this.params.set(name, keep(t));
    } else if (this.buffers.has(name)) {
      this.buffers.get(name)!.t = keep(t);
    } else
      throw new ValueError(`setTensor: '${name}' is neither a parameter nor a buffer of this ${this.constructor.name}`);
  }

  // ---- traversal ----

  /** Direct children with their names. */
  *namedChildren(): Generator<[string, Module]> {
    for (const [n, m] of this.childModules) if (m) yield [n, m];
  }

  /** Direct children. */
  children(): Module[] {
    return [...this.namedChildren()].map(([, m]) => m);
  }

  /** This module and every descendant, with dotted names ('' for this one); each once. */
  *namedModules(prefix = '', seen = new Set<Module>()): Generator<[string, Module]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [n, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${n}` : n, seen);
  }

  /** This module and every descendant, each once. */
  modules(): Module[] {
    return [...this.namedModules()].map(([, m]) => m);
  }

  /** Parameters with dotted names, own first then children's in registration order; shared ones once. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, p] of m.params) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${n}` : n, p]);
      }
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Buffers with dotted names (persistent and not). */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, b] of m.buffers) if (b.t) out.push([prefix ? `${prefix}.${n}` : n, b.t]);
    }
    return out;
  }

  /** The number of trainable scalars. */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  // ---- modes ----

  /** Sets training mode on this module and every descendant. Returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Inference mode: dropout becomes the identity. Same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Turns gradients on or off for every parameter (freezing a layer). */
  setRequiresGrad(flag: boolean): this {
    for (const p of this.parameters()) p.requiresGrad = flag;
    return this;
  }

  // ---- state ----

  /**
   * Parameters and persistent buffers by dotted name (PyTorch order: a module's parameters,
   * then its buffers, then its children). The values are the module's own tensors, not copies:
   * do not dispose them.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    const seen = new Set<Tensor>();
    const visit = (m: Module, prefix: string, path: Set<Module>): void => {
      if (path.has(m)) return;
      path.add(m);
      for (const [n, p] of m.params)
        if (p && !seen.has(p)) {
          seen.add(p);
          out[prefix + n] = p;
        }
      for (const [n, b] of m.buffers) if (b.t && b.persistent) out[prefix + n] = b.t;
      for (const [n, c] of m.childModules) if (c) visit(c, `${prefix}${n}.`, path);
    };
    visit(this, '', new Set());
    return out;
  }

  /**
   * Copies values from `dict` into this module's parameters and buffers. Everything is checked
   * first (unknown and missing keys when `strict`, shapes always, and that the data can be read
   * here); only when all of it passes is anything changed, so a failed load leaves the module as
   * it was. Sources on the CPU backend or on the tensor's own backend are copied synchronously;
   * move others first with `await t.to(...)`. Float dtypes are converted to the target's dtype.
   * The dict's tensors are not consumed.
   */
  loadStateDict(dict: StateDict | Map<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    return loadStateInto(this.stateDict(), dict, options, this.constructor.name);
  }

  /** Drops every parameter's `.grad` and `.sparseGrad` (disposing them). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
      p.sparseGrad?.dispose();
      p.sparseGrad = null;
    }
  }

  /**
   * Moves every parameter and buffer to `backend` (initialized with `at.ready`), keeping the
   * tensor objects, so references held elsewhere stay valid. Gradients are dropped.
   */
  async to(backend: BackendName): Promise<this> {
    backendByName(backend);
    this.zeroGrad();
    const all = [...new Set([...this.parameters(), ...this.namedBuffers().map(([, b]) => b)])];
    const moved: Tensor[] = [];
    try {
      for (const t of all) moved.push(keep(await t.to(backend)));
    } catch (e) {
      for (const m of moved) m.dispose();
      throw e;
    }
    all.forEach((t, i) => t.assign(moved[i]!));
    return this;
  }

  /** Frees every parameter, buffer and gradient of this module and its descendants. */
  dispose(): void {
    this.zeroGrad();
    for (const p of this.parameters()) p.dispose();
    for (const [, b] of this.namedBuffers()) b.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  toString(): string {
    const lines = [`${this.constructor.name}(${JSON.stringify(this.config())})`];
    for (const [n, c] of this.namedChildren()) lines.push(`  (${n}): ${c.toString().replace(/\n/g, '\n  ')}`);
    return lines.join('\n');
  }
}

/**
 * An indexable list of modules, registered as `0`, `1`, ... so their parameters are named
 * `0.weight`, `1.bias` and so on (as PyTorch's ModuleList). It has no forward of its own.
 */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(m: M): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }

  at(i: number): M {
    const m = this.items[i < 0 ? this.items.length + i : i];
    if (!m) throw new ValueError(`ModuleList.at: index ${i} is out of range for ${this.items.length} modules`);
    return m;
  }

  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  forward(..._args: unknown[]): unknown {
    throw new ValueError('ModuleList has no forward; call its modules in your own forward');
  }
}
