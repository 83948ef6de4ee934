import { ValueError, fmtValue } from '../core/errors.js';
import { Rng } from '../core/random.js';
import { type GroupLabels, groupIndex } from './groups.js';
import { type Interval, percentileInterval } from './interval.js';

export type { GroupLabels } from './groups.js';
import { checkBins, checkFinite, checkPair, checkProbabilities, toLabels, type BinaryLabels } from './validate.js';

/** Per-group rates of a binary classifier. */
export interface GroupRates {
  group: string;
  n: number;
  /** Share predicted positive, P(ŷ = 1 | group). */
  selectionRate: number;
  /** Share actually positive (NaN without yTrue). */
  baseRate: number;
  /** True positive rate P(ŷ = 1 | y = 1, group); NaN when the group has no positives. */
  tpr: number;
  /** False positive rate P(ŷ = 1 | y = 0, group); NaN when the group has no negatives. */
  fpr: number;
}

function rates(
  yTrue: Uint8Array | undefined,
  yPred: Uint8Array,
  ids: Int32Array,
  names: string[],
  rows?: Int32Array,
): GroupRates[] {
  const k = names.length;
  const n = new Float64Array(k);
  const sel = new Float64Array(k);
  const pos = new Float64Array(k);
  const tp = new Float64Array(k);
  const fp = new Float64Array(k);
  const len = rows ? rows.length : yPred.length;
  for (let j = 0; j < len; j++) {
    const i = rows ? rows[j]! : j;
    const g = ids[i]!;
    n[g]!++;
    sel[g]! += yPred[i]!;
    if (yTrue) {
      pos[g]! += yTrue[i]!;
      if (yPred[i]) {
        if (yTrue[i]) tp[g]!++;
        else fp[g]!++;
      }
    }
  }
  return names.map((group, g) => ({
    group,
    n: n[g]!,
    selectionRate: sel[g]! / n[g]!,
    baseRate: yTrue ? pos[g]! / n[g]! : Number.NaN,
    tpr: yTrue && pos[g]! > 0 ? tp[g]! / pos[g]! : Number.NaN,
    fpr: yTrue && n[g]! - pos[g]! > 0 ? fp[g]! / (n[g]! - pos[g]!) : Number.NaN,
  }));
}

const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);

/** The four gap measures from per-group rates; a measure is NaN where a group lacks the rows it needs. */
function measures(r: GroupRates[]): Record<FairnessMeasure, number> {
  const sel = r.map((g) => g.selectionRate);
  const tpr = r.map((g) => g.tpr);
  const fpr = r.map((g) => g.fpr);
  const eo = spread(tpr);
  return {
    demographicParityDifference: spread(sel),
    demographicParityRatio: Math.max(...sel) > 0 ? Math.min(...sel) / Math.max(...sel) : Number.NaN,
    equalOpportunityDifference: eo,
    equalizedOddsDifference: Math.max(eo, spread(fpr)),
  };
}

/** The measures {@link fairnessReport} gives, fairlearn's definitions for any number of groups. */
export type FairnessMeasure =
  | 'demographicParityDifference'
  | 'demographicParityRatio'
  | 'equalOpportunityDifference'
  | 'equalizedOddsDifference';

export type { Interval } from './interval.js';
export {
  exposureReport,
  type ExposureOptions,
  type ExposureReport,
  type GroupExposure,
} from './exposure.js';

/** Options of {@link fairnessReport}. */
export interface FairnessOptions {
  /** True outcomes (0/1); needed for the error-rate measures and calibration. */
  yTrue?: BinaryLabels;
  /** Predicted probabilities in [0, 1] (thresholded at `threshold`), or give `yPred`. */
  yProb?: ArrayLike<number>;
  /** Hard 0/1 predictions, when there are no probabilities. */
  yPred?: BinaryLabels;
  /** The group of each row. */
  group: GroupLabels;
  /** Decision threshold on yProb; default 0.5. */
  threshold?: number;
  /** Bootstrap resamples (stratified by group); default 1000; 0 for no intervals. */
  bootstrap?: number;
  /** Interval coverage; default 0.95. */
  confidence?: number;
  /** Seed of the resampling; default 0. */
  seed?: number;
  /** Bins of the per-group calibration; default 10. */
  bins?: number;
}

/** Per-group calibration: expected calibration error and the reliability table. */
export interface GroupCalibration {
  group: string;
  /**
   * Expected calibration error: Σ (bin share) |mean predicted − observed rate|. ECE is biased
   * upward (bin noise only adds to it) and more so in a resample, so for a well-calibrated group
   * the percentile interval can sit just above the point value: read it as the noise level.
   */
  ece: Interval;
  /** Mean predicted probability and observed positive rate of the group as a whole. */
  meanPredicted: number;
  observedRate: number;
  bins: { lo: number; hi: number; count: number; meanPredicted: number; observedRate: number }[];
}

