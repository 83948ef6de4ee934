import { NumericalError, ShapeError, ValueError, fmtValue } from '../core/errors.js';
import { checkInt, checkNumber } from '../core/checks.js';
import type { Matrix } from '../data/matrix.js';
import type { TabularEncoder } from '../data/encoder.js';
import { noGrad } from '../autograd/tape.js';
import { scope } from '../memory.js';
import { tensor } from '../tensor/creation.js';
import type { ChurnNet } from './churn-net.js';

/** What the explainers need of a fitted ChurnClassifier (passed in, so this file does not import churn.ts). */
export interface ExplainParts {
  net: ChurnNet;
  /** Input column names, one per column. */
  names: readonly string[];
  /** The reference row explanations are measured from (the training rows' column means by default). */
  baseline: Float64Array;
  /** The encoder that made the columns, if known: groups one-hot columns and maps values back. */
  encoder: TabularEncoder | null;
  /** Logit → probability as the model reports it (calibrated when it is). */
  probability: (logit: number) => number;
}

/** One input column of the logistic model. */
export interface ChurnCoefficient {
  name: string;
  /** Weight on the model's input column (on the z-score for a standardised numeric column). */
  coefficient: number;
  /**
   * Weight per unit of the original column: coefficient ÷ the encoder's sd for a standardised
   * numeric column, the coefficient itself for one-hot, indicator and unscaled columns.
   */
  perUnit: number;
  /** exp(perUnit): how the churn odds multiply per original unit (per category, against none). */
  oddsRatio: number;
}

/** The logistic model's weights in logit space, before calibration. */
export interface ChurnCoefficients {
  /** Bias on the model's inputs. */
  intercept: number;
  /** Bias when every numeric column is in its original units (the z-scoring folded in). */
  interceptOriginal: number;
  /** One per input column, in column order. */
  features: ChurnCoefficient[];
}

/** Options of {@link ChurnClassifier.attributions} and {@link ChurnClassifier.explain}. */
export interface AttributionOptions {
  /** Reference row (one value per input column); default the training rows' column means. */
  baseline?: ArrayLike<number>;
  /** Integrated gradients (MLP): first number of path steps, doubled while the check fails; default 32. */
  steps?: number;
  /** Integrated gradients: the most steps tried before giving up with a NumericalError; default 1024. */
  maxSteps?: number;
  /** Largest |Σ contributions − (logit − baseline logit)| accepted, in logits; default 0.01. */
  tolerance?: number;
}

/** Per-column contributions to each row's logit, measured from the baseline. */
export interface ChurnAttributions {
  /** Row-major [rows × cols] contributions in logits. */
  values: Float64Array;
  rows: number;
  cols: number;
  names: string[];
  /** The reference row the contributions are measured from. */
  baseline: Float64Array;
  /** Each row's logit f(x). */
  logit: Float64Array;
  /** The baseline's logit f(baseline). */
  baselineLogit: number;
  /** Completeness check per row: Σ contributions − (logit − baselineLogit). */
  gap: Float64Array;
  /** `exact` (logistic model: coefficient × (x − baseline)) or `integrated-gradients` (MLP). */
  method: 'exact' | 'integrated-gradients';
  /** Path steps the integrated gradients needed at most (0 for exact). */
  steps: number;
}

/** One original column's share of a row's logit, in words. */
export interface ChurnReason {
  /** The original column (one-hot columns of a category are summed into it). */
  feature: string;
  /** The row's value as the column read before encoding (a number, a category, or 'missing'). */
  value: string;
  /** Contribution to the logit against the baseline. */
  contribution: number;
  /** exp(contribution): how this column multiplies the churn odds against the baseline customer. */
  oddsRatio: number;
  /** A sentence a marketer can read, e.g. "tenure is 2 (average 32.4): raises the churn odds 2.41×". */
  text: string;
}

