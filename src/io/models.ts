import { DataError, ValueError, fmtValue } from '../core/errors.js';
import type { RawTensor } from './safetensors.js';

/**
 * The model registry behind `at.save` and `at.load` for models that are not nn Modules
 * (recommenders, ChurnClassifier, KMeans). io sits below models, so it cannot import them:
 * each model module registers its loader when it is imported (see the bottom of
 * src/models/mf.ts), as the nn models register with `registerModuleType`.
 */

/** What such a model hands `at.save`: its registered type, a JSON config and host arrays. */
export interface ModelState {
  /** The name its loader is registered under. */
  type: string;
  /** JSON-serializable: hyper-parameters, id maps, calibrator, scalars. */
  config: unknown;
  /** Named arrays (weights, tables), written as safetensors tensors. */
  tensors: Record<string, RawTensor>;
}

/** A model `at.save` can write: it describes itself as a {@link ModelState}. */
export interface SaveableModel {
  saveState(): ModelState | Promise<ModelState>;
}

/** Any class, for `at.load(source, { as })` type checks. */
// biome-ignore lint/suspicious/noExplicitAny: a class of any constructor signature
export type ModelClass<T> = abstract new (...args: any[]) => T;

/** How a registered type is rebuilt. */
export interface ModelLoader<T = unknown> {
  /** The class it builds, so a load that asks for another class fails before building. */
  cls: ModelClass<T>;
  /**
   * Builds a fitted model from a file's config and tensors. Must validate both (shapes, ranges,
   * types) before allocating anything sized by them, and throw an AttuneError (DataError for a
   * malformed file) rather than build a model that predicts garbage.
   */
  load(config: unknown, tensors: Record<string, RawTensor>): T;
}

const loaders = new Map<string, ModelLoader>();

/** Registers (or replaces) the loader of a model type; models call it at module load. */
export function registerModelType<T>(type: string, loader: ModelLoader<T>): void {
  loaders.set(type, loader as ModelLoader);
}

/** The loader registered for `type`, if any. */
export function modelLoader(type: string): ModelLoader | undefined {
  return loaders.get(type);
}

/** Names of the registered model types (for error messages). */
export function modelTypes(): string[] {
  return [...loaders.keys()];
}

export function isSaveableModel(x: unknown): x is SaveableModel {
  return typeof x === 'object' && x !== null && typeof (x as SaveableModel).saveState === 'function';
}

// ---- Checks for loaders: a file's config is untrusted input. --------------------------------

/** `v` as a plain JSON object, or a DataError naming `what`. */
export function configObject(op: string, what: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new DataError(`${op}: ${what} must be a JSON object; got ${fmtValue(v)}`);
  return v as Record<string, unknown>;
}

/**
 * The tensor `name` of a file, checked: present, of `dtype`, of `shape` (null entries match any
 * size), and with every value finite when `finite` is set. A DataError names what is wrong.
 */
export function fileTensor(
  op: string,
  tensors: Record<string, RawTensor>,
  name: string,
  dtype: RawTensor['dtype'],
  shape: readonly (number | null)[],
  finite = dtype !== 'int32',
): RawTensor {
  const t = Object.hasOwn(tensors, name) ? tensors[name] : undefined;
  if (!t) throw new DataError(`${op}: the file has no tensor '${name}' (truncated or not saved by this model?)`);
  if (t.dtype !== dtype) throw new DataError(`${op}: tensor '${name}' is ${t.dtype}; expected ${dtype}`);
  if (t.shape.length !== shape.length || shape.some((d, i) => d !== null && d !== t.shape[i])) {
    const want = `[${shape.map((d) => (d === null ? '*' : d)).join(',')}]`;
    throw new DataError(`${op}: tensor '${name}' has shape ${fmtValue(t.shape)}; expected ${want}`);
  }
  if (finite) {
    const i = t.data.findIndex((x) => !Number.isFinite(x));
    if (i >= 0)
      throw new DataError(`${op}: tensor '${name}' holds ${t.data[i]} at index ${i}; a saved model is finite`);
  }
  return t;
}

/**
 * Checks a CSR index pair from a file: `offsets` has `rows + 1` entries from 0, never falling,
 * ending at `values.length`, and every value lies in [0, limit).
 */
export function checkCsr(
  op: string,
  name: string,
  offsets: Int32Array,
  rows: number,
  values: Int32Array,
  limit: number,
): void {
  if (offsets.length !== rows + 1 || offsets[0] !== 0 || offsets[rows] !== values.length)
    throw new DataError(
      `${op}: '${name}.offsets' must have ${rows + 1} entries from 0 to ${values.length}; got ${fmtValue(offsets)}`,
    );
  for (let r = 0; r < rows; r++)
    if (offsets[r + 1]! < offsets[r]!) throw new DataError(`${op}: '${name}.offsets' falls at row ${r}`);
  const bad = values.findIndex((v) => v < 0 || v >= limit);
  if (bad >= 0) throw new DataError(`${op}: '${name}' entry ${bad} is ${values[bad]}, outside [0, ${limit})`);
}

/** Refuses a type that is not registered, naming those that are. */
export function unknownType(op: string, type: string, modules: readonly string[]): never {
  throw new ValueError(
    `${op}: no model type ${fmtValue(type)} is registered; known: ${[...modelTypes(), ...modules].join(', ')}. Import the model's module, or register it`,
  );
}
