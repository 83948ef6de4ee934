// The fused ops' public front-ends, exported at the top level (at.adamUpdate, at.mfSgdStep, ...)
// from here, where they live. Gradient rules and attrs (attentionGrad, LstmAttrs) stay internal.
export { adamUpdate, adamComposed, type AdamInfo, type AdamState } from './adam.js';
export { scaledDotProductAttention, attentionComposed, type AttentionOptions } from './attention.js';
export { lstmLayer, type LstmWeights, type LstmLayerOptions } from './lstm.js';
export { kmeansAssign, type KmeansAssignment } from './kmeans.js';
export { mfSgdStep, mfBprStep, type MfParams, type MfSgdStepOptions, type MfBprStepOptions } from './mf.js';
export { ialsCgStep, type IalsEntries } from './ials.js';
