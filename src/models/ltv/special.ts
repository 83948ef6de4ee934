import { NumericalError, ValueError, fmtValue } from '../../core/errors.js';

// Special functions the lifetime-value likelihoods need, written here because no kept npm
// package provides them well: log-gamma and the Gauss hypergeometric 2F1 on [0, 1).

// Lanczos coefficients of Numerical Recipes (3rd ed., gammln): about 1e-15 relative accuracy
// for every x > 0, which the likelihood sums over thousands of customers need.
const LANCZOS = [
  57.15623566586292, -59.59796035547549, 14.136097974741746, -0.4919138160976202, 0.00003399464998481189,
  0.00004652362892704858, -0.00009837447530487956, 0.0001580887032249125, -0.00021026444172410488,
  0.00021743961811521265, -0.0001643181065367639, 0.00008441822398385275, -0.000026190838401581408,
  0.0000036899182659531625,
];

/** ln Γ(x) for x > 0 (ValueError otherwise). */
export function lnGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x))
    throw new ValueError(`lnGamma: x must be a finite number > 0; got ${fmtValue(x)}`);
  let y = x;
  const tmp0 = x + 5.2421875;
  const tmp = (x + 0.5) * Math.log(tmp0) - tmp0;
  let ser = 0.9999999999999971;
  for (const c of LANCZOS) ser += c / ++y;
  return tmp + Math.log((2.5066282746310007 * ser) / x);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

const MAX_TERMS = 2_000_000;

/**
 * The Gauss hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1 and c > 0 by its power
 * series, summed until a term no longer changes the sum in double precision. The BG/NBD
 * expectations call it with z = t / (α + T + t), which stays below 1 for every finite horizon;
 * as z nears 1 the series needs more terms (about 40 / (1 − z)), and one that has not settled
 * after two million terms is a NumericalError rather than a wrong number.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  const op = 'hyp2f1';
  if (!(z >= 0 && z < 1)) throw new ValueError(`${op}: z must be in [0, 1); got ${fmtValue(z)}`);
  if (!(c > 0)) throw new ValueError(`${op}: c must be > 0; got ${fmtValue(c)}`);
  if (!Number.isFinite(a) || !Number.isFinite(b))
    throw new ValueError(`${op}: a and b must be finite; got ${fmtValue(a)}, ${b}`);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < MAX_TERMS; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    const next = sum + term;
    // Stop once the terms shrink (ratio below 1 for good) and no longer move the sum.
    if (next === sum || Math.abs(term) <= 1e-17 * Math.abs(next)) {
      if (Math.abs((a + n + 1) * (b + n + 1) * z) < Math.abs((c + n + 1) * (n + 2))) return next;
    }
    sum = next;
    if (!Number.isFinite(sum)) break;
  }
  throw new NumericalError(`${op}(${a}, ${b}; ${c}; ${z}): the series did not converge`);
}
