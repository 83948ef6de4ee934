export {
  Recommender,
  type FitOptions,
  type EpochInfo,
  type PredictOptions,
  type RecommendOptions,
  type ScoredItem,
  type TopK,
} from './recommender.js';
export type { RecommenderJSON, StateArray, VocabularyJSON } from './recommender-state.js';
export { FactorModel, type FoldInOptions, type FoldInResult } from './factor-model.js';
export type { HostTables } from './sgd-loop.js';
export { MatrixFactorization, BaselineOnly, type MatrixFactorizationOptions } from './mf.js';
export { SVDpp, type SVDppOptions } from './svdpp.js';
export { ALS, type ALSOptions } from './als.js';
export { BPR, type BPROptions } from './bpr.js';
// Streaming fits and imported factors (also exported at the top level, as before).
export { StreamingMatrixFactorization, type StreamingFitOptions } from './streaming-fit.js';
export type { InteractionChunks } from './streaming-common.js';
export { StreamingBPR } from './streaming-bpr.js';
export {
  importFactors,
  ImportedFactors,
  type ImportFactorsOptions,
  type FactorTableSource,
} from './imported-factors.js';
export type { ChurnChunk, ChurnStreamOptions } from './churn-stream.js';
export { ImplicitALS, type ImplicitALSOptions } from './ials.js';
export { ItemKNN, type ItemKNNOptions, type SessionRow, type SessionRecommendOptions } from './itemknn.js';
export { fitSessionModel, type SessionModelOptions } from './session-next-item.js';
export { Popularity } from './popularity.js';
export {
  HybridRecommender,
  type HybridOptions,
  type HybridFitOptions,
  type HybridLoss,
  type HybridStreamFitOptions,
} from './hybrid.js';
export { saveRecommender, loadRecommender } from './recommender-io.js';
export { KMeans, type KMeansOptions, type KMeansRun } from './kmeans.js';
export { elbow, type SelectKOptions, type SelectKResult, type SelectKScore } from './kmeans-select.js';
export { MiniBatchKMeans, type MiniBatchKMeansOptions } from './minibatch-kmeans.js';
export { segmentProfiles, type SegmentProfile, type SegmentProfileOptions } from './segmentation.js';
export {
  ChurnClassifier,
  churnReport,
  type ChurnClassifierOptions,
  type ChurnFitOptions,
  type ChurnEpoch,
  type ChurnReport,
  type ChurnExplainOptions,
  type ResolvedChurnOptions,
  type AttributionOptions,
  type ChurnAttributions,
  type ChurnCoefficient,
  type ChurnCoefficients,
  type ChurnExplanation,
  type ChurnReason,
} from './churn.js';
export {
  fitPlatt,
  fitIsotonic,
  calibratorFromJSON,
  type Calibrator,
  type PlattJSON,
  type IsotonicJSON,
} from './calibration.js';
export {
  NextItemModel,
  type NextItemModelOptions,
  type NextItemFitOptions,
  type NextItemValidation,
  type NextItemExplanation,
  type EventSequence,
  type EventRows,
  type EventRowChunks,
  type RecommendNextOptions,
} from './sequence/next-item.js';
export {
  evaluateNextItem,
  evaluateStaticScores,
  type NextItemScorer,
  type NextItemEvaluateOptions,
  type NextItemEvaluation,
  type RankingResult,
} from './sequence/evaluate.js';
export type { SequenceFitOptions, SequenceEpoch, ValidationMetric } from './sequence/common.js';
export {
  Seq2Seq,
  type Seq2SeqOptions,
  type Seq2SeqPair,
  type GenerateOptions,
  type Encoded,
} from './sequence/seq2seq.js';
export { Vocabulary, SPECIAL_TOKENS, type VocabularyOptions } from './sequence/vocabulary.js';
export {
  BetaGeo,
  GammaGamma,
  CustomerValue,
  calibrationHoldout,
  betaGeoLogLikelihood,
  gammaGammaLogLikelihood,
  type BetaGeoParams,
  type BetaGeoOptions,
  type GammaGammaParams,
  type GammaGammaOptions,
  type SpendHistory,
  type PurchaseHistory,
  type LifetimeValueOptions,
  type CustomerValueForecast,
  type CalibrationHoldoutReport,
  type TrackingRow,
} from './ltv/index.js';
export {
  TextClassifier,
  type TextClassifierOptions,
  type TextClassifierFitOptions,
  type TextBatch,
  type TextEncoding,
  type TokenWeight,
  type Explanation,
} from './text/text-classifier.js';
export type { AlignedGeneration } from './sequence/seq2seq.js';
// Types the public models' signatures name, exported so the API docs can show them.
export type { Decoder } from './sequence/seq2seq.js';
export type { StepDecoder, DecodeState } from './sequence/seq2seq-types.js';
export type { SourceBatch } from './sequence/seq2seq-copy.js';
export { EventCodec } from './sequence/next-item-encoding.js';
export type { NextItemLoss } from './sequence/next-item-training.js';
export type { KvCache } from './sequence/seq2seq-cache.js';
export type { EncodedEvents } from './sequence/next-item-encoding.js';
