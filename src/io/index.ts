import { AttuneError, DataError, ValueError, fmtValue } from '../core/errors.js';
import { Module, type ModuleConfig, buildWithin } from '../nn/module.js';
import { type ModuleFactory, buildModule, checkModuleConfig } from '../nn/registry.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  type ModelClass,
  type ModelState,
  type SaveableModel,
  isSaveableModel,
  modelLoader,
  registerModelType,
  unknownType,
} from './models.js';
import { encodeSafetensors, parseSafetensors, serializeSafetensors, type RawTensor } from './safetensors.js';
import { type ModelSource, sourceBytes } from './source.js';
import { writeBytes } from './store.js';

export { encodeSafetensors, parseSafetensors, serializeSafetensors, registerModelType };
export type { RawTensor, ModelSource, ModelState, SaveableModel, ModelClass };
export type { ModelLoader } from './models.js';

/** `__metadata__` keys attune writes next to the weights (values are strings, per the format). */
const META_FORMAT = 'format';
const META_VERSION = 'attune.version';
const META_TYPE = 'attune.type';
const META_CONFIG = 'attune.config';
/**
 * The file layout version this build writes and the newest it reads. Bump it when a model's
 * saved config or tensors change meaning; older files (no version key) read as version 1.
 */
export const FORMAT_VERSION = 1;

/**
 * Saves any attune model as one safetensors file: an nn Module's `stateDict()` (the sequence
 * and text models are Modules), or a recommender, ChurnClassifier or KMeans through its
 * `saveState()`. The model's type and JSON config (hyper-parameters, id maps, calibrator) go in
 * `__metadata__` so {@link load} can rebuild it. `target` is a file path (Node),
 * `indexeddb://name` (browsers), or omitted to get the bytes. Returns the bytes written.
 */
export async function save(model: Module | SaveableModel, target?: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  if (model instanceof Module) {
    const metadata = baseMetadata();
    const type = model.typeName();
    if (type !== null) {
      metadata[META_TYPE] = type;
      metadata[META_CONFIG] = JSON.stringify(model.config());
    }
    bytes = await serializeSafetensors(model.stateDict(), metadata);
  } else if (isSaveableModel(model)) {
    bytes = encodeModelState(await model.saveState());
  } else {
    throw new ValueError(
      `save: expected an nn Module or an attune model (recommender, ChurnClassifier, KMeans); got ${fmtValue(model)}`,
    );
  }
  if (target !== undefined) await writeBytes(target, bytes);
  return bytes;
}

function baseMetadata(): Record<string, string> {
  return { [META_FORMAT]: 'pt', [META_VERSION]: String(FORMAT_VERSION) };
}

/** The safetensors bytes of a model that is not a Module: what {@link save} writes for it. */
export function encodeModelState(state: ModelState): Uint8Array {
  const metadata = baseMetadata();
  metadata[META_TYPE] = state.type;
  metadata[META_CONFIG] = JSON.stringify(state.config);
  return encodeSafetensors(state.tensors, metadata);
}

export interface LoadOptions<T = unknown> {
  /** Load the weights into this module (its config is not checked) instead of building one. */
  into?: Module;
  /** Extra module constructors by type name, beside the built-in registry. */
  types?: Record<string, ModuleFactory>;
  /** Require exactly the module's keys (default true). */
  strict?: boolean;
  /**
   * The class the caller expects (for example `at.models.BPR`): a file holding another type is
   * a DataError, raised before anything is built, and the result is typed as that class.
   */
  as?: ModelClass<T>;
}

/** A parsed and version-checked model file. */
export interface ModelFile {
  /** The stored type name, or undefined for a bare safetensors file. */
  type: string | undefined;
  /** The parsed attune.config JSON. */
  config: unknown;
  tensors: Record<string, RawTensor>;
}

/**
 * Parses model bytes: safetensors checks, then the format version (a newer one is a DataError),
 * type and JSON config. Files from the first saveRecommender (config under `attune`) still read.
 */
