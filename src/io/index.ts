import { DataError } from '../core/errors.js';
import type { Module, ModuleConfig } from '../nn/module.js';
import { type ModuleFactory, buildModule } from '../nn/registry.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { encodeSafetensors, parseSafetensors, serializeSafetensors, type RawTensor } from './safetensors.js';
import { readBytes, writeBytes } from './store.js';

export { encodeSafetensors, parseSafetensors, serializeSafetensors };
export type { RawTensor };

/** `__metadata__` keys attune writes next to the weights (values are strings, per the format). */
const META_FORMAT = 'format';
const META_TYPE = 'attune.type';
const META_CONFIG = 'attune.config';

/**
 * Saves a module's `stateDict()` (parameters and persistent buffers) as safetensors, with the
 * module's `typeName()` and JSON `config()` in `__metadata__` so `load` can rebuild it.
 * `target` is a file path (Node), `indexeddb://name` (browsers), or omitted to get the bytes.
 * Returns the bytes written.
 */
export async function save(module: Module, target?: string): Promise<Uint8Array> {
  const metadata: Record<string, string> = { [META_FORMAT]: 'pt' };
  const type = module.typeName();
  if (type !== null) {
    metadata[META_TYPE] = type;
    metadata[META_CONFIG] = JSON.stringify(module.config());
  }
  const bytes = await serializeSafetensors(module.stateDict(), metadata);
  if (target !== undefined) await writeBytes(target, bytes);
  return bytes;
}

export interface LoadOptions {
  /** Load the weights into this module (its config is not checked) instead of building one. */
  into?: Module;
  /** Extra constructors by type name, beside the built-in registry. */
  types?: Record<string, ModuleFactory>;
  /** Require exactly the module's keys (default true). */
  strict?: boolean;
}

/**
 * Loads a file saved by {@link save} (or any safetensors file, with `into`). Without `into`, the
 * module is rebuilt from the stored type and config through the module-type registry
 * (`at.nn.registerModuleType`, or `types`). The file is parsed and validated in full, and the
 * state dict checked against the module, before any weight changes: a bad header, a truncated
 * body or mismatched shapes throw a DataError or ShapeError and leave `into` untouched.
 */
export async function load(source: string | Uint8Array, options: LoadOptions = {}): Promise<Module> {
  const bytes = typeof source === 'string' ? await readBytes(source) : source;
  const { tensors, metadata } = parseSafetensors(bytes);
  let module = options.into;
  if (!module) {
    const type = metadata[META_TYPE];
    if (!type)
      throw new DataError(
        'load: the file has no attune.type in its metadata, so the module cannot be rebuilt; pass { into: module }',
      );
    let config: ModuleConfig;
    try {
      config = JSON.parse(metadata[META_CONFIG] ?? '{}') as ModuleConfig;
    } catch (e) {
      throw new DataError(`load: attune.config is not valid JSON (${(e as Error).message})`);
    }
    module = buildModule(type, config, options.types);
  }
  const dict: Record<string, Tensor> = {};
  // Host tensors: loadStateDict copies them onto each parameter's own backend.
  for (const [name, t] of Object.entries(tensors))
    dict[name] = tensor(t.data, { shape: t.shape, dtype: t.dtype, backend: 'cpu' });
  try {
    module.loadStateDict(dict, { strict: options.strict ?? true });
  } catch (e) {
    if (!options.into) module.dispose();
    throw e;
  } finally {
    for (const t of Object.values(dict)) t.dispose();
  }
  return module;
}
