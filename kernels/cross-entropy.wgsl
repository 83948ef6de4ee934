// Softmax cross-entropy of each row of logits x [rows, cols] against an int32 target per row,
// and its gradient. loss = lse - (1 - eps) * x[t] - eps * mean(x), with lse = log sum exp(x)
// and eps the label smoothing; dx = g[r] * (exp(x - lse) - eps / cols - (1 - eps) * onehot(t)).
// A row whose target lies outside [0, cols) (the front-end's ignoreIndex) gives loss 0 and a
// zero gradient. The CPU twin is src/backends/cpu/cross-entropy.ts.
//
// ce_fwd: one workgroup per row, one read of the row: each invocation keeps an online
// (max, sum of exp(x - max)) pair over its strided columns, and a tree in workgroup memory
// merges the pairs, so catalogue-wide rows (tens of thousands of items) are read once.
// ce_bwd: one invocation per logit; it needs only the row's saved lse.

override WG: u32 = 64u;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;

fn flat_group(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.y * nwg.x + wid.x;
}

// s * exp(m - to), reading an empty pair (m = -inf, s = 0) as 0 instead of 0 * exp(nan).
fn rescale(m: f32, s: f32, to: f32) -> f32 {
  if (m == -f32_inf()) { return 0.0; }
  return s * exp(m - to);
}

// ---- forward: bindings loss, lse, x, targets ----
@group(0) @binding(1) var<storage, read_write> f_loss: array<f32>;
@group(0) @binding(2) var<storage, read_write> f_lse: array<f32>;
@group(0) @binding(3) var<storage, read> f_x: array<f32>;
@group(0) @binding(4) var<storage, read> f_t: array<i32>;

var<workgroup> w_m: array<f32, WG>;
var<workgroup> w_s: array<f32, WG>;
var<workgroup> w_sum: array<f32, WG>;

@compute @workgroup_size(WG)
fn ce_fwd(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
  let r = flat_group(wid, nwg);
  // The whole workgroup leaves together, so the barriers below stay uniform.
  if (r >= p.rows) { return; }
  let o = r * p.cols;
  var m = -f32_inf();
  var s = 0.0;
  var total = 0.0;
  for (var j = lid; j < p.cols; j = j + WG) {
    let v = f_x[o + j];
    total = total + v;
    let mx = max(m, v);
    s = rescale(m, s, mx) + rescale(v, 1.0, mx);
    m = mx;
  }
  w_m[lid] = m;
  w_s[lid] = s;
  w_sum[lid] = total;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      let m2 = w_m[lid + stride];
      let mx = max(w_m[lid], m2);
      w_s[lid] = rescale(w_m[lid], w_s[lid], mx) + rescale(m2, w_s[lid + stride], mx);
      w_m[lid] = mx;
      w_sum[lid] = w_sum[lid] + w_sum[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let l = w_m[0] + log_acc(w_s[0]);
    f_lse[r] = l;
    let t = f_t[r];
    var loss = 0.0;
    if (t >= 0 && u32(t) < p.cols) {
      loss = l - (1.0 - p.smoothing) * f_x[o + u32(t)];
      if (p.smoothing > 0.0) { loss = loss - p.smoothing * w_sum[0] / f32(p.cols); }
    }
    f_loss[r] = loss;
  }
}

// ---- backward: bindings dx, g, x, targets, lse ----
@group(0) @binding(1) var<storage, read_write> b_dx: array<f32>;
@group(0) @binding(2) var<storage, read> b_g: array<f32>;
@group(0) @binding(3) var<storage, read> b_x: array<f32>;
@group(0) @binding(4) var<storage, read> b_t: array<i32>;
@group(0) @binding(5) var<storage, read> b_lse: array<f32>;

@compute @workgroup_size(WG)
fn ce_bwd(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * WG + lid;
  if (i >= p.rows * p.cols) { return; }
  let r = i / p.cols;
  let j = i % p.cols;
  let t = b_t[r];
  if (t < 0 || u32(t) >= p.cols) {
    b_dx[i] = 0.0;
    return;
  }
  var d = exp(b_x[i] - b_lse[r]) - p.smoothing / f32(p.cols);
  if (j == u32(t)) { d = d - (1.0 - p.smoothing); }
  b_dx[i] = b_g[r] * d;
}
