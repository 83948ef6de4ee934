import { ValueError, fmtValue } from '../core/errors.js';

/** A fitted map from raw scores to calibrated probabilities. */
export interface Calibrator {
  readonly kind: 'platt' | 'isotonic';
  /** Calibrated probability of one raw score (a logit for Platt, a probability for isotonic). */
  apply(score: number): number;
  toJSON(): PlattJSON | IsotonicJSON;
}

export interface PlattJSON {
  kind: 'platt';
  a: number;
  b: number;
}
export interface IsotonicJSON {
  kind: 'isotonic';
  x: number[];
  y: number[];
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Platt scaling: p = sigmoid(a·logit + b), fitted by Newton's method on the log loss against
 * Platt's smoothed targets (N₊+1)/(N₊+2) and 1/(N₋+2), which keep a separable validation set
 * from driving a to infinity. Two parameters, so it is safe on a few hundred rows.
 */
export function fitPlatt(logits: ArrayLike<number>, y: ArrayLike<number>): Calibrator {
  const n = logits.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i]!;
  if (pos === 0 || pos === n)
    throw new ValueError(`fitPlatt: the calibration rows need both classes; got ${fmtValue(pos)} positives of ${n}`);
  const tPos = (pos + 1) / (pos + 2);
  const tNeg = 1 / (n - pos + 2);
  let a = 1;
  let b = 0;
  const loss = (a_: number, b_: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = a_ * logits[i]! + b_;
      const t = y[i] ? tPos : tNeg;
      // t·softplus(-z) + (1-t)·softplus(z), stably.
      const sp = Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
      s += sp - t * z;
    }
    return s;
  };
  let cur = loss(a, b);
  for (let it = 0; it < 100; it++) {
    let ga = 0,
      gb = 0,
      haa = 1e-12,
      hab = 0,
      hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const x = logits[i]!;
      const p = sigmoid(a * x + b);
      const t = y[i] ? tPos : tNeg;
      const d = p - t;
      const w = p * (1 - p);
      ga += d * x;
      gb += d;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let step = 1;
    let next = loss(a - da, b - db);
    while (next > cur && step > 1e-8) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (next > cur) break;
    a -= step * da;
    b -= step * db;
    const done = cur - next < 1e-12 * Math.max(1, cur);
    cur = next;
    if (done) break;
  }
  return platt(a, b);
}

function platt(a: number, b: number): Calibrator {
  return { kind: 'platt', apply: (z) => sigmoid(a * z + b), toJSON: () => ({ kind: 'platt', a, b }) };
}

/**
 * Isotonic calibration: the non-decreasing step function of the score that best fits the 0/1
 * outcomes in squared error (pool-adjacent-violators), evaluated by linear interpolation
 * between block edges and clamped outside the fitted range, as scikit-learn's
 * IsotonicRegression(out_of_bounds='clip'). Outputs are kept in [1e-7, 1 − 1e-7] so log loss
 * stays finite. Needs a few hundred calibration rows to beat Platt scaling.
 */
export function fitIsotonic(scores: ArrayLike<number>, y: ArrayLike<number>): Calibrator {
  const n = scores.length;
  if (n === 0) throw new ValueError('fitIsotonic: no calibration rows');
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[i]! - scores[j]!);
  // Blocks of equal scores first (ties must share a value), then PAV merges.
  const bx0: number[] = [],
    bx1: number[] = [],
    bv: number[] = [],
    bw: number[] = [];
  for (let i = 0; i < n; ) {
    let j = i;
    let s = 0;
    while (j < n && scores[order[j]!] === scores[order[i]!]) s += y[order[j++]!]!;
    bx0.push(scores[order[i]!]!);
    bx1.push(scores[order[i]!]!);
    bv.push(s / (j - i));
    bw.push(j - i);
    while (bv.length > 1 && bv[bv.length - 2]! >= bv[bv.length - 1]!) {
      const w = bw.pop()!,
        v = bv.pop()!,
        x1 = bx1.pop()!;
      bx0.pop();
      const k = bv.length - 1;
      bv[k] = (bv[k]! * bw[k]! + v * w) / (bw[k]! + w);
      bw[k]! += w;
      bx1[k] = x1;
    }
    i = j;
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < bv.length; k++) {
    xs.push(bx0[k]!);
    ys.push(bv[k]!);
    if (bx1[k] !== bx0[k]) {
      xs.push(bx1[k]!);
      ys.push(bv[k]!);
    }
  }
  return isotonic(xs, ys);
}

function isotonic(xs: number[], ys: number[]): Calibrator {
  const clip = (p: number): number => Math.min(1 - 1e-7, Math.max(1e-7, p));
  return {
    kind: 'isotonic',
    apply(s) {
      if (s <= xs[0]!) return clip(ys[0]!);
      const last = xs.length - 1;
      if (s >= xs[last]!) return clip(ys[last]!);
      let lo = 0,
        hi = last;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (xs[mid]! <= s) lo = mid;
        else hi = mid;
      }
      const t = (s - xs[lo]!) / (xs[hi]! - xs[lo]!);
      return clip(ys[lo]! + t * (ys[hi]! - ys[lo]!));
    },
    toJSON: () => ({ kind: 'isotonic', x: [...xs], y: [...ys] }),
  };
}

/**
 * Rebuilds a calibrator from its JSON (as saved files hold it): a ValueError names what is
 * malformed (a non-finite Platt parameter, isotonic steps that are unsorted, of unequal length,
 * or not probabilities) instead of returning a calibrator that maps scores to garbage.
 */
export function calibratorFromJSON(json: PlattJSON | IsotonicJSON): Calibrator {
  const op = 'calibratorFromJSON';
  const j = json as unknown as Record<string, unknown> | null;
  if (j?.kind === 'platt') {
    if (typeof j.a !== 'number' || typeof j.b !== 'number' || !Number.isFinite(j.a) || !Number.isFinite(j.b))
      throw new ValueError(`${op}: Platt a and b must be finite numbers; got ${fmtValue(j.a)} and ${fmtValue(j.b)}`);
    return platt(j.a, j.b);
  }
  if (j?.kind === 'isotonic') {
    const { x, y } = j;
    const finite = (v: unknown): v is number[] =>
      Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'number' && Number.isFinite(e));
    if (!finite(x) || !finite(y) || x.length !== y.length)
      throw new ValueError(`${op}: isotonic x and y must be non-empty arrays of finite numbers of one length`);
    if (x.some((v, i) => i > 0 && v < x[i - 1]!) || y.some((v) => v < 0 || v > 1))
      throw new ValueError(`${op}: isotonic x must be sorted and y in [0, 1]`);
    return isotonic([...x], [...y]);
  }
  throw new ValueError(`${op}: kind must be 'platt' or 'isotonic'; got ${fmtValue(j?.kind)}`);
}
