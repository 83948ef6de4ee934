import { NumericalError, ValueError, fmtValue } from '../core/errors.js';

// The distribution functions the tests, intervals and designs need, in double precision:
// normal, Student t, chi-square, beta and Kolmogorov. Written here (no dependency) from the
// classic series and continued fractions (Numerical Recipes §6.1-6.4, Lanczos for log Γ);
// test/experiments/distributions.test.ts checks them against scipy to 1e-12 or better.

const EPS = 1e-16;
const FPMIN = 1e-300;
const MAX_ITER = 100_000;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new ValueError(`logGamma: x must be > 0; got ${fmtValue(x)}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

function notConverged(what: string): never {
  throw new NumericalError(`${what}: the series did not converge`);
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lead = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // Series for P(a, x), then Q = 1 - P (P is small enough here that nothing cancels badly).
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < MAX_ITER; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) return 1 - sum * Math.exp(lead);
    }
    notConverged('gammaQ');
  }
  // Lentz's continued fraction for Q(a, x).
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return Math.exp(lead) * h;
  }
  notConverged('gammaQ');
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITER; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  notConverged('betaCdf');
}

/** Regularized incomplete beta I_x(a, b): the Beta(a, b) CDF at x. */
export function betaCdf(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b));
  // The fraction converges fast on the side of the mean; use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a).
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** The Beta(a, b) density at x. */
export function betaPdf(x: number, a: number, b: number): number {
  if (x <= 0 || x >= 1) return 0;
  return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logBeta(a, b));
}

/** The p-quantile of Beta(a, b) (bisection on the CDF to 1e-15). */
export function betaQuantile(p: number, a: number, b: number): number {
  return bisect((x) => betaCdf(x, a, b) - p, 0, 1);
}

/** Standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** Standard normal upper tail P(Z > z), accurate far into the tail (erfc through Q(1/2, z²/2)). */
export function normalSf(z: number): number {
  if (z === Number.POSITIVE_INFINITY) return 0;
  if (z === Number.NEGATIVE_INFINITY) return 1;
  const tail = 0.5 * gammaQ(0.5, 0.5 * z * z);
  return z >= 0 ? tail : 1 - tail;
}

/** Standard normal CDF P(Z ≤ z). */
export function normalCdf(z: number): number {
  return normalSf(-z);
}

// Acklam's rational approximation (relative error 1.2e-9), polished below by a Halley step.
const A = [
  -39.69683028665376, 220.9460984245205, -275.928510446969, 138.357751867269, -30.66479806614716, 2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** The p-quantile of the standard normal, p in (0, 1). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new ValueError(`normalQuantile: p must be in (0, 1); got ${fmtValue(p)}`);
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  } else if (p <= 1 - 0.02425) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
      (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x =
      -(((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  }
  for (let i = 0; i < 2; i++) {
    // Halley's method on Φ(x) - p; the error on the side of the smaller tail stays relative.
    const e = p < 0.5 ? normalCdf(x) - p : 1 - p - normalSf(x);
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}

/** Student t upper tail P(T > t) with `df` degrees of freedom. */
export function studentSf(t: number, df: number): number {
  if (!(df > 0)) throw new ValueError(`studentSf: df must be > 0; got ${fmtValue(df)}`);
  const half = 0.5 * betaCdf(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? half : 1 - half;
}

/** Student t CDF P(T ≤ t). */
export function studentCdf(t: number, df: number): number {
  return studentSf(-t, df);
}

/** The p-quantile of Student t with `df` degrees of freedom. */
export function studentQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new ValueError(`studentQuantile: p must be in (0, 1); got ${fmtValue(p)}`);
  if (p === 0.5) return 0;
  // The t quantile lies beyond the normal one; widen until it is bracketed, then bisect.
  const z = normalQuantile(p);
  let hi = Math.abs(z) + 1;
  while (studentSf(hi, df) > Math.min(p, 1 - p)) hi *= 2;
  const x = bisect((t) => studentSf(t, df) - Math.min(p, 1 - p), 0, hi, true);
  return p < 0.5 ? -x : x;
}

/** Chi-square upper tail P(X > x) with `df` degrees of freedom. */
export function chiSquareSf(x: number, df: number): number {
  if (!(df > 0)) throw new ValueError(`chiSquareSf: df must be > 0; got ${fmtValue(df)}`);
  return gammaQ(df / 2, x / 2);
}

/** Kolmogorov's limiting distribution: P(√n·D > λ) as n → ∞ (scipy's kstwobign.sf). */
export function kolmogorovSf(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 0.3) {
    // Near 0 the alternating series converges slowly; use the theta-function form of the CDF.
    const k = Math.sqrt(2 * Math.PI) / lambda;
    let cdf = 0;
    for (let j = 1; j < 50; j++) cdf += Math.exp(-((2 * j - 1) ** 2 * Math.PI ** 2) / (8 * lambda * lambda));
    return 1 - k * cdf;
  }
  let s = 0;
  for (let k = 1; k < 200; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    s += (k % 2 ? 1 : -1) * term;
    if (term < 1e-300) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

/**
 * A root of `f` on [lo, hi] by bisection down to adjacent doubles; f must change sign over the
 * interval (the callers pass monotone functions; `decreasing` says which way when known).
 */
export function bisect(f: (x: number) => number, lo: number, hi: number, decreasing?: boolean): number {
  let a = lo;
  let b = hi;
  const rising = decreasing === undefined ? f(hi) > f(lo) : !decreasing;
  for (let i = 0; i < 200; i++) {
    const m = 0.5 * (a + b);
    if (m === a || m === b) break;
    const v = f(m);
    if (v === 0) return m;
    if (v > 0 === rising) b = m;
    else a = m;
  }
  return 0.5 * (a + b);
}