/** What {@link fairnessReport} returns. */
export interface FairnessReport {
  groups: GroupRates[];
  /** max − min selection rate across groups (0 is parity). */
  demographicParityDifference: Interval;
  /** min / max selection rate (1 is parity; the "four-fifths rule" asks for ≥ 0.8). */
  demographicParityRatio: Interval;
  /** max − min true positive rate (needs yTrue). */
  equalOpportunityDifference: Interval;
  /** The larger of the TPR and FPR spreads (needs yTrue). */
  equalizedOddsDifference: Interval;
  /** Calibration by group (needs yTrue and yProb). */
  calibration: GroupCalibration[] | undefined;
  /** Resamples in which a measure was undefined (a group without positives) and so left out of its interval. */
  undefinedResamples: Record<FairnessMeasure, number>;
  bootstrap: number;
}

function calibrationOf(y: Uint8Array, p: ArrayLike<number>, rows: ArrayLike<number>, bins: number) {
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j]!;
    const b = Math.min(bins - 1, Math.floor(p[i]! * bins));
    count[b]!++;
    sumP[b]! += p[i]!;
    sumY[b]! += y[i]!;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++)
    if (count[b]! > 0) ece += (count[b]! / rows.length) * Math.abs(sumP[b]! / count[b]! - sumY[b]! / count[b]!);
  return { ece, count, sumP, sumY };
}

/**
 * Group fairness of any binary classifier from its predictions and a group column: demographic
 * parity (difference and ratio of selection rates), equal opportunity (TPR spread), equalized
 * odds (the larger of the TPR and FPR spreads) and calibration by group, each with a percentile
 * bootstrap interval (rows resampled within each group, seeded with the library's Rng).
 * Measures are computed across all groups (max − min), as fairlearn does.
 *
 * @example
 * const r = at.fairness.fairnessReport({ yTrue, yProb, group: gender });
 * r.demographicParityDifference; // { value, lo, hi }
 */
