export { BetaGeo, betaGeoLogLikelihood, type BetaGeoParams, type BetaGeoOptions } from './beta-geo.js';
export {
  GammaGamma,
  gammaGammaLogLikelihood,
  type GammaGammaParams,
  type GammaGammaOptions,
  type SpendHistory,
} from './gamma-gamma.js';
export {
  CustomerValue,
  type LifetimeValueOptions,
  type CustomerValueForecast,
} from './customer-value.js';
export {
  calibrationHoldout,
  type CalibrationHoldoutReport,
  type TrackingRow,
} from './tracking.js';
export type { PurchaseHistory } from './summary.js';
export { lnGamma, lnBeta, hyp2f1 } from './special.js';
export { nelderMead, type NelderMeadOptions, type NelderMeadResult } from './optimize.js';
