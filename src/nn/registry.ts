import { ValueError } from '../core/errors.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { LayerNorm } from './layernorm.js';
import { Linear } from './linear.js';
import { LSTM } from './lstm.js';
import { MultiHeadAttention } from './attention.js';
import { LearnedPositionalEncoding, SinusoidalPositionalEncoding } from './positional.js';
import { TransformerDecoderLayer, TransformerEncoderLayer } from './transformer.js';
import type { Module, ModuleConfig } from './module.js';
import { Sequential, type TensorModule } from './sequential.js';

/** Rebuilds a module from the `config()` it reported when it was saved. */
export type ModuleFactory = (config: ModuleConfig) => Module;

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

/** Adds (or replaces) the factory `at.load` uses for modules whose `typeName()` is `name`. */
export function registerModuleType(name: string, factory: ModuleFactory): void {
  factories.set(name, factory);
}

/** Builds a module of a registered type from its config. */
export function buildModule(type: string, config: ModuleConfig, extra: Record<string, ModuleFactory> = {}): Module {
  const f = extra[type] ?? factories.get(type);
  if (!f) {
    throw new ValueError(
      `buildModule: no module type '${type}' is registered; known: ${[...factories.keys(), ...Object.keys(extra)].join(', ')}. Register it with at.nn.registerModuleType, or load into an existing module with { into }`,
    );
  }
  return f(config);
}
