import type { TypedArray } from '../core/dtype.js';

/**
 * Every unary op, defined once: its CPU loop, its WGSL expressions, and what the front-end needs
 * to know. `UNARY_OPS` and `UnaryOp` are derived from this table, so adding an op is one entry
 * here (the compiler asks for each part), a gradient rule in src/autograd/rules.ts (the
 * compiler asks for it through OpAttrs) and a front-end function in src/ops/elementwise.ts.
 * The WGSL op ids are the entries' positions, generated into the shader source; no id is
 * written by hand anywhere.
 */
interface UnaryDef {
  /**
   * out[i] = op(x[i]) over the whole array, one loop per op so the JIT sees a monomorphic body.
   * On int32 the result is computed in double and stored with the usual truncation.
   */
  readonly cpu: (x: TypedArray, out: TypedArray) => void;
  /** A WGSL f32 expression of `x`; may call kernels/math.wgsl and {@link UnaryDef.wgslFns}. */
  readonly wgsl: string;
  /**
   * A WGSL i32 expression of `x`, for the ops the front-end sends int32 input to. Without it,
   * int32 input is computed in f32 and truncated back, like the CPU backend's int32 store.
   */
  readonly wgslInt?: string;
  /** WGSL functions the expression calls that kernels/math.wgsl does not have. */
  readonly wgslFns?: string;
  /** The result is a float even for int32 input: the front-end casts int32 to float32 first. */
  readonly floatResult: boolean;
}

/** sqrt(2/pi) for the tanh approximation of gelu, shared with the matmul epilogue. */
export const GELU_C = Math.sqrt(2 / Math.PI);

/** Taylor coefficients of erf(x)/x in x²: 2/√π · (−1)ⁿ / (n! (2n + 1)), n = 0..6. */
const ERF_TAYLOR = [
  1.1283791670955126, -0.37612638903183754, 0.11283791670955126, -0.026866170645131252, 0.005223977625442188,
  -0.0008548327023450852, 0.00012055332981789664,
];
/** Numerical Recipes' erfc (§6.2): erfc(z) = t·exp(−z² − 1.26551223 + t·P(t)), t = 1/(1 + z/2). */
const ERFC_POLY = [
  1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277,
];

