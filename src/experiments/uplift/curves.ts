import { ShapeError, ValueError, fmtValue } from '../../core/errors.js';
import { checkRange } from '../../core/checks.js';
import { type MeansTestResult, welchTest } from '../means.js';
import { type ProportionTestResult, twoProportionTest } from '../proportions.js';
import type { TestOptions } from '../result.js';
import { toAssignment, toOutcomes } from './rows.js';

/**
 * A gain curve over the population ranked by predicted uplift: point k is the top `fraction[k]`
 * of users (users with tied scores enter together), starting at (0, 0).
 */
export interface GainCurve {
  fraction: Float64Array;
  value: Float64Array;
}

interface Ranked {
  n: number;
  w: Uint8Array;
  y: Float64Array;
  /** End (exclusive) of each group of tied scores, in ranked order. */
  ends: number[];
  order: Int32Array;
}

function rank(
  op: string,
  scores: ArrayLike<number>,
  treatment: ArrayLike<number | boolean>,
  y: ArrayLike<number | boolean>,
): Ranked {
  const n = scores.length;
  if (n === 0) throw new ValueError(`${op}: scores is empty`);
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(scores[i]!))
      throw new ValueError(`${op}: scores[${i}] must be a finite number; got ${fmtValue(scores[i])}`);
  if (y.length !== n) throw new ShapeError(`${op}: y has ${y.length} entries but scores has ${n}`);
  const w = toAssignment(op, treatment, n);
  const yy = toOutcomes(op, y, n);
  // Highest uplift first; ties keep input order, and enter the curve together below.
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const ends: number[] = [];
  for (let k = 1; k <= n; k++) if (k === n || scores[order[k]!]! !== scores[order[k - 1]!]!) ends.push(k);
  return { n, w, y: yy, ends, order };
}

function curve(r: Ranked, point: (yt: number, nt: number, yc: number, nc: number) => number): GainCurve {
  const fraction = new Float64Array(r.ends.length + 1);
  const value = new Float64Array(r.ends.length + 1);
  let yt = 0;
  let nt = 0;
  let yc = 0;
  let nc = 0;
  let k = 0;
  r.ends.forEach((end, g) => {
    for (; k < end; k++) {
      const i = r.order[k]!;
      if (r.w[i]) {
        nt++;
        yt += r.y[i]!;
      } else {
        nc++;
        yc += r.y[i]!;
      }
    }
    fraction[g + 1] = end / r.n;
    value[g + 1] = point(yt, nt, yc, nc);
  });
  return { fraction, value };
}

/**
 * The Qini curve: at each cut of the ranking, the incremental outcomes among the targeted,
 * Yt - Yc·Nt/Nc (treated outcomes minus control outcomes scaled to the treated count; 0 while
 * no control user is in). Its end point is the total incremental outcome of treating everyone.
 */
export function qiniCurve(
  scores: ArrayLike<number>,
  treatment: ArrayLike<number | boolean>,
  y: ArrayLike<number | boolean>,
): GainCurve {
  return curve(rank('qiniCurve', scores, treatment, y), (yt, nt, yc, nc) => (nc > 0 ? yt - (yc * nt) / nc : 0));
}

/**
 * The uplift (cumulative gain) curve: at each cut, (Yt/Nt - Yc/Nc)·(Nt + Nc), the observed uplift
 * among the targeted times their number (0 until both arms are in).
 */
export function upliftCurve(
  scores: ArrayLike<number>,
  treatment: ArrayLike<number | boolean>,
  y: ArrayLike<number | boolean>,
): GainCurve {
  return curve(rank('upliftCurve', scores, treatment, y), (yt, nt, yc, nc) =>
    nt > 0 && nc > 0 ? (yt / nt - yc / nc) * (nt + nc) : 0,
  );
}

function area(c: GainCurve): number {
  let s = 0;
  for (let k = 1; k < c.fraction.length; k++)
    s += 0.5 * (c.fraction[k]! - c.fraction[k - 1]!) * (c.value[k]! + c.value[k - 1]!);
  return s;
}