/** One customer's explanation. */
export interface ChurnExplanation {
  row: number;
  /** The model's churn probability for the row (calibrated when the model is). */
  probability: number;
  /** The probability of the baseline (average) customer. */
  baselineProbability: number;
  logit: number;
  baselineLogit: number;
  /** Completeness check: Σ contributions − (logit − baselineLogit). */
  gap: number;
  /** The `top` columns with the largest |contribution|, largest first. */
  reasons: ChurnReason[];
  /** Every original column, largest |contribution| first; they sum to logit − baselineLogit (± gap). */
  contributions: ChurnReason[];
  /**
   * The probability and the reasons in one paragraph. The baseline probability is that of a
   * customer whose every column sits at its training mean, not the churn rate.
   */
  summary: string;
}

/** The logistic model's coefficients with names, on the input and on the original scale. */
export async function churnCoefficients(parts: ExplainParts): Promise<ChurnCoefficients> {
  const { w, b } = await linearWeights(parts.net);
  const cols = columnInfo(parts);
  let interceptOriginal = b;
  const features = cols.map((c, j) => {
    const perUnit = w[j]! / c.sd;
    interceptOriginal -= perUnit * c.mean;
    return { name: parts.names[j]!, coefficient: w[j]!, perUnit, oddsRatio: Math.exp(perUnit) };
  });
  return { intercept: b, interceptOriginal, features };
}

/**
 * Contributions of each input column to each row's logit against a baseline row. The logistic
 * model's are exact: coefficient × (x − baseline), summing to logit − baseline logit. The MLP's
 * are integrated gradients (Sundararajan, Taly and Yan 2017): (x − baseline) times the gradient
 * averaged over `steps` midpoints of the straight path from baseline to x; the steps double until
 * every row's completeness gap is within `tolerance`, else a NumericalError says how far it got.
 */
export async function churnAttributions(
  op: string,
  parts: ExplainParts,
  m: Matrix,
  options: AttributionOptions = {},
): Promise<ChurnAttributions> {
  const tolerance = checkNumber(op, 'tolerance', options.tolerance ?? 0.01, { min: 0 });
  const maxSteps = checkInt(op, 'maxSteps', options.maxSteps ?? 1024, 1);
  let steps = checkInt(op, 'steps', options.steps ?? 32, 1);
  const base = baselineOf(op, parts, options.baseline);
  const { rows, cols } = m;
  const values = new Float64Array(rows * cols);
  const names = [...parts.names];
  if (parts.net.layers.length === 1) {
    const { w, b } = await linearWeights(parts.net);
    let baselineLogit = b;
    for (let j = 0; j < cols; j++) baselineLogit += w[j]! * base[j]!;
    const logit = new Float64Array(rows);
    const gap = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let z = b;
      let sum = 0;
      for (let j = 0; j < cols; j++) {
        const x = m.data[i * cols + j]!;
        z += w[j]! * x;
        sum += values[i * cols + j] = w[j]! * (x - base[j]!);
      }
      logit[i] = z;
      gap[i] = sum - (z - baselineLogit);
    }
    return { values, rows, cols, names, baseline: base, logit, baselineLogit, gap, method: 'exact', steps: 0 };
  }
  const logit = await forward(parts.net, m.data, rows, cols);
  const baselineLogit = (await forward(parts.net, base, 1, cols))[0]!;
  const gap = new Float64Array(rows);
  let todo = Array.from({ length: rows }, (_, i) => i);
  let used = 0;
  while (todo.length > 0) {
    used = steps;
    const grads = await pathGradients(parts.net, m, todo, base, steps);
    const next: number[] = [];
    todo.forEach((i, t) => {
      let sum = 0;
      for (let j = 0; j < cols; j++)
        sum += values[i * cols + j] = (m.data[i * cols + j]! - base[j]!) * grads[t * cols + j]!;
      gap[i] = sum - (logit[i]! - baselineLogit);
      if (!(Math.abs(gap[i]!) <= tolerance)) next.push(i);
    });
    if (next.length > 0 && steps >= maxSteps) {
      const worst = next.reduce((a, i) => (Math.abs(gap[i]!) > Math.abs(gap[a]!) ? i : a));
      throw new NumericalError(
        `${op}: integrated gradients of row ${worst} sum to ${fmtValue(gap[worst]! + logit[worst]! - baselineLogit)} but the logit moved ${fmtValue(logit[worst]! - baselineLogit)} from the baseline (gap ${fmtValue(gap[worst])}, tolerance ${tolerance}) after ${steps} steps; raise maxSteps or tolerance`,
      );
    }
    todo = next;
    steps = Math.min(maxSteps, steps * 2);
  }
  return {
    values,
    rows,
    cols,
    names,
    baseline: base,
    logit,
    baselineLogit,
    gap,
    method: 'integrated-gradients',
    steps: used,
  };
}

