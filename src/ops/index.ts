export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export * from './indexing.js';
export * from './softmax.js';
export { matmul, linear } from './matmul.js';
export { topK, type TopKResult } from './topk.js';