/**
 * The error function to within 6e-8 relative error (5.7e-8 measured against a series and
 * continued-fraction reference on a 0.0007 grid over [-6, 6]): below |x| = 0.5, where 1 − erfc would cancel, the Taylor polynomial (truncation
 * < 1e-9); above, 1 − erfc(|x|) with the Chebyshev-fitted rational form of Numerical Recipes
 * (fractional error < 1.2e-7). Abramowitz-Stegun 7.1.26 (2.5e-5 absolute) is too coarse for
 * exact GELU in float32.
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  if (z < 0.5) {
    const x2 = x * x;
    let p = ERF_TAYLOR[ERF_TAYLOR.length - 1]!;
    for (let k = ERF_TAYLOR.length - 2; k >= 0; k--) p = p * x2 + ERF_TAYLOR[k]!;
    return x * p;
  }
  const t = 1 / (1 + 0.5 * z);
  let q = ERFC_POLY[ERFC_POLY.length - 1]!;
  for (let k = ERFC_POLY.length - 2; k >= 0; k--) q = q * t + ERFC_POLY[k]!;
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * q);
  return x >= 0 ? 1 - erfc : erfc - 1;
}

/** The table; its key order is the WGSL op id order. */
export const UNARY = {
  neg: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = -x[i]!;
    },
    wgsl: '-x',
    wgslInt: '-x',
    floatResult: false,
  },
  abs: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]!);
    },
    wgsl: 'abs(x)',
    wgslInt: 'abs(x)',
    floatResult: false,
  },
  exp: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i]!);
    },
    wgsl: 'exp(x)',
    floatResult: true,
  },
  log: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.log(x[i]!);
    },
    wgsl: 'log_acc(x)',
    floatResult: true,
  },
  log1p: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.log1p(x[i]!);
    },
    wgsl: 'log1p_acc(x)',
    floatResult: true,
  },
  sqrt: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.sqrt(x[i]!);
    },
    wgsl: 'sqrt(x)',
    floatResult: true,
  },
  rsqrt: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = 1 / Math.sqrt(x[i]!);
    },
    wgsl: '1.0 / sqrt(x)',
    floatResult: true,
  },
  tanh: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.tanh(x[i]!);
    },
    wgsl: 'tanh_acc(x)',
    floatResult: true,
  },
  sigmoid: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        if (v >= 0) {
          out[i] = 1 / (1 + Math.exp(-v));
        } else {
          const e = Math.exp(v);
          out[i] = e / (1 + e);
        }
      }
    },
    wgsl: 'sigmoid_acc(x)',
    floatResult: true,
  },
  relu: {
    // Math.max and `x < 0 ? 0 : x` keep NaN as NaN, like torch.relu.
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.max(x[i]!, 0);
    },
    wgsl: 'select(x, 0.0, x < 0.0)',
    wgslInt: 'max(x, 0)',
    floatResult: false,
  },
  gelu: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        out[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)));
      }
    },
    wgsl: 'gelu_acc(x)',
    floatResult: true,
  },
  softplus: {
    // log(1 + e^x) = log1p(e^-|x|) + max(x, 0): never overflows, exact for large |x|.
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        out[i] = Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);
      }
    },
    wgsl: 'softplus_acc(x)',
    floatResult: true,
  },
  sin: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.sin(x[i]!);
    },
    wgsl: 'sincos_acc(x).x',
    floatResult: true,
  },
  cos: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.cos(x[i]!);
    },
    wgsl: 'sincos_acc(x).y',
    floatResult: true,
  },
  sign: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.sign(x[i]!);
    },
    wgsl: 'select(select(select(0.0, 1.0, x > 0.0), -1.0, x < 0.0), x, is_nan(x))',
    wgslInt: 'select(select(0, 1, x > 0), -1, x < 0)',
    floatResult: false,
  },
  floor: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.floor(x[i]!);
    },
    wgsl: 'floor(x)',
    wgslInt: 'x',
    floatResult: false,
  },
  ceil: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.ceil(x[i]!);
    },
    wgsl: 'ceil(x)',
    wgslInt: 'x',
    floatResult: false,
  },
  round: {
    // Half to even, like WGSL round() and numpy (Math.round rounds half up).
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        const r = Math.round(v);
        out[i] = r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
      }
    },
    wgsl: 'round(x)',
    wgslInt: 'x',
    floatResult: false,
  },
  square: {
    cpu: (x, out) => {
      if (x instanceof Int32Array) {
        for (let i = 0; i < x.length; i++) out[i] = Math.imul(x[i]!, x[i]!);
      } else {
        for (let i = 0; i < x.length; i++) out[i] = x[i]! * x[i]!;
      }
    },
    wgsl: 'x * x',
    wgslInt: 'x * x',
    floatResult: false,
  },
  reciprocal: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = 1 / x[i]!;
    },
    wgsl: '1.0 / x',
    floatResult: true,
  },
  expm1: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = Math.expm1(x[i]!);
    },
    wgsl: 'expm1_acc(x)',
    floatResult: true,
  },
  erf: {
    cpu: (x, out) => {
      for (let i = 0; i < x.length; i++) out[i] = erf(x[i]!);
    },
    wgsl: 'erf_acc(x)',
    wgslFns: `// The same two pieces as erf in src/backends/unary-ops.ts, in f32.
fn erf_acc(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let z = abs(x);
  if (z < 0.5) {
    let x2 = x * x;
    return x * (${ERF_TAYLOR.join(' + x2 * (')}${')'.repeat(ERF_TAYLOR.length)};
  }
  let t = 1.0 / (1.0 + 0.5 * z);
  let e = t * exp(-z * z - 1.26551223 + t * (${ERFC_POLY.join(' + t * (')}${')'.repeat(ERFC_POLY.length)});
  return select(e - 1.0, 1.0 - e, x >= 0.0);
}`,
    floatResult: true,
  },
} satisfies Record<string, UnaryDef>;

export type UnaryOp = keyof typeof UNARY;
/** Every unary op, in the table's order (the WGSL op ids). */
export const UNARY_OPS = Object.keys(UNARY) as readonly UnaryOp[];

/** Piecewise-constant ops: their gradient is zero almost everywhere, so they record nothing. */
export const PIECEWISE_CONSTANT = ['sign', 'floor', 'ceil', 'round'] as const satisfies readonly UnaryOp[];
/** The unary ops with a gradient rule (src/autograd/op-attrs.ts derives its entries from this). */
export type DifferentiableUnaryOp = Exclude<UnaryOp, (typeof PIECEWISE_CONSTANT)[number]>;

/** The definition of `op`, typed as the common shape (optional fields readable). */
export function unaryDef(op: UnaryOp): UnaryDef {
  return UNARY[op];
}
