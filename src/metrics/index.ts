export { rmse, mae } from './regression.js';
export {
  precisionAtK,
  recallAtK,
  ndcgAtK,
  hitRateAtK,
  mapAtK,
  catalogCoverage,
  type RelevantItems,
} from './ranking.js';
export {
  rocAuc,
  prAuc,
  logLoss,
  brierScore,
  accuracy,
  precisionRecallF1,
  calibrationCurve,
  expectedCalibrationError,
  type LogLossOptions,
  type ThresholdOptions,
  type BinaryReport,
  type CalibrationOptions,
  type CalibrationCurve,
} from './classification.js';
export { thresholdCurves, concentrationCurve, type CurvePoint, type ThresholdCurves } from './curves.js';
export { silhouetteScore, type SilhouetteOptions } from './clustering.js';
export {
  psi,
  ksTest,
  chiSquareTest,
  categoricalPsi,
  driftReport,
  type PsiOptions,
  type DriftTest,
  type DriftReport,
  type DriftReportOptions,
  type FeatureDrift,
  type DriftColumn,
} from './drift.js';
export {
  ctr,
  conversionRate,
  averageOrderValue,
  revenuePerUser,
  funnel,
  cohortRetention,
  type Kpi,
  type FunnelStep,
  type ActivityRow,
  type CohortTable,
} from './kpis.js';
export { sliceMetrics, type SliceOptions, type SliceResult, type SliceReport } from './slices.js';
export type { BinaryLabels } from './validate.js';
export { crossValidate, type CrossValidation, type FoldResult, type RatingModel } from './cross-validate.js';
export {
  fairnessReport,
  groupRates,
  demographicParityDifference,
  demographicParityRatio,
  equalOpportunityDifference,
  equalizedOddsDifference,
  type FairnessOptions,
  type FairnessReport,
  type FairnessMeasure,
  type GroupRates,
  type GroupCalibration,
  type GroupLabels,
  type Interval,
} from './fairness.js';
export {
  permutationImportance,
  type PermutationImportanceOptions,
  type FeatureImportance,
  type FeatureMatrix,
} from './importance.js';
