export type {
  TestResult,
  TestOptions,
  Decision,
  Counts,
  MeanStats,
  MeanInput,
} from './result.js';
export {
  twoProportionTest,
  wilsonInterval,
  newcombeInterval,
  type ProportionTestResult,
  type Lift,
} from './proportions.js';
export {
  welchTest,
  bootstrapMeanDiff,
  type MeansTestResult,
  type BootstrapOptions,
  type BootstrapResult,
} from './means.js';
export { holm, compareArms, type CompareArmsOptions, type ArmResult } from './multiple.js';
export { sampleRatioMismatch, type SrmResult } from './srm.js';
export {
  sampleSizeProportions,
  powerProportions,
  mdeProportions,
  sampleSizeMeans,
  powerMeans,
  mdeMeans,
  cohensH,
  type DesignOptions,
  type SampleSize,
} from './design.js';
export {
  SequentialTest,
  obrienFlemingSpending,
  type SequentialOptions,
  type SequentialResult,
} from './sequential.js';
export {
  bayesProportions,
  bayesMeans,
  probBetaGreater,
  type BayesResult,
  type BayesOptions,
  type BetaBinomialOptions,
  type NormalModelOptions,
} from './bayes.js';
export { cuped, type CupedArm, type CupedResult } from './cuped.js';
export {
  normalCdf,
  normalQuantile,
  studentCdf,
  studentQuantile,
  chiSquareSf,
  betaCdf,
  betaQuantile,
  kolmogorovSf,
} from './distributions.js';
