import { noGrad } from '../autograd/tape.js';
import { ShapeError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import { add, mul } from '../ops/elementwise.js';
import { full, rand, randn, tensor } from '../tensor/creation.js';
import type { RandomOptions } from '../tensor/creation.js';
import { sizeOf } from '../core/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Parameter initializers with PyTorch's formulas. Each takes a shape (and returns a fresh
 * tensor) or an existing tensor (whose data it replaces in place, keeping its identity, and
 * returns). Random ones draw from the seeded Philox stream: `seed` gives a fixed stream, else
 * the global one (`at.manualSeed`), so initial weights are identical on every backend.
 */
export type InitTarget = readonly number[] | Tensor;

export interface InitOptions extends RandomOptions {
  /** Scale factor, e.g. {@link calculateGain}('relu'). */
  gain?: number;
}

export type Nonlinearity = 'linear' | 'identity' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu' | 'conv';

/** PyTorch's recommended gain for a nonlinearity (`param` is leaky_relu's negative slope). */
export function calculateGain(nonlinearity: Nonlinearity, param = 0.01): number {
  switch (nonlinearity) {
    case 'linear':
    case 'identity':
    case 'sigmoid':
    case 'conv':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + param * param));
    case 'selu':
      return 3 / 4;
    default:
      throw new ValueError(`calculateGain: unknown nonlinearity '${fmtValue(nonlinearity)}'`);
  }
}

/** fan_in = shape[1]·receptive, fan_out = shape[0]·receptive, receptive = prod(shape[2:]). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) throw new ShapeError('init: fan in and fan out need a tensor of rank >= 1; got a scalar');
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const receptive = sizeOf(shape.slice(2));
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

function isTensor(t: InitTarget): t is Tensor {
  return (t as Tensor).__isAttuneTensor === true;
}

/** Resolves the target's shape and creation options (a tensor's own backend and dtype). */
function target(t: InitTarget, options: RandomOptions): { shape: readonly number[]; opts: RandomOptions } {
  if (!isTensor(t)) return { shape: t, opts: options };
  return { shape: t.shape, opts: { ...options, backend: t.backend, dtype: t.dtype } };
}

/** Hands a fresh value back, or moves it into the target tensor. */
function finish(t: InitTarget, value: Tensor): Tensor {
  if (!isTensor(t)) return value;
  noGrad(() => t.assign(value));
  return t;
}

function strip(o: RandomOptions): RandomOptions {
  const { requiresGrad: _r, ...rest } = o;
  return rest;
}

/** Uniform in [low, high). */
export function uniform(t: InitTarget, low = 0, high = 1, options: RandomOptions = {}): Tensor {
  if (!(high >= low)) throw new ValueError(`uniform: need low <= high; got ${fmtValue(low)}, ${high}`);
  const { shape, opts } = target(t, options);
  const value = noGrad(() => {
    const u = rand(shape, strip(opts));
    const s = mul(u, high - low);
    const out = add(s, low);
    u.dispose();
    s.dispose();
    return out;
  });
  value.requiresGrad = options.requiresGrad ?? false;
  return finish(t, value);
}

/** Normal with `mean` and `std`. */
export function normal(t: InitTarget, mean = 0, std = 1, options: RandomOptions = {}): Tensor {
  if (!(std >= 0)) throw new ValueError(`normal: std must be >= 0; got ${fmtValue(std)}`);
  const { shape, opts } = target(t, options);
  const value = noGrad(() => {
    const z = randn(shape, strip(opts));
    const s = mul(z, std);
    const out = add(s, mean);
    z.dispose();
    s.dispose();
    return out;
  });
  value.requiresGrad = options.requiresGrad ?? false;
  return finish(t, value);
}

export function zeros(t: InitTarget, options: RandomOptions = {}): Tensor {
  return constant(t, 0, options);
}

export function ones(t: InitTarget, options: RandomOptions = {}): Tensor {
  return constant(t, 1, options);
}

