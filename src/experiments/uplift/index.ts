export {
  TLearner,
  XLearner,
  TransformedOutcomeLearner,
  type UpliftClassifier,
  type UpliftRegressor,
  type ClassifierFactory,
  type RegressorFactory,
  type UpliftModel,
} from './learners.js';
export { RidgeRegressor, type RidgeOptions } from './ridge.js';
export type { Rows } from './rows.js';
export {
  qiniCurve,
  upliftCurve,
  auuc,
  qiniCoefficient,
  targetTopK,
  upliftAtTop,
  type GainCurve,
  type CurveArea,
} from './curves.js';
