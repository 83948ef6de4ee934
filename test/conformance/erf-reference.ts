/**
 * An independent float64 reference for erf, written for the tests and deliberately unlike the
 * library's rational approximation: the Maclaurin series summed until it stops changing for
 * |x| < 3 (cancellation costs at most e^9 ≈ 8000 ulps there, about 1e-12), and above that
 * 1 − erfc(|x|) from the continued fraction of erfc evaluated by Lentz's method.
 */
export function erfRef(x: number): number {
  if (Number.isNaN(x)) return x;
  const z = Math.abs(x);
  if (z < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return (sum * 2) / Math.sqrt(Math.PI);
  }
  // erfc(z) = exp(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))).
  let f = z;
  let c = z;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = 1 / (z + a * d);
    c = z + a / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}