export function constant(t: InitTarget, value: number, options: RandomOptions = {}): Tensor {
  const { shape, opts } = target(t, options);
  const { seed: _s, ...rest } = opts;
  return finish(t, full(shape, value, rest));
}

/** Glorot: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform(t: InitTarget, options: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(isTensor(t) ? t.shape : t);
  const a = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -a, a, options);
}

/** Glorot: N(0, std²) with std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal(t: InitTarget, options: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(isTensor(t) ? t.shape : t);
  return normal(t, 0, (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), options);
}

export interface KaimingOptions extends RandomOptions {
  /** leaky_relu's negative slope (PyTorch's `a`); 0 by default. */
  a?: number;
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(shape: readonly number[], options: KaimingOptions): number {
  const { fanIn, fanOut } = fans(shape);
  const fan = (options.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return gain / Math.sqrt(fan);
}

/** He: U(−b, b) with b = gain·√(3 / fan). PyTorch's Linear default is `{ a: √5 }`. */
export function kaimingUniform(t: InitTarget, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(isTensor(t) ? t.shape : t, options);
  return uniform(t, -bound, bound, options);
}

/** He: N(0, std²) with std = gain / √fan. */
export function kaimingNormal(t: InitTarget, options: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(isTensor(t) ? t.shape : t, options), options);
}

/**
 * A (semi-)orthogonal matrix: the Q of a QR decomposition (Householder, in float64 on the host)
 * of a seeded normal matrix, with R's diagonal signs folded in so the distribution is uniform
 * (Haar), then scaled by `gain`. Shapes of rank > 2 are flattened to [shape[0], rest].
 */
export function orthogonal(t: InitTarget, options: InitOptions = {}): Tensor {
  const { shape, opts } = target(t, options);
  if (shape.length < 2) throw new ShapeError(`orthogonal: needs rank >= 2; got shape ${fmtShape(shape)}`);
  const rows = shape[0]!;
  const cols = sizeOf(shape.slice(1));
  const z = randn([rows, cols], { ...strip(opts), dtype: 'float64', backend: 'cpu' });
  const a = z.dataSync() as Float64Array;
  z.dispose();
  // Factor the tall orientation, then transpose back when the matrix is wide.
  const wide = rows < cols;
  const m = wide ? cols : rows;
  const n = wide ? rows : cols;
  const mat = new Float64Array(m * n);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mat[wide ? j * n + i : i * n + j] = a[i * cols + j]!;
  const q = householderQ(mat, m, n);
  const gain = options.gain ?? 1;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) out[i * cols + j] = gain * q[wide ? j * n + i : i * n + j]!;
  const { seed: _s, ...rest } = opts;
  const value = tensor(out, { ...rest, shape, dtype: opts.dtype ?? 'float32' });
  return finish(t, value);
}

/** Thin Q (m×n, m >= n) of A = QR by Householder reflections, with diag(R) made positive. */
function householderQ(a: Float64Array, m: number, n: number): Float64Array {
  const r = a.slice();
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m - k);
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const x0 = r[k * n + k]!;
    const alpha = x0 >= 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i - k] = r[i * n + k]!;
    v[0] = x0 - alpha;
    let vn = 0;
    for (let i = 0; i < v.length; i++) vn += v[i]! ** 2;
    if (vn > 0) {
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i - k]! * r[i * n + j]!;
        const f = (2 * dot) / vn;
        for (let i = k; i < m; i++) r[i * n + j] = r[i * n + j]! - f * v[i - k]!;
      }
    }
    vs.push(v);
  }
  // Q = H_0 ... H_{n-1} applied to the first n columns of the identity.
  const q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    let vn = 0;
    for (let i = 0; i < v.length; i++) vn += v[i]! ** 2;
    if (vn === 0) continue;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * q[i * n + j]!;
      const f = (2 * dot) / vn;
      for (let i = k; i < m; i++) q[i * n + j] = q[i * n + j]! - f * v[i - k]!;
    }
  }
  // Fold sign(diag(R)) into Q's columns.
  for (let j = 0; j < n; j++) {
    if (r[j * n + j]! < 0) for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j]!;
  }
  return q;
}
