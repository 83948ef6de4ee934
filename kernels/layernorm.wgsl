// Layer normalization over the last axis of x [rows, cols]: y = (x - mean) * rstd * w + b with
// rstd = 1 / sqrt(var + eps), var the biased variance, and its backward. With xh = (x - mean) *
// rstd and g = dy * w: dx = rstd * (g - mean(g) - xh * mean(g * xh)) per row; dw = sum over rows
// of dy * xh and db = sum over rows of dy.
//
// Layout: one invocation per row (forward, dx) or per column (dw, db), no barriers, like
// kmeans.wgsl: rows are a model's width (tens to hundreds of values), so a thread-per-row loop is
// the fast shape on CPU-emulated adapters (SwiftShader) and enough on GPUs for these sizes. The
// variance is taken of x - mean, not E[x²] - mean², so rows far from zero keep their precision,
// as in the CPU twin (src/backends/cpu/layernorm.ts). HAS_W / HAS_B say whether the weight and
// bias bindings hold data (without them the op file binds x there, unread). Each entry point
// uses its own contiguous run of bindings; resource variables only clash by binding number
// within one entry point.

override WG: u32 = 64u;
override HAS_W: bool = true;
override HAS_B: bool = true;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;

fn flat_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * WG + lid;
}

// ---- forward: bindings y, mean, rstd, x, w, b ----
@group(0) @binding(1) var<storage, read_write> f_y: array<f32>;
@group(0) @binding(2) var<storage, read_write> f_mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> f_rstd: array<f32>;
@group(0) @binding(4) var<storage, read> f_x: array<f32>;
@group(0) @binding(5) var<storage, read> f_w: array<f32>;
@group(0) @binding(6) var<storage, read> f_b: array<f32>;

@compute @workgroup_size(WG)
fn ln_fwd(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
  let r = flat_index(wid, nwg, lid);
  if (r >= p.rows) { return; }
  let n = p.cols;
  let o = r * n;
  // The mean as x0 + mean(x - x0): a row far from zero (values near 1000) summed directly in f32
  // loses ~1e-4 of its spread to rounding; the shifted sum keeps it (the CPU twin sums in f64).
  let x0 = f_x[o];
  var s = 0.0;
  for (var j = 0u; j < n; j = j + 1u) { s = s + (f_x[o + j] - x0); }
  let m = x0 + s / f32(n);
  var v = 0.0;
  for (var j = 0u; j < n; j = j + 1u) {
    let d = f_x[o + j] - m;
    v = v + d * d;
  }
  let rs = 1.0 / sqrt(v / f32(n) + p.eps);
  f_mean[r] = m;
  f_rstd[r] = rs;
  for (var j = 0u; j < n; j = j + 1u) {
    var t = (f_x[o + j] - m) * rs;
    if (HAS_W) { t = t * f_w[j]; }
    if (HAS_B) { t = t + f_b[j]; }
    f_y[o + j] = t;
  }
}

// ---- backward dx: bindings dx, dy, x, w, mean, rstd ----
@group(0) @binding(1) var<storage, read_write> d_dx: array<f32>;
@group(0) @binding(2) var<storage, read> d_dy: array<f32>;
@group(0) @binding(3) var<storage, read> d_x: array<f32>;
@group(0) @binding(4) var<storage, read> d_w: array<f32>;
@group(0) @binding(5) var<storage, read> d_mean: array<f32>;
@group(0) @binding(6) var<storage, read> d_rstd: array<f32>;

@compute @workgroup_size(WG)
fn ln_bwd_dx(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let r = flat_index(wid, nwg, lid);
  if (r >= p.rows) { return; }
  let n = p.cols;
  let o = r * n;
  let m = d_mean[r];
  let rs = d_rstd[r];
  var sg = 0.0;
  var sgx = 0.0;
  for (var j = 0u; j < n; j = j + 1u) {
    var g = d_dy[o + j];
    if (HAS_W) { g = g * d_w[j]; }
    sg = sg + g;
    sgx = sgx + g * (d_x[o + j] - m) * rs;
  }
  let a = sg / f32(n);
  let b = sgx / f32(n);
  for (var j = 0u; j < n; j = j + 1u) {
    var g = d_dy[o + j];
    if (HAS_W) { g = g * d_w[j]; }
    d_dx[o + j] = rs * (g - a - (d_x[o + j] - m) * rs * b);
  }
}

// ---- backward dw, db: bindings dw, db, dy, x, mean, rstd ----
@group(0) @binding(1) var<storage, read_write> c_dw: array<f32>;
@group(0) @binding(2) var<storage, read_write> c_db: array<f32>;
@group(0) @binding(3) var<storage, read> c_dy: array<f32>;
@group(0) @binding(4) var<storage, read> c_x: array<f32>;
@group(0) @binding(5) var<storage, read> c_mean: array<f32>;
@group(0) @binding(6) var<storage, read> c_rstd: array<f32>;

@compute @workgroup_size(WG)
fn ln_bwd_wb(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let c = flat_index(wid, nwg, lid);
  if (c >= p.cols) { return; }
  var sw = 0.0;
  var sb = 0.0;
  for (var r = 0u; r < p.rows; r = r + 1u) {
    let i = r * p.cols + c;
    let d = c_dy[i];
    sw = sw + d * (c_x[i] - c_mean[r]) * c_rstd[r];
    sb = sb + d;
  }
  c_dw[c] = sw;
  c_db[c] = sb;
}
