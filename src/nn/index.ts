export { Module, ModuleList, Sequential } from './module.js';
export type { StateDict, ModuleConfig, LoadStateDictOptions, LoadStateDictResult, TensorModule } from './module.js';
