import { DataError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { LayerNorm } from './layernorm.js';
import { Linear } from './linear.js';
import { LSTM } from './lstm.js';
import { MultiHeadAttention } from './attention.js';
import { LearnedPositionalEncoding, SinusoidalPositionalEncoding } from './positional.js';
import { TransformerDecoderLayer, TransformerEncoderLayer } from './transformer.js';
import { MAX_DERIVED_VALUES, type Module, type ModuleConfig } from './module.js';
import { Sequential, type TensorModule } from './sequential.js';

/** Rebuilds a module from the `config()` it reported when it was saved. */
export type ModuleFactory = (config: ModuleConfig) => Module;

/**
 * Checks a config read from a file against the file's tensors before the module is built, so a
 * corrupt size (`numItems: 2147483648`) is a DataError rather than a gigantic allocation. It
 * reads each size field with {@link StoredModule.dim} (and friends), which compares it with the
 * stored shape it must equal.
 */
export type ConfigCheck = (config: ModuleConfig, stored: StoredModule) => void;

/**
 * The stored tensor shapes a module's config is checked against: the tensors under `prefix`
 * (a child module's dotted path) of one file. Every method throws a DataError naming the type,
 * the config field, its value and the stored shape it contradicts.
 */
export class StoredModule {
  constructor(
    /** The module type being checked, for messages. */
    readonly type: string,
    /** Every tensor of the file, by full dotted name. */
    readonly shapes: ReadonlyMap<string, readonly number[]>,
    /** This module's path in the file, with its trailing dot ('' at the top). */
    readonly prefix = '',
  ) {}

  /** Whether the file holds `name` under this module. */
  has(name: string): boolean {
    return this.shapes.has(this.prefix + name);
  }

  /** The stored shape of `name`; a DataError when the file lacks it. */
  shape(name: string): readonly number[] {
    const s = this.shapes.get(this.prefix + name);
    if (!s)
      throw new DataError(
        `load: the ${this.type}'s config needs the tensor '${this.prefix}${name}', which the file lacks`,
      );
    return s;
  }

  /**
   * `config[field]`, which must be a positive integer equal to axis `axis` of the stored tensor
   * `name` minus `offset` (an Embedding's `numItems + 1` rows: offset 1).
   */
  dim(config: ModuleConfig, field: string, name: string, axis: number, offset = 0): number {
    const v = config[field];
    const shape = this.shape(name);
    if (!Number.isSafeInteger(v) || (v as number) <= 0 || shape[axis] !== (v as number) + offset)
      throw new DataError(
        `load: ${this.type} config ${field} = ${fmtValue(v)} contradicts tensor '${this.prefix}${name}' of shape ${fmtShape(shape)}` +
          ` (axis ${axis} should be ${offset ? `${field} + ${offset}` : field})`,
      );
    return v as number;
  }

  /** `config[field]` as the number of stored groups `name(i)` (layers 0..n-1, and no n-th). */
  count(config: ModuleConfig, field: string, name: (i: number) => string): number {
    const v = config[field];
    let n = 0;
    while (this.has(name(n))) n++;
    if (!Number.isSafeInteger(v) || v !== n)
      throw new DataError(
        `load: ${this.type} config ${field} = ${fmtValue(v)} contradicts the file, which holds ${n} of '${this.prefix}${name(0)}'…`,
      );
    return n;
  }

  /** Checks a child module built from `config` whose tensors sit under `name.`. */
  child(type: string, config: ModuleConfig, name: string): void {
    checkModuleConfig(type, config, this.shapes, {}, `${this.prefix}${name}.`);
  }
}

/**
 * Module types `at.load` can rebuild from a file's stored type name and config. Built-in layers
 * are listed here; models (a floor above) register themselves where they are defined; add your
 * own with {@link registerModuleType}, or pass `types` to `at.load`.
 */
const factories = new Map<string, ModuleFactory>([
  ['Linear', (c) => new Linear(c.inFeatures as number, c.outFeatures as number, { bias: c.bias as boolean })],
  [
    'Embedding',
    (c) =>
      new Embedding(c.numEmbeddings as number, c.embeddingDim as number, {
        sparse: c.sparse as boolean,
        ...(c.paddingIdx === null ? {} : { paddingIdx: c.paddingIdx as number }),
      }),
  ],
  ['Dropout', (c) => new Dropout(c.p as number, c.seed === undefined ? {} : { seed: c.seed as number })],
  [
    'LayerNorm',
    (c) =>
      new LayerNorm(c.normalizedShape as number[], {
        eps: c.eps as number,
        elementwiseAffine: c.elementwiseAffine as boolean,
      }),
  ],
  ['LSTM', (c) => new LSTM(c.inputSize as number, c.hiddenSize as number, c as { numLayers: number })],
  ['MultiHeadAttention', (c) => new MultiHeadAttention(c.embedDim as number, c.numHeads as number, c)],
  [
    'TransformerEncoderLayer',
    (c) => new TransformerEncoderLayer(c.dModel as number, c.nHead as number, c as { dimFeedforward: number }),
  ],
  [
    'TransformerDecoderLayer',
    (c) => new TransformerDecoderLayer(c.dModel as number, c.nHead as number, c as { dimFeedforward: number }),
  ],
  ['SinusoidalPositionalEncoding', (c) => new SinusoidalPositionalEncoding(c.dModel as number, c.maxLen as number, c)],
  ['LearnedPositionalEncoding', (c) => new LearnedPositionalEncoding(c.maxLen as number, c.dModel as number, c)],
  [
    'Sequential',
    (c) =>
      new Sequential(
        (c.modules as { type: string; config: ModuleConfig }[]).map(
          (s) => buildModule(s.type, s.config) as TensorModule,
        ),
      ),
  ],
]);

/** Config checks of the built-in layers, by type; a layer without stored tensors bounds its sizes. */
const checks = new Map<string, ConfigCheck>([
  [
    'Linear',
    (c, s) => {
      s.dim(c, 'outFeatures', 'weight', 0);
      s.dim(c, 'inFeatures', 'weight', 1);
      if (c.bias !== false) s.dim(c, 'outFeatures', 'bias', 0);
    },
  ],
  [
    'Embedding',
    (c, s) => {
      s.dim(c, 'numEmbeddings', 'weight', 0);
      s.dim(c, 'embeddingDim', 'weight', 1);
    },
  ],
  [
    'LayerNorm',
    (c, s) => {
      // The constructor takes a single size as well as a list.
      const n = typeof c.normalizedShape === 'number' ? [c.normalizedShape] : c.normalizedShape;
      if (c.elementwiseAffine === false) return boundedTable(s, c, 'normalizedShape', Array.isArray(n) ? n : [n]);
      const w = s.shape('weight');
      if (!Array.isArray(n) || n.length !== w.length || n.some((d, i) => d !== w[i]))
        throw new DataError(
          `load: LayerNorm config normalizedShape = ${fmtValue(n)} contradicts tensor '${s.prefix}weight' of shape ${fmtShape(w)}`,
        );
    },
  ],
  [
    'LSTM',
    (c, s) => {
      const D = c.bidirectional === true ? 2 : 1;
      s.count(c, 'numLayers', (l) => `weight_ih_l${l}`);
      s.dim(c, 'inputSize', 'weight_ih_l0', 1);
      s.dim(c, 'hiddenSize', 'weight_hh_l0', 1);
      if (D === 2) s.shape('weight_hh_l0_reverse');
    },
  ],
  [
    'MultiHeadAttention',
    (c, s) => {
      const E = s.dim(c, 'embedDim', 'in_proj_weight', 1);
      s.child('Linear', { inFeatures: E, outFeatures: E, bias: c.bias !== false }, 'out_proj');
    },
  ],
  ['TransformerEncoderLayer', (c, s) => checkTransformerLayer(c, s, ['self_attn'])],
  ['TransformerDecoderLayer', (c, s) => checkTransformerLayer(c, s, ['self_attn', 'multihead_attn'])],
  [
    'LearnedPositionalEncoding',
    (c, s) => {
      s.dim(c, 'maxLen', 'weight', 0);
      s.dim(c, 'dModel', 'weight', 1);
    },
  ],
  ['SinusoidalPositionalEncoding', (c, s) => boundedTable(s, c, 'maxLen · dModel', [c.maxLen, c.dModel])],
  [
    'Sequential',
    (c, s) => {
      const mods = c.modules;
      if (!Array.isArray(mods))
        throw new DataError(`load: Sequential config modules must be an array; got ${fmtValue(mods)}`);
      mods.forEach((m: { type?: unknown; config?: unknown } | null, i) => {
        if (typeof m?.type !== 'string' || typeof m.config !== 'object' || m.config === null)
          throw new DataError(`load: Sequential config modules[${i}] must be { type, config }; got ${fmtValue(m)}`);
        s.child(m.type, m.config as ModuleConfig, String(i));
      });
    },
  ],
]);

/** The feed-forward and attention sizes of a transformer layer against its stored tensors. */
function checkTransformerLayer(c: ModuleConfig, s: StoredModule, attention: string[]): void {
  const d = s.dim(c, 'dModel', 'linear1.weight', 1);
  const ff = s.dim(c, 'dimFeedforward', 'linear1.weight', 0);
  s.child('Linear', { inFeatures: ff, outFeatures: d }, 'linear2');
  for (const a of attention) s.child('MultiHeadAttention', { embedDim: d }, a);
}

/** A table no stored tensor sizes: its sizes must be positive integers with a bounded product. */
function boundedTable(s: StoredModule, c: ModuleConfig, what: string, dims: unknown[]): void {
  const ok = dims.every((d) => Number.isSafeInteger(d) && (d as number) > 0);
  if (!ok || dims.reduce((a: number, d) => a * (d as number), 1) > MAX_DERIVED_VALUES)
    throw new DataError(
      `load: ${s.type} config ${what} = ${fmtValue(dims)} asks for a table of more than ${MAX_DERIVED_VALUES} values (or is not positive integers); the file is corrupt (config ${fmtValue(c)})`,
    );
}

/**
 * Adds (or replaces) the factory `at.load` uses for modules whose `typeName()` is `name`, with
 * the {@link ConfigCheck} `at.load` runs on a stored config before calling it. A type without a
 * check is still built within a budget of the file's values (see `buildWithin`), but a size
 * field can then allocate one oversized tensor before the load fails: give models a check.
 */
export function registerModuleType(name: string, factory: ModuleFactory, check?: ConfigCheck): void {
  factories.set(name, factory);
  if (check) checks.set(name, check);
  else checks.delete(name);
}

/**
 * Checks a stored config of `type` against the file's tensor `shapes` (those of the module at
 * `prefix`) with the type's registered {@link ConfigCheck}; types from `extra`, or registered
 * without a check, pass. Throws a DataError naming the field, its value and the stored shape.
 */
export function checkModuleConfig(
  type: string,
  config: ModuleConfig,
  shapes: ReadonlyMap<string, readonly number[]>,
  extra: Record<string, ModuleFactory> = {},
  prefix = '',
): void {
  if (Object.hasOwn(extra, type)) return;
  const check = checks.get(type);
  if (check) check(config, new StoredModule(type, shapes, prefix));
}

/** Builds a module of a registered type from its config. */
export function buildModule(type: string, config: ModuleConfig, extra: Record<string, ModuleFactory> = {}): Module {
  // Own keys only: a stored type "constructor" or "__proto__" must not reach Object.prototype.
  const f = Object.hasOwn(extra, type) ? extra[type] : factories.get(type);
  if (typeof f !== 'function') {
    throw new ValueError(
      `buildModule: no module type ${fmtValue(type)} is registered; known: ${[...factories.keys(), ...Object.keys(extra)].join(', ')}. Register it with at.nn.registerModuleType, or load into an existing module with { into }`,
    );
  }
  return f(config);
}