/** Attributions grouped by original column and put into words; see {@link ChurnExplanation}. */
export function explainAttributions(
  parts: ExplainParts,
  a: ChurnAttributions,
  m: Matrix,
  options: { top: number; customBaseline: boolean },
): ChurnExplanation[] {
  const info = columnInfo(parts);
  // The default baseline is the training mean; a caller's own row is a reference, not an average.
  const word = options.customBaseline ? 'reference' : 'average';
  const top = options.top;
  const groups = new Map<string, number[]>();
  info.forEach((c, j) => {
    const g = groups.get(c.source);
    if (g) g.push(j);
    else groups.set(c.source, [j]);
  });
  const baselineProbability = parts.probability(a.baselineLogit);
  const out: ChurnExplanation[] = [];
  for (let i = 0; i < a.rows; i++) {
    const reasons: ChurnReason[] = [];
    for (const [feature, columns] of groups) {
      let contribution = 0;
      for (const j of columns) contribution += a.values[i * a.cols + j]!;
      const value = describeValue(info, columns, m.data.subarray(i * m.cols, (i + 1) * m.cols));
      const c = info[columns[0]!]!;
      const typical = c.kind === 'number' ? ` (${word} ${num(a.baseline[columns[0]!]! * c.sd + c.mean)})` : '';
      const oddsRatio = Math.exp(contribution);
      reasons.push({ feature, value, contribution, oddsRatio, text: sentence(feature, value, typical, oddsRatio) });
    }
    reasons.sort((p, q) => Math.abs(q.contribution) - Math.abs(p.contribution));
    const probability = parts.probability(a.logit[i]!);
    const shown = reasons.slice(0, top).filter((r) => r.contribution !== 0);
    out.push({
      row: i,
      probability,
      baselineProbability,
      logit: a.logit[i]!,
      baselineLogit: a.baselineLogit,
      gap: a.gap[i]!,
      reasons: shown,
      contributions: reasons,
      summary: `Churn risk ${pct(probability)} (${word === 'average' ? 'a customer with average values' : 'the reference'}: ${pct(baselineProbability)}). ${shown.map((r) => r.text).join('; ')}.`,
    });
  }
  return out;
}

/** Where an input column came from: the original column, its kind, and how to undo the scaling. */
interface ColumnInfo {
  source: string;
  kind: 'number' | 'missing' | 'category';
  category?: string;
  mean: number;
  sd: number;
}

function columnInfo(parts: ExplainParts): ColumnInfo[] {
  const cols = parts.names.length;
  if (!parts.encoder) return parts.names.map((source) => ({ source, kind: 'number', mean: 0, sd: 1 }));
  const state = parts.encoder.toJSON();
  const standardize = state.options.standardize !== false;
  const out: ColumnInfo[] = [];
  for (const s of state.numeric) {
    out.push({ source: s.name, kind: 'number', mean: standardize ? s.mean : 0, sd: standardize ? s.sd : 1 });
    if (s.indicator) out.push({ source: s.name, kind: 'missing', mean: 0, sd: 1 });
  }
  for (const s of state.categorical)
    for (const category of s.categories) out.push({ source: s.name, kind: 'category', category, mean: 0, sd: 1 });
  if (out.length !== cols)
    throw new ShapeError(`explain: the encoder makes ${out.length} columns but the model takes ${cols}`);
  return out;
}