export function decodeModelFile(op: string, bytes: Uint8Array): ModelFile {
  const { tensors, metadata } = parseSafetensors(bytes);
  const version = metadata[META_VERSION] ?? '1';
  if (!/^[1-9]\d{0,8}$/.test(version))
    throw new DataError(`${op}: attune.version ${fmtValue(version)} is not a format version (a positive integer)`);
  if (Number(version) > FORMAT_VERSION)
    throw new DataError(
      `${op}: the file has format version ${version}, newer than this attune reads (${FORMAT_VERSION}); upgrade attune`,
    );
  const legacy = metadata[META_TYPE] === undefined && metadata.attune !== undefined;
  const text = legacy ? metadata.attune : metadata[META_CONFIG];
  let config: unknown = {};
  try {
    if (text !== undefined) config = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${op}: attune.config is not valid JSON (${(e as Error).message})`);
  }
  const type = legacy ? (config as { kind?: unknown } | null)?.kind : metadata[META_TYPE];
  if (type !== undefined && typeof type !== 'string')
    throw new DataError(`${op}: the stored model type ${fmtValue(type)} is not a name`);
  return { type, config, tensors };
}

/** Builds a model of a registered (non-Module) type from a decoded file; see {@link load}. */
export function loadModelFile<T>(file: ModelFile, as?: ModelClass<T>): T {
  const loader = file.type === undefined ? undefined : modelLoader(file.type);
  if (!loader || file.type === undefined) {
    if (file.type === undefined) throw new DataError('load: the file names no attune model type');
    return unknownType('load', file.type, []);
  }
  if (as && !(loader.cls === as || loader.cls.prototype instanceof as))
    throw new DataError(`load: the file holds a ${file.type}; expected a ${as.name}`);
  return loader.load(file.config, file.tensors) as T;
}

/**
 * Loads a file saved by {@link save}: a model of any registered type (recommenders,
 * ChurnClassifier, KMeans, the nn and sequence modules), or any safetensors file into a module
 * with `into`. `source` is a path, bytes at any offset (a Node Buffer included), an ArrayBuffer,
 * a Blob or a fetch Response.
 *
 * The file is parsed and validated in full, and the state checked against the model, before
 * anything is kept: a bad header, a truncated body, a newer format version, another type than
 * `as` asks for, or mismatched shapes throw a DataError or ShapeError, leave `into` untouched
 * and leave nothing half-built.
 */
export async function load<T = Module>(source: ModelSource, options: LoadOptions<T> = {}): Promise<T> {
  const file = decodeModelFile('load', await sourceBytes('load', source));
  refuseNaN(file.tensors);
  if (options.into) {
    loadModuleState(options.into, file.tensors, options.strict ?? true);
    return checkClass(options.into, options.as, 'the module passed as into');
  }
  const { type, config } = file;
  if (!type)
    throw new DataError(
      'load: the file has no attune.type in its metadata, so the model cannot be rebuilt; pass { into: module }',
    );
  if (modelLoader(type)) return loadModelFile(file, options.as);
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new DataError(`load: attune.config of a ${type} must be a JSON object; got ${fmtValue(config)}`);
  const as = options.as;
  let module: Module;
  try {
    // The config is untrusted: its sizes must agree with the stored shapes before anything is
    // allocated, and the build may register no more values than the file could fill.
    const shapes = new Map(Object.entries(file.tensors).map(([k, t]) => [k, t.shape]));
    checkModuleConfig(type, config as ModuleConfig, shapes, options.types);
    module = buildWithin(buildLimit(file.tensors), `load: a ${type} from the file`, () =>
      buildModule(type, config as ModuleConfig, options.types),
    );
  } catch (e) {
    // The config came from the file: a constructor that fails on it means a malformed file.
    if (e instanceof AttuneError) throw e;
    throw new DataError(`load: cannot rebuild a ${type} from the file's config (${(e as Error).message})`);
  }
  try {
    if (as && !(module instanceof as)) throw new DataError(`load: the file holds a ${type}; expected a ${as.name}`);
    loadModuleState(module, file.tensors, options.strict ?? true);
  } catch (e) {
    module.dispose();
    throw e;
  }
  return module as T;
}
/**
 * The most parameter and persistent-buffer values a module built from a file may register: what
 * the file holds (twice, for a weight registered under two names, as tied tables are), plus a
 * small allowance. A model that agrees with its file registers exactly what the file holds.
 */
function buildLimit(tensors: Record<string, RawTensor>): number {
  let stored = 0;
  for (const t of Object.values(tensors)) stored += t.data.length;
  return 2 * stored + 2 ** 16;
}

function checkClass<T>(x: unknown, as: ModelClass<T> | undefined, what: string): T {
  if (as && !(x instanceof as)) throw new ValueError(`load: ${what} is not a ${as.name}`);
  return x as T;
}

/** Checks and copies a file's tensors into `module`; loadStateDict changes nothing unless all fit. */
function loadModuleState(module: Module, tensors: Record<string, RawTensor>, strict: boolean): void {
  // A Map, so a tensor named "__proto__" is an ordinary key. Host tensors: loadStateDict copies
  // them onto each parameter's own backend.
  const dict = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(tensors))
    dict.set(name, tensor(t.data, { shape: t.shape, dtype: t.dtype, backend: 'cpu' }));
  try {
    module.loadStateDict(dict, { strict });
  } finally {
    for (const t of dict.values()) t.dispose();
  }
}

/**
 * A NaN weight makes every prediction that touches it NaN (or worse, an index); no trained model
 * has one, so a file with one is corrupt. Infinities stay allowed (attention masks use them).
 */
function refuseNaN(tensors: Record<string, RawTensor>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype === 'int32') continue;
    const i = t.data.findIndex(Number.isNaN);
    if (i >= 0) throw new DataError(`load: tensor ${fmtValue(name)} holds NaN at index ${i}; the file is corrupt`);
  }
}
