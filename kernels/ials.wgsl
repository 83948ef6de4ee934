// Implicit ALS: warm-started conjugate-gradient steps for a batch of rows of X, in place. Row
// u = row_ids[n] solves (G + Σ_j (c_j - 1) y_j y_jᵀ) x = Σ_j c_j y_j from its current x, over
// its observed entries j = cols[offsets[u]..offsets[u+1]) with confidences conf, where
// G = YᵀY + λI [k, k] is computed once per half-sweep (a matmul) and shared by every row.
// The CPU twin is src/backends/cpu/ials.ts (float64 vectors there, f32 here).
//
// Layout: one invocation per row, the CG vectors in private memory (k ≤ KMAX). Rows are
// independent, so there are no barriers; every invocation of a workgroup reads the same G
// entries in step, which are broadcasts, and on CPU-emulated adapters (SwiftShader) a
// thread-per-row kernel is the fast shape (see kmeans.wgsl, mf_sgd.wgsl).

override WG: u32 = 64u;
// The largest k; IALS_MAX_K in src/backends/webgpu/ops/ials.ts.
const KMAX: u32 = 128u;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> X: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read> G: array<f32>;
@group(0) @binding(4) var<storage, read> offsets: array<i32>;
@group(0) @binding(5) var<storage, read> cols: array<i32>;
@group(0) @binding(6) var<storage, read> conf: array<f32>;
@group(0) @binding(7) var<storage, read> row_ids: array<i32>;

var<private> x: array<f32, KMAX>;
var<private> r: array<f32, KMAX>;
var<private> d: array<f32, KMAX>;
var<private> ad: array<f32, KMAX>;

@compute @workgroup_size(WG)
fn ials_cg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let n = (wid.y * nwg.x + wid.x) * WG + lid;
  if (n >= p.rows) { return; }
  let k = p.k;
  let u = u32(row_ids[n]);
  let xo = u * k;
  let lo = u32(offsets[u]);
  let hi = u32(offsets[u + 1u]);
  for (var f = 0u; f < k; f = f + 1u) { x[f] = X[xo + f]; }
  // r = b - A x, with A = G + Σ (c-1) y yᵀ and b = Σ c y.
  for (var a = 0u; a < k; a = a + 1u) {
    var s = 0.0;
    for (var b = 0u; b < k; b = b + 1u) { s = s + G[a * k + b] * x[b]; }
    r[a] = -s;
  }
  for (var j = lo; j < hi; j = j + 1u) {
    let yo = u32(cols[j]) * k;
    let c = conf[j];
    var yx = 0.0;
    for (var f = 0u; f < k; f = f + 1u) { yx = yx + Y[yo + f] * x[f]; }
    let w = c - (c - 1.0) * yx;
    for (var f = 0u; f < k; f = f + 1u) { r[f] = r[f] + w * Y[yo + f]; }
  }
  var rs = 0.0;
  for (var f = 0u; f < k; f = f + 1u) {
    d[f] = r[f];
    rs = rs + r[f] * r[f];
  }
  for (var it = 0u; it < p.steps; it = it + 1u) {
    if (!(rs > 1e-20)) { break; }
    for (var a = 0u; a < k; a = a + 1u) {
      var s = 0.0;
      for (var b = 0u; b < k; b = b + 1u) { s = s + G[a * k + b] * d[b]; }
      ad[a] = s;
    }
    for (var j = lo; j < hi; j = j + 1u) {
      let yo = u32(cols[j]) * k;
      var yd = 0.0;
      for (var f = 0u; f < k; f = f + 1u) { yd = yd + Y[yo + f] * d[f]; }
      let w = (conf[j] - 1.0) * yd;
      for (var f = 0u; f < k; f = f + 1u) { ad[f] = ad[f] + w * Y[yo + f]; }
    }
    var dad = 0.0;
    for (var f = 0u; f < k; f = f + 1u) { dad = dad + d[f] * ad[f]; }
    let step = rs / dad;
    var rs_new = 0.0;
    for (var f = 0u; f < k; f = f + 1u) {
      x[f] = x[f] + step * d[f];
      r[f] = r[f] - step * ad[f];
      rs_new = rs_new + r[f] * r[f];
    }
    let beta = rs_new / rs;
    for (var f = 0u; f < k; f = f + 1u) { d[f] = r[f] + beta * d[f]; }
    rs = rs_new;
  }
  for (var f = 0u; f < k; f = f + 1u) { X[xo + f] = x[f]; }
}
