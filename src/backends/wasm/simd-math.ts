import type { FunctionBuilder, Local } from './emitter.js';

/**
 * Transcendentals on f32x4 lanes, which WebAssembly lacks: exp in the Cephes expf shape (the
 * scalar twin is emitExp in attention-kernel.ts), and the logistic sigmoid and tanh built on it.
 * Each takes its input from a v128 local and pushes the result; `t` holds three scratch v128
 * locals the caller owns (so a kernel with several calls reuses them).
 */
export interface MathScratch {
  readonly n: Local;
  readonly r: Local;
  readonly y: Local;
}

/** Fresh scratch locals for the functions below. */
export function mathScratch(f: FunctionBuilder): MathScratch {
  return { n: f.local('v128'), r: f.local('v128'), y: f.local('v128') };
}

const EXP_COEFFS = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/**
 * Pushes exp of the v128 on top of the stack (consumed), lane by lane, with the input clamped to
 * [-87, 88]: range reduction x = n ln 2 + r (ln 2 in two parts, so r is exact to float32), a
 * degree-6 polynomial in r, and 2^n from the exponent bits. About 1 ulp of float32.
 */
export function emitExpX4(f: FunctionBuilder, t: MathScratch): void {
  const { n, r, y } = t;
  f.f32x4(-87).simd('f32x4.max').f32x4(88).simd('f32x4.min').set(r);
  f.get(r).f32x4(Math.LOG2E).simd('f32x4.mul').simd('f32x4.nearest').set(n);
  f.get(r).get(n).f32x4(0.693359375).simd('f32x4.mul').simd('f32x4.sub');
  f.get(n).f32x4(-2.1219444e-4).simd('f32x4.mul').simd('f32x4.sub').set(r);
  f.f32x4(EXP_COEFFS[0]!).set(y);
  for (const c of EXP_COEFFS.slice(1)) f.get(y).get(r).simd('f32x4.mul').f32x4(c).simd('f32x4.add').set(y);
  f.get(y).get(r).simd('f32x4.mul').get(r).simd('f32x4.mul').get(r).simd('f32x4.add').f32x4(1).simd('f32x4.add');
  // 2^n: (n + 127) << 23 is the float with exponent n (n >= -87/ln 2 > -127, so never below 1).
  f.get(n).simd('i32x4.trunc_sat_f32x4_s').i32(127).simd('i32x4.splat').simd('i32x4.add');
  f.i32(23).simd('i32x4.shl').simd('f32x4.mul');
}

/** Pushes sigmoid(x) = 1 / (1 + exp(-x)) of the v128 local x; saturates to 0 and 1, never NaN. */
export function emitSigmoidX4(f: FunctionBuilder, x: Local, t: MathScratch): void {
  f.f32x4(1);
  f.get(x).simd('f32x4.neg');
  emitExpX4(f, t);
  f.f32x4(1).simd('f32x4.add').simd('f32x4.div');
}

/**
 * Pushes tanh(x) = 1 - 2 / (exp(2x) + 1) of the v128 local x: exact at the ends (±1 once exp
 * saturates), and within a few float32 ulps of 1 in absolute terms near 0.
 */
export function emitTanhX4(f: FunctionBuilder, x: Local, t: MathScratch): void {
  f.f32x4(1).f32x4(2);
  f.get(x).get(x).simd('f32x4.add');
  emitExpX4(f, t);
  f.f32x4(1).simd('f32x4.add').simd('f32x4.div').simd('f32x4.sub');
}