export function fairnessReport(options: FairnessOptions): FairnessReport {
  const op = 'fairnessReport';
  const { ids, names } = groupIndex(op, options.group);
  const threshold = options.threshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1))
    throw new ValueError(`${op}: threshold must be in [0, 1]; got ${fmtValue(threshold)}`);
  let yPred: Uint8Array;
  if (options.yProb !== undefined) {
    if (options.yPred !== undefined) throw new ValueError(`${op}: give yProb or yPred, not both`);
    checkPair(op, 'yProb', options.yProb, 'group', options.group);
    checkFinite(op, 'yProb', options.yProb);
    checkProbabilities(op, 'yProb', options.yProb);
    yPred = Uint8Array.from(options.yProb as ArrayLike<number>, (p) => (p >= threshold ? 1 : 0));
  } else if (options.yPred !== undefined) {
    checkPair(op, 'yPred', options.yPred, 'group', options.group);
    yPred = toLabels(op, 'yPred', options.yPred);
  } else throw new ValueError(`${op}: give the model's predictions as yProb (probabilities) or yPred (0/1)`);
  let yTrue: Uint8Array | undefined;
  if (options.yTrue !== undefined) {
    checkPair(op, 'yTrue', options.yTrue, 'group', options.group);
    yTrue = toLabels(op, 'yTrue', options.yTrue);
  }
  const B = options.bootstrap ?? 1000;
  if (!Number.isInteger(B) || B < 0)
    throw new ValueError(`${op}: bootstrap must be an integer ≥ 0; got ${fmtValue(B)}`);
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1))
    throw new ValueError(`${op}: confidence must be in (0, 1); got ${fmtValue(confidence)}`);
  const bins = options.bins ?? 10;
  checkBins(op, bins);
  const groups = rates(yTrue, yPred, ids, names);
  const point = measures(groups);
  if (!yTrue) {
    point.equalOpportunityDifference = Number.NaN;
    point.equalizedOddsDifference = Number.NaN;
  } else {
    const lacking = groups.find((g) => Number.isNaN(g.tpr) || Number.isNaN(g.fpr));
    if (lacking)
      throw new ValueError(
        `${op}: group ${fmtValue(lacking.group)} has no ${Number.isNaN(lacking.tpr) ? 'positives' : 'negatives'} in yTrue; error-rate measures are undefined`,
      );
  }
  const memberLists: number[][] = names.map(() => []);
  ids.forEach((g, i) => memberLists[g]!.push(i));
  const members = memberLists.map((m) => Int32Array.from(m));
  const keys = Object.keys(point) as FairnessMeasure[];
  const draws: Record<FairnessMeasure, number[]> = Object.fromEntries(keys.map((k) => [k, []])) as never;
  const undefinedResamples = Object.fromEntries(keys.map((k) => [k, 0])) as Record<FairnessMeasure, number>;
  const prob = options.yProb;
  const eceDraws: number[][] = names.map(() => []);
  const rng = new Rng(options.seed ?? 0, op);
  const sample = new Int32Array(ids.length);
  for (let b = 0; b < B; b++) {
    let at = 0;
    const starts: number[] = [];
    for (const m of members) {
      starts.push(at);
      for (let j = 0; j < m.length; j++) sample[at++] = m[rng.int(m.length)]!;
    }
    const m = measures(rates(yTrue, yPred, ids, names, sample));
    for (const k of keys) {
      if (Number.isNaN(point[k])) continue;
      if (Number.isNaN(m[k])) undefinedResamples[k]++;
      else draws[k].push(m[k]);
    }
    if (yTrue && prob) {
      members.forEach((mem, g) => {
        eceDraws[g]!.push(calibrationOf(yTrue!, prob, sample.subarray(starts[g]!, starts[g]! + mem.length), bins).ece);
      });
    }
  }
  const interval = (value: number, xs: number[]): Interval => percentileInterval(value, xs, confidence);
  let calibration: GroupCalibration[] | undefined;
  if (yTrue && prob) {
    calibration = names.map((group, g) => {
      const c = calibrationOf(yTrue!, prob, members[g]!, bins);
      let sp = 0;
      let sy = 0;
      for (const i of members[g]!) {
        sp += prob[i]!;
        sy += yTrue![i]!;
      }
      return {
        group,
        ece: interval(c.ece, eceDraws[g]!),
        meanPredicted: sp / members[g]!.length,
        observedRate: sy / members[g]!.length,
        bins: Array.from({ length: bins }, (_, b) => ({
          lo: b / bins,
          hi: (b + 1) / bins,
          count: c.count[b]!,
          meanPredicted: c.count[b]! > 0 ? c.sumP[b]! / c.count[b]! : Number.NaN,
          observedRate: c.count[b]! > 0 ? c.sumY[b]! / c.count[b]! : Number.NaN,
        })),
      };
    });
  }
  return {
    groups,
    demographicParityDifference: interval(point.demographicParityDifference, draws.demographicParityDifference),
    demographicParityRatio: interval(point.demographicParityRatio, draws.demographicParityRatio),
    equalOpportunityDifference: interval(point.equalOpportunityDifference, draws.equalOpportunityDifference),
    equalizedOddsDifference: interval(point.equalizedOddsDifference, draws.equalizedOddsDifference),
    calibration,
    undefinedResamples,
    bootstrap: B,
  };
}

/** Per-group selection, base, true and false positive rates of hard predictions. */
export function groupRates(yTrue: BinaryLabels | undefined, yPred: BinaryLabels, group: GroupLabels): GroupRates[] {
  const op = 'groupRates';
  checkPair(op, 'yPred', yPred, 'group', group);
  if (yTrue !== undefined) checkPair(op, 'yTrue', yTrue, 'group', group);
  const { ids, names } = groupIndex(op, group);
  return rates(
    yTrue === undefined ? undefined : toLabels(op, 'yTrue', yTrue),
    toLabels(op, 'yPred', yPred),
    ids,
    names,
  );
}

/** max − min selection rate across groups. */
export function demographicParityDifference(yPred: BinaryLabels, group: GroupLabels): number {
  return measures(groupRates(undefined, yPred, group)).demographicParityDifference;
}

/** min / max selection rate across groups. */
export function demographicParityRatio(yPred: BinaryLabels, group: GroupLabels): number {
  return measures(groupRates(undefined, yPred, group)).demographicParityRatio;
}

/** max − min true positive rate across groups. */
export function equalOpportunityDifference(yTrue: BinaryLabels, yPred: BinaryLabels, group: GroupLabels): number {
  return measures(groupRates(yTrue, yPred, group)).equalOpportunityDifference;
}

/** The larger of the TPR and FPR spreads across groups. */
export function equalizedOddsDifference(yTrue: BinaryLabels, yPred: BinaryLabels, group: GroupLabels): number {
  return measures(groupRates(yTrue, yPred, group)).equalizedOddsDifference;
}
