// Row-wise softmax and log-softmax of a float32 [rows, cols] view, max-shifted for stability.
// softmax_wg: one workgroup per row with tree reductions in workgroup memory for the max and
// the sum. softmax_rows: one thread per row for short rows.

override WG: u32 = 256u;
override LOG: bool = false;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

var<workgroup> s_red: array<f32, WG>;

fn emit(i: u32, m: f32, s: f32) {
  if (LOG) {
    out[i] = x[i] - m - log_acc(s);
  } else {
    out[i] = exp(x[i] - m) / s;
  }
}

@compute @workgroup_size(WG)
fn softmax_wg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  let live = row < p.rows;
  let base = row * p.cols;
  var m = -f32_inf();
  if (live) {
    for (var i = lid; i < p.cols; i = i + WG) { m = max(m, x[base + i]); }
  }
  s_red[lid] = m;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { s_red[lid] = max(s_red[lid], s_red[lid + stride]); }
    workgroupBarrier();
  }
  m = s_red[0];
  workgroupBarrier();
  var s = 0.0;
  if (live) {
    for (var i = lid; i < p.cols; i = i + WG) { s = s + exp(x[base + i] - m); }
  }
  s_red[lid] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { s_red[lid] = s_red[lid] + s_red[lid + stride]; }
    workgroupBarrier();
  }
  s = s_red[0];
  if (live) {
    for (var i = lid; i < p.cols; i = i + WG) { emit(base + i, m, s); }
  }
}

@compute @workgroup_size(WG)
fn softmax_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let row = (wid.y * nwg.x + wid.x) * WG + lid;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  var m = -f32_inf();
  for (var i = 0u; i < p.cols; i = i + 1u) { m = max(m, x[base + i]); }
  var s = 0.0;
  for (var i = 0u; i < p.cols; i = i + 1u) { s = s + exp(x[base + i] - m); }
  for (var i = 0u; i < p.cols; i = i + 1u) { emit(base + i, m, s); }
}
