/**
 * The dense linear algebra of alternating least squares and of least-squares fold-in: the Gram
 * matrix of a factor table and a Cholesky solve of a small symmetric positive-definite system
 * (k x k, k the number of factors), in float64 on the host.
 */

/** `YᵀY` of a row-major [n, k] table, as a full symmetric k x k matrix. */
export function gram(Y: Float32Array, k: number): Float64Array {
  const G = new Float64Array(k * k);
  const n = Y.length / k;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    for (let a = 0; a < k; a++) {
      const ya = Y[o + a]!;
      if (ya === 0) continue;
      for (let b = a; b < k; b++) G[a * k + b]! += ya * Y[o + b]!;
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) G[a * k + b] = G[b * k + a]!;
  return G;
}

/** Adds `w · v vᵀ` to the n x n matrix `A`. */
export function addOuter(A: Float64Array, v: ArrayLike<number>, w: number, n: number): void {
  for (let a = 0; a < n; a++) {
    const va = w * v[a]!;
    if (va === 0) continue;
    for (let b = 0; b < n; b++) A[a * n + b]! += va * v[b]!;
  }
}

/**
 * Solves `A x = b` for a symmetric positive-definite n x n `A` by Cholesky (A is overwritten by
 * its factor). A matrix that is not positive definite (a zero penalty on a rank-deficient
 * system) gets a tiny ridge added to its diagonal rather than NaN.
 */
export function choleskySolve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  let trace = 0;
  for (let a = 0; a < n; a++) trace += A[a * n + a]!;
  const ridge = Math.max(trace / Math.max(n, 1), 1) * 1e-10;
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j]!;
    for (let m = 0; m < j; m++) d -= A[j * n + m]! ** 2;
    if (!(d > 0)) d = ridge;
    const l = Math.sqrt(d);
    A[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j]!;
      for (let m = 0; m < j; m++) s -= A[i * n + m]! * A[j * n + m]!;
      A[i * n + j] = s / l;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = x[i]!;
    for (let m = 0; m < i; m++) s -= A[i * n + m]! * x[m]!;
    x[i] = s / A[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let m = i + 1; m < n; m++) s -= A[m * n + i]! * x[m]!;
    x[i] = s / A[i * n + i]!;
  }
  return x;
}

/**
 * The ridge solve of explicit fold-in and explicit ALS: the row (x, and a bias when `bias`)
 * minimizing Σ_j (y_j - b_j - x·q_j - bias)² + λ (|x|² + bias²) over the rows `cols` of `Q`
 * with targets `y` (already minus the global mean) and fixed offsets `b` (the other side's
 * biases; zeros when none). Returns [x, bias].
 */
export function ridgeRow(
  Q: Float32Array,
  k: number,
  cols: ArrayLike<number>,
  y: ArrayLike<number>,
  offsets: Float32Array | undefined,
  lambda: number,
  lambdaBias: number,
  bias: boolean,
): { x: Float64Array; bias: number } {
  const n = bias ? k + 1 : k;
  const A = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  const a = new Float64Array(n);
  for (let j = 0; j < cols.length; j++) {
    const c = cols[j]!;
    for (let f = 0; f < k; f++) a[f] = Q[c * k + f]!;
    if (bias) a[k] = 1;
    const t = y[j]! - (offsets ? offsets[c]! : 0);
    addOuter(A, a, 1, n);
    for (let f = 0; f < n; f++) rhs[f]! += a[f]! * t;
  }
  for (let f = 0; f < k; f++) A[f * n + f]! += lambda;
  if (bias) A[k * n + k]! += lambdaBias;
  const x = choleskySolve(A, rhs, n);
  return { x: x.subarray(0, k), bias: bias ? x[k]! : 0 };
}
