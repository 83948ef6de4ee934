// Elementwise unary, binary (arithmetic and comparison), where, cast and clamp.
//
// Buffers are bound as raw 32-bit words and reinterpreted per dtype, so one module serves
// float32 and int32, and where/cast never care what the words mean. The op and the dtypes are
// override constants (folded when the pipeline is made); shapes and broadcast strides travel in
// the uniform block, so a new shape never needs a new pipeline.

override WG: u32 = 256u;
override OP: u32 = 0u;
// Input dtype is int32 (else float32).
override IS_INT: bool = false;
// cast: output dtype is int32 (else float32).
override OUT_INT: bool = false;
// Every input is contiguous over the output shape: skip the index arithmetic.
override CONTIG: bool = false;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<storage, read> in0: array<u32>;
@group(0) @binding(3) var<storage, read> in1: array<u32>;
@group(0) @binding(4) var<storage, read> in2: array<u32>;

fn flat_id(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * WG + lid;
}

// Source offsets of output element i for up to three inputs read through broadcast strides.
fn offsets(i: u32) -> vec3<u32> {
  if (CONTIG) { return vec3<u32>(i, i, i); }
  var rem = i;
  var o = vec3<u32>(0u, 0u, 0u);
  for (var d = i32(p.rank) - 1; d >= 0; d = d - 1) {
    let q = u32(d) / 4u;
    let c = u32(d) % 4u;
    let n = p.shape[q][c];
    let next = rem / n;
    let r = rem - next * n;
    rem = next;
    o = o + r * vec3<u32>(p.s0[q][c], p.s1[q][c], p.s2[q][c]);
  }
  return o;
}

// ---- unary ---- unary_f32 and unary_i32 are generated from src/backends/unary-ops.ts.
@compute @workgroup_size(WG)
fn unary_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= p.size) { return; }
  if (IS_INT) {
    out[i] = bitcast<u32>(unary_i32(bitcast<i32>(in0[i])));
  } else {
    out[i] = bitcast<u32>(unary_f32(bitcast<f32>(in0[i])));
  }
}

// ---- binary ---- binary_f32 and binary_i32 are generated from src/backends/binary-ops.ts;
// they call the helpers below.
fn ipow(x: f32, n: u32) -> f32 {
  var r = 1.0;
  var b = x;
  var e = n;
  loop {
    if ((e & 1u) != 0u) { r = r * b; }
    e = e >> 1u;
    if (e == 0u) { break; }
    b = b * b;
  }
  return r;
}

fn pow_f32(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (is_nan(x) || is_nan(y)) { return f32_nan(); }
  let y_int = floor(y) == y;
  // Small integer exponents by squaring: exact for the common squares and cubes.
  if (y_int && abs(y) <= 16.0) {
    let r = ipow(x, u32(abs(y)));
    return select(r, 1.0 / r, y < 0.0);
  }
  if (x == 0.0) { return select(0.0, f32_inf(), y < 0.0); }
  if (x < 0.0 && !y_int) { return f32_nan(); }
  let mag = exp(y * log_acc(abs(x)));
  let odd = y_int && abs(y) < 16777216.0 && (i32(abs(y)) & 1) == 1;
  return select(mag, -mag, x < 0.0 && odd);
}

fn pow_i32(x: i32, y: i32) -> i32 {
  if (y < 0) {
    // Math.pow(x, -n) truncated: only |x| == 1 survives; 0 gives Infinity, stored as 0.
    if (x == 1) { return 1; }
    if (x == -1) { return select(1, -1, (y & 1) == 1); }
    return 0;
  }
  var r = 1;
  var b = x;
  var e = u32(y);
  loop {
    if ((e & 1u) != 0u) { r = r * b; }
    e = e >> 1u;
    if (e == 0u) { break; }
    b = b * b;
  }
  return r;
}

// numpy mod: the result takes the divisor's sign.
fn mod_f32(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return f32_nan(); }
  var r = a - b * trunc(a / b);
  if (abs(r) >= abs(b)) { r = r - b * trunc(r / b); }
  if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { r = r + b; }
  return r;
}

// Truncating division; x / 0 is Infinity or NaN in float64, which int32 stores as 0.
fn div_i32(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  if (b == -1) { return -a; }
  return a / b;
}

fn mod_i32(a: i32, b: i32) -> i32 {
  if (b == 0 || b == -1) { return 0; }
  var r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { r = r + b; }
  return r;
}

@compute @workgroup_size(WG)
fn binary_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= p.size) { return; }
  let o = offsets(i);
  let a = in0[o.x];
  let b = in1[o.y];
  if (IS_INT) {
    out[i] = binary_i32(bitcast<i32>(a), bitcast<i32>(b));
  } else {
    out[i] = binary_f32(bitcast<f32>(a), bitcast<f32>(b));
  }
}

// ---- where ---- (in0 = int32 cond, in1 = a, in2 = b; the words are copied as they are)
@compute @workgroup_size(WG)
fn where_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= p.size) { return; }
  let o = offsets(i);
  out[i] = select(in2[o.z], in1[o.y], in0[o.x] != 0u);
}

// ---- cast ----
@compute @workgroup_size(WG)
fn cast_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= p.size) { return; }
  let w = in0[i];
  if (IS_INT == OUT_INT) {
    out[i] = w;
  } else if (IS_INT) {
    out[i] = bitcast<u32>(f32(bitcast<i32>(w)));
  } else {
    // Truncate toward zero; NaN becomes 0 as in an Int32Array.
    let x = bitcast<f32>(w);
    out[i] = select(bitcast<u32>(i32(x)), 0u, is_nan(x));
  }
}

// ---- clamp ----
@compute @workgroup_size(WG)
fn clamp_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let i = flat_id(wid, nwg, lid);
  if (i >= p.size) { return; }
  // v < lo ? lo : v > hi ? hi : v, as the CPU backend: NaN passes through.
  if (IS_INT) {
    let v = bitcast<i32>(in0[i]);
    out[i] = bitcast<u32>(select(select(v, p.hi_i, v > p.hi_i), p.lo_i, v < p.lo_i));
  } else {
    let v = bitcast<f32>(in0[i]);
    out[i] = bitcast<u32>(select(select(v, p.hi_f, v > p.hi_f), p.lo_f, v < p.lo_f));
  }
}