/** A curve's area for the model and for random targeting, per user. */
export interface CurveArea {
  /** Area under the model's curve (trapezoids, x = fraction targeted) divided by the number of users. */
  model: number;
  /** The same for random targeting: the straight line to the curve's end point. */
  random: number;
  /** model - random: the gain from ranking by the model; > 0 beats random. */
  gain: number;
}

/**
 * Area under the uplift curve per user (AUUC), against random targeting. Per user so that
 * test sets of different sizes compare; for random targeting it is half the average effect.
 */
export function auuc(
  scores: ArrayLike<number>,
  treatment: ArrayLike<number | boolean>,
  y: ArrayLike<number | boolean>,
): CurveArea {
  const c = upliftCurve(scores, treatment, y);
  return areas(c, scores.length);
}

function areas(c: GainCurve, n: number): CurveArea {
  const model = area(c) / n;
  const random = c.value[c.value.length - 1]! / 2 / n;
  return { model, random, gain: model - random };
}

/**
 * The Qini coefficient: the area between the Qini curve and the random-targeting line, per user
 * (Radcliffe's Qini, divided by the number of users so test sets of different sizes compare).
 * Positive when the ranking puts responders-because-of-treatment first; about 0 for a random one.
 */
export function qiniCoefficient(
  scores: ArrayLike<number>,
  treatment: ArrayLike<number | boolean>,
  y: ArrayLike<number | boolean>,
): number {
  return areas(qiniCurve(scores, treatment, y), scores.length).gain;
}

/** Indices of the top `fraction` of users by predicted uplift (ceil(fraction·n), highest first). */
export function targetTopK(scores: ArrayLike<number>, fraction: number): Int32Array {
  const op = 'targetTopK';
  checkRange(op, 'fraction', fraction, Number.MIN_VALUE, 1, false);
  if (scores.length === 0) throw new ValueError(`${op}: scores is empty`);
  for (let i = 0; i < scores.length; i++)
    if (!Number.isFinite(scores[i]!))
      throw new ValueError(`${op}: scores[${i}] must be a finite number; got ${fmtValue(scores[i])}`);
  const order = Int32Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[b]! - scores[a]! || a - b,
  );
  return order.slice(0, Math.ceil(fraction * scores.length - 1e-9));
}

/**
 * The observed uplift among the top `fraction` by predicted uplift, tested treated against
 * control inside that group: a two-proportion z-test for 0/1 outcomes, Welch's t-test otherwise.
 * This is the lift a campaign that only targets them should expect.
 */
export function upliftAtTop(
  scores: ArrayLike<number>,
  treatment: ArrayLike<number | boolean>,
  y: ArrayLike<number | boolean>,
  fraction: number,
  options: TestOptions = {},
): (ProportionTestResult | MeansTestResult) & { targeted: number } {
  const op = 'upliftAtTop';
  const top = targetTopK(scores, fraction);
  const w = toAssignment(op, treatment, scores.length);
  const yy = toOutcomes(op, y, scores.length);
  const yt: number[] = [];
  const yc: number[] = [];
  for (const i of top) (w[i] ? yt : yc).push(yy[i]!);
  if (yt.length === 0 || yc.length === 0)
    throw new ValueError(
      `${op}: the top ${fraction} holds no ${yt.length === 0 ? 'treated' : 'control'} user; target a larger fraction`,
    );
  const binary = yy.every((v) => v === 0 || v === 1);
  const count = (a: number[]) => ({ successes: a.reduce((s, v) => s + v, 0), trials: a.length });
  const r = binary ? twoProportionTest(count(yc), count(yt), options) : welchTest(yc, yt, options);
  const out = { ...r, targeted: top.length };
  Object.defineProperty(out, 'summary', {
    enumerable: false,
    value: () => `top ${fraction * 100}% (${top.length} users): ${r.summary()}`,
  });
  return out;
}
