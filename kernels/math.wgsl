// Shared numeric helpers, prepended to every kernel family that needs them. WGSL's builtin
// log/sin/cos only promise absolute error bounds (2^-21, 2^-11) and it has no log1p/expm1, so
// the functions here are written to keep relative error near a few ULP: the CPU backend
// computes in float64 and the two backends are compared elementwise.

const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.42860682030941723212e-6;
const PI_F: f32 = 3.14159265358979323846;

// NaN and infinity cannot be const-expressions in WGSL; private variables make them runtime values.
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn f32_nan() -> f32 { return bitcast<f32>(NAN_BITS); }
fn f32_inf() -> f32 { return bitcast<f32>(INF_BITS); }
// NaN tests through the bit pattern: `x != x` may be folded away by fast-math compilers.
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }

// log(1 + f) for f in [sqrt(1/2) - 1, sqrt(2) - 1], via 2 atanh(f / (2 + f)).
fn log1p_reduced(f: f32) -> f32 {
  let s = f / (2.0 + f);
  let s2 = s * s;
  let poly = 1.0 + s2 * (0.33333333333 + s2 * (0.2 + s2 * (0.14285714286 + s2 * (0.11111111111 + s2 * 0.09090909091))));
  return 2.0 * s * poly;
}

// Natural log with relative accuracy everywhere (including near 1).
fn log_acc(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return f32_nan(); }
  if (x == 0.0) { return -f32_inf(); }
  if (is_inf(x)) { return x; }
  let fr = frexp(x);
  var m = fr.fract; // [0.5, 1)
  var e = fr.exp;
  if (m < 0.70710678) { m = m * 2.0; e = e - 1; }
  let f = m - 1.0; // exact (Sterbenz)
  let ef = f32(e);
  return ef * LN2_HI + (ef * LN2_LO + log1p_reduced(f));
}

fn log1p_acc(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (is_inf(u)) { return u; }
  // Kahan: the rounding error of 1 + x cancels in log(u) * x / (u - 1).
  return log_acc(u) * x / (u - 1.0);
}

fn expm1_acc(x: f32) -> f32 {
  if (x > 88.0) { return f32_inf(); }
  if (x < -20.0) { return -1.0; }
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  return um1 * x / log_acc(u);
}

fn tanh_acc(x: f32) -> f32 {
  let ax = abs(x);
  if (ax < 0.55) {
    let e = expm1_acc(2.0 * x);
    return e / (e + 2.0);
  }
  let t = exp(-2.0 * ax);
  let r = (1.0 - t) / (1.0 + t);
  return select(r, -r, x < 0.0);
}

fn sigmoid_acc(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}

// gelu (tanh approximation): 0.5x(1 + tanh(z)) = x * sigmoid(2z), which has no cancellation
// for negative x.
fn gelu_acc(x: f32) -> f32 {
  let z = 0.7978845608028654 * (x + 0.044715 * x * x * x);
  return x * sigmoid_acc(2.0 * z);
}

fn softplus_acc(x: f32) -> f32 {
  return max(x, 0.0) + log1p_acc(exp(-abs(x)));
}

// Taylor polynomials on [-pi/4, pi/4]; truncation error is below float32 rounding there.
fn sin_poly(x: f32) -> f32 {
  let x2 = x * x;
  return x * (1.0 + x2 * (-0.16666666667 + x2 * (0.0083333333333 + x2 * (-0.00019841269841 + x2 * (2.7557319224e-6 - x2 * 2.5052108385e-8)))));
}
fn cos_poly(x: f32) -> f32 {
  let x2 = x * x;
  return 1.0 + x2 * (-0.5 + x2 * (0.041666666667 + x2 * (-0.0013888888889 + x2 * (2.4801587302e-5 + x2 * (-2.7557319224e-7 + x2 * 2.0876756988e-9)))));
}

// sin and cos with Cody-Waite reduction by pi/2 (three-part constant, fma-free so the
// products are exact for |k| < 2^12).
fn sincos_acc(x: f32) -> vec2<f32> {
  if (is_nan(x) || is_inf(x)) { return vec2<f32>(f32_nan(), f32_nan()); }
  let k = round(x * 0.63661977236758134);
  let r = ((x - k * 1.5703125) - k * 4.83751296997070312e-4) - k * 7.54978995489188216e-8;
  let s = sin_poly(r);
  let c = cos_poly(r);
  let q = i32(k) & 3;
  switch q {
    case 0: { return vec2<f32>(s, c); }
    case 1: { return vec2<f32>(c, -s); }
    case 2: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}

// activate(act, x), the matmul epilogue, is generated from ACTIVATIONS (src/backends/webgpu/generated.ts).
