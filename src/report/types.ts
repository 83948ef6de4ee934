import type { BayesResult } from '../experiments/bayes.js';
import type { MeansTestResult } from '../experiments/means.js';
import type { ArmResult } from '../experiments/multiple.js';
import type { ProportionTestResult } from '../experiments/proportions.js';
import type { BinaryLabels } from '../metrics/validate.js';
import type { TrackingRow } from '../models/ltv/tracking.js';
import type { SegmentProfile } from '../models/segmentation.js';

/** A Vega-Lite specification (plain JSON); see https://vega.github.io/vega-lite/docs/spec.html. */
export type VegaLiteSpec = Record<string, unknown>;

/** One chart of a report: a Vega-Lite spec and the sentence under it. */
export interface ReportChart {
  /** Stable id, unique in the report (the figure's `id` and `data-chart` in the HTML). */
  id: string;
  title: string;
  /** What the chart shows and how to read it, in words a marketer understands. */
  caption: string;
  spec: VegaLiteSpec;
}

/** One section of a report: a heading, a short introduction and its charts. */
export interface ReportSection {
  id: string;
  title: string;
  intro: string;
  charts: ReportChart[];
}

/** One loss curve: a model's mean loss per epoch, with the held-out loss when there is one. */
export interface TrainingCurve {
  /** The model's name as the legend shows it, e.g. "churn MLP". */
  model: string;
  /** Per epoch: `loss` (training) and optionally `valLoss` (held-out rows). */
  epochs: readonly { epoch: number; loss: number; valLoss?: number }[];
}

/** A recommender's top-k lists, for coverage and popularity bias. */
export interface RecommendationLists {
  /** The model's name, e.g. "BPR". */
  model: string;
  /** One list of item indices per customer (each at most k long). */
  lists: readonly ArrayLike<number>[];
}

/** One arm of an A/B test: the estimate of the metric and its interval. */
export interface ExperimentArm {
  arm: string;
  estimate: number;
  lower: number;
  upper: number;
}

/**
 * An A/B result as the report draws it: any experiment analysis maps onto this shape (the arms'
 * estimates with intervals, e.g. conversion rate with a 95% interval, or the uplift over control).
 */
export interface ExperimentResult {
  /** The test's name, e.g. "Subject line B vs A". */
  name: string;
  /** What is estimated, e.g. "conversion rate". */
  metric: string;
  /** The interval's level, e.g. 0.95. */
  level: number;
  arms: readonly ExperimentArm[];
  /**
   * The test's own conclusion in a sentence, shown in the caption instead of the report's
   * reading of the bars (set by {@link experimentFromTest}).
   */
  verdict?: string;
}

/**
 * A result object of `at.experiments` as it comes back: `twoProportionTest`, `welchTest`,
 * `cuped`, `bayesProportions`, `bayesMeans`, or the record `compareArms` returns.
 */
export type ExperimentTest =
  | ProportionTestResult
  | MeansTestResult
  | BayesResult
  | Readonly<Record<string, ArmResult<ProportionTestResult> | ArmResult<MeansTestResult>>>;

/** An `at.experiments` result with the names the report shows; {@link experimentFromTest} maps it. */
export interface ExperimentReadout {
  /** The test's name, e.g. "Subject line B vs A". */
  name: string;
  result: ExperimentTest;
  /** The control arm's label; default "control". */
  controlName?: string;
  /** The treatment arm's label for a two-arm result; default "treatment" (compareArms uses its keys). */
  treatmentName?: string;
  /** What is measured, e.g. "revenue per visitor"; default from the test ("conversion rate", "mean outcome"). */
  metric?: string;
}

/**
 * What {@link report} draws. Every part is optional: a section appears when its data is given, so
 * a report can hold only the churn charts, or everything the demo measured.
 */
export interface ReportInput {
  /** Page title; default "attune report". */
  title?: string;
  /** Lines under the title: the data, the backend, the date. */
  summary?: readonly string[];
  /** Loss per epoch of any models trained. */
  training?: readonly TrainingCurve[];
  /** Segment profiles from `at.models.segmentProfiles` (RFM features give the recency/frequency/spend charts). */
  segments?: readonly SegmentProfile[];
  /** Churn probabilities of held-out customers and whether each churned (1) or not (0). */
  churn?: { labels: BinaryLabels; probabilities: ArrayLike<number>; bins?: number };
  /** Top-k lists of one or more recommenders, with each item's interactions in the training data. */
  recommendations?: {
    k: number;
    /** Interactions per item (index = item), the popularity the curve ranks items by. */
    itemInteractions: ArrayLike<number>;
    models: readonly RecommendationLists[];
  };
  /** Next-item model training: loss per epoch and, when validated, the held-out hit rate per epoch. */
  nextItem?: {
    epochs: readonly { epoch: number; loss: number; validation?: number }[];
    /** What `validation` measures, e.g. "HR@10"; default "validation". */
    validationName?: string;
    /** A baseline of the same metric (e.g. popularity's HR@10), drawn as a rule. */
    baseline?: { name: string; value: number };
  };
  /**
   * A/B test results with intervals: `at.experiments` result objects with a name
   * ({@link ExperimentReadout}), or arms already mapped ({@link ExperimentResult}).
   */
  experiments?: readonly (ExperimentReadout | ExperimentResult)[];
  /** The lifetime-value tracking plot: `cohort` rows of `at.models.ltv.calibrationHoldout`. */
  ltvTracking?: readonly TrackingRow[];
}