function describeValue(info: ColumnInfo[], columns: number[], row: Float64Array): string {
  const first = info[columns[0]!]!;
  if (first.kind === 'number') {
    const missing = columns.find((j) => info[j]!.kind === 'missing');
    if (missing !== undefined && row[missing] === 1) return 'missing';
    return num(row[columns[0]!]! * first.sd + first.mean);
  }
  const hot = columns.find((j) => row[j] === 1);
  return hot === undefined ? '(unseen)' : info[hot]!.category!;
}

function sentence(feature: string, value: string, typical: string, oddsRatio: number): string {
  const what = `${feature} is ${value}${typical}`;
  if (oddsRatio >= 1) return `${what}: raises the churn odds ${oddsRatio.toFixed(2)}×`;
  return `${what}: lowers the churn odds by ${Math.round(100 * (1 - oddsRatio))}%`;
}

const pct = (p: number): string => `${(100 * p).toFixed(1)}%`;

/** A number as a person writes it: at most 2 decimals, no trailing zeros. */
function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function baselineOf(op: string, parts: ExplainParts, given: ArrayLike<number> | undefined): Float64Array {
  const cols = parts.names.length;
  if (given === undefined) return parts.baseline;
  if (given.length !== cols)
    throw new ShapeError(`${op}: baseline has ${given.length} values but the model takes ${cols}`);
  const out = Float64Array.from(given);
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ValueError(`${op}: baseline[${bad}] must be a finite number; got ${fmtValue(given[bad])}`);
  return out;
}

async function linearWeights(net: ChurnNet): Promise<{ w: Float64Array; b: number }> {
  if (net.layers.length !== 1)
    throw new ValueError(
      'coefficients: only the logistic model (hidden: []) has one weight per column; use explain or attributions for the MLP',
    );
  const layer = net.layers[0]!;
  return { w: Float64Array.from(await layer.weight.data()), b: (await layer.bias!.data())[0]! };
}

async function forward(net: ChurnNet, data: ArrayLike<number>, rows: number, cols: number): Promise<Float64Array> {
  const z = noGrad(() =>
    scope(() => net.forward(tensor(Float32Array.from(data), { shape: [rows, cols], backend: net.backend }))),
  );
  const out = Float64Array.from(await z.data());
  z.dispose();
  return out;
}

/**
 * The gradient of the logit averaged over `steps` midpoints α = (k + ½)/steps of the path
 * baseline + α (x − baseline), for the rows in `todo`: [todo.length × cols]. Rows go through in
 * chunks of about 16k path points so a large batch stays within memory.
 */
async function pathGradients(
  net: ChurnNet,
  m: Matrix,
  todo: readonly number[],
  base: Float64Array,
  steps: number,
): Promise<Float64Array> {
  const cols = m.cols;
  const out = new Float64Array(todo.length * cols);
  const chunk = Math.max(1, Math.floor(16384 / steps));
  for (let s = 0; s < todo.length; s += chunk) {
    const r = Math.min(chunk, todo.length - s);
    const points = new Float32Array(r * steps * cols);
    for (let t = 0; t < r; t++) {
      const i = todo[s + t]!;
      for (let k = 0; k < steps; k++) {
        const alpha = (k + 0.5) / steps;
        const at = (t * steps + k) * cols;
        for (let j = 0; j < cols; j++) points[at + j] = base[j]! + alpha * (m.data[i * cols + j]! - base[j]!);
      }
    }
    // The input is the leaf here: its gradient lives with it, outside the scope of the graph.
    const x = tensor(points, { shape: [r * steps, cols], backend: net.backend, requiresGrad: true });
    let g: Float32Array;
    try {
      scope(() => {
        const z = net.forward(x);
        z.backward(tensor(new Float32Array(r * steps).fill(1), { shape: [r * steps, 1], backend: net.backend }));
      });
      g = (await x.grad!.data()) as Float32Array;
    } finally {
      x.grad?.dispose();
      x.dispose();
      net.zeroGrad();
    }
    for (let t = 0; t < r; t++)
      for (let k = 0; k < steps; k++)
        for (let j = 0; j < cols; j++) out[(s + t) * cols + j]! += g[(t * steps + k) * cols + j]! / steps;
  }
  return out;
}
