export { Tensor } from './tensor/tensor.js';
export type { DType, TypedArray } from './core/dtype.js';
export {
  tensor,
  full,
  zeros,
  ones,
  zerosLike,
  onesLike,
  arange,
  eye,
  rand,
  randn,
  randint,
  manualSeed,
} from './tensor/creation.js';
export type { CreateOptions, RandomOptions, NestedArray } from './tensor/creation.js';
export { fromNdarray, toNdarray } from './tensor/interop.js';
export * from './ops/index.js';
export * from './ops/fused/index.js';
export type { MatmulOptions } from './ops/matmul.js';
export { noGrad, isGradEnabled } from './autograd/tape.js';
export { gradcheck } from './autograd/gradcheck.js';
export type { GradcheckOptions, GradcheckResult } from './autograd/gradcheck.js';
export { scope, keep, memory } from './memory.js';
export type { MemoryInfo } from './memory.js';
export { ready, setBackend, getBackend } from './backends/registry.js';
export { useDeterministicAlgorithms, deterministicAlgorithms } from './core/determinism.js';
export { FitControl } from './core/fit-control.js';
export type { FitControlOptions, FitProgress } from './core/fit-control.js';
export type { ReadyInfo, BackendRequest } from './backends/registry.js';
export type { CpuKernels, CpuThreads } from './backends/wasm/index.js';
export type { BackendName, Activation, BackendMemory } from './backends/backend.js';
export { ACTIVATIONS } from './backends/backend.js';
export * from './core/errors.js';
export { SparseRows, coalesceRows } from './autograd/sparse.js';
export * as data from './data/index.js';
export * as metrics from './metrics/index.js';
export * as nn from './nn/index.js';
export * as models from './models/index.js';
export * as optim from './optim/index.js';
// The models also as top-level names: `import { BPR } from 'attune'` bundles BPR and what it
// needs, while reading `models.BPR` keeps the whole namespace object (every model) in a bundle.
export {
  MatrixFactorization,
  BaselineOnly,
  SVDpp,
  ALS,
  BPR,
  ImplicitALS,
  ItemKNN,
  Popularity,
  HybridRecommender,
  KMeans,
  MiniBatchKMeans,
  segmentProfiles,
  ChurnClassifier,
  NextItemModel,
  Seq2Seq,
  Vocabulary,
  TextClassifier,
  BetaGeo,
  GammaGamma,
  CustomerValue,
} from './models/index.js';

export * as privacy from './data/privacy/index.js';
export * as fairness from './metrics/fairness.js';
export * as experiments from './experiments/index.js';
export * as uplift from './experiments/uplift/index.js';
export * as onnx from './onnx/index.js';
export {
  importFactors,
  ImportedFactors,
  type ImportFactorsOptions,
  type FactorTableSource,
} from './models/imported-factors.js';
export {
  StreamingMatrixFactorization,
  type InteractionChunks,
  type StreamingFitOptions,
} from './models/streaming-fit.js';
export {
  save,
  load,
  serializeSafetensors,
  parseSafetensors,
  encodeSafetensors,
  registerModelType,
  FORMAT_VERSION,
} from './io/index.js';
export type {
  LoadOptions,
  RawTensor,
  ModelSource,
  ModelState,
  ModelLoader,
  ModelClass,
  SaveableModel,
} from './io/index.js';
export { report, reportSections, renderChart, experimentFromTest } from './report/index.js';
export type {
  ReportInput,
  ReportSection,
  ReportChart,
  TrainingCurve,
  RecommendationLists,
  ExperimentArm,
  ExperimentResult,
  ExperimentReadout,
  ExperimentTest,
  VegaLiteSpec,
} from './report/index.js';
