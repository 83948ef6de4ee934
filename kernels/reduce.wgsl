// Reductions over the inner axis of an [outer, inner] view: sum, prod, max, min, argmax,
// argmin, logsumexp. Two entry points:
// - reduce_wg: one workgroup per row; each thread folds a strided slice of the row in index
//   order, then the workgroup combines the partials with a tree in workgroup memory.
// - reduce_rows: one thread per row, folding sequentially; used when rows are short, where a
//   whole workgroup per row would sit mostly idle.
// argmax/argmin keep the first extreme: a thread only replaces its best on a strict
// improvement, and the tree prefers the lower index on ties. As in the CPU backend (and
// torch), NaN counts as the extreme, so the first NaN wins; max/min propagate NaN.

override WG: u32 = 256u;
// The ids OP_SUM ... OP_LOGSUMEXP are generated from REDUCE_OPS (src/backends/webgpu/generated.ts).
override OP: u32 = 0u;
override IS_INT: bool = false;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<u32>;

const NO_INDEX: u32 = 0xffffffffu;

var<workgroup> s_val: array<u32, WG>;
var<workgroup> s_idx: array<u32, WG>;

fn is_arg() -> bool { return OP == OP_ARGMAX || OP == OP_ARGMIN; }

// Each op is named; the defaults are unreachable (ids are generated from the same list).
fn identity() -> u32 {
  if (IS_INT) {
    switch OP {
      case OP_SUM: { return 0u; }
      case OP_PROD: { return 1u; }
      case OP_MAX, OP_ARGMAX: { return 0x80000000u; }
      case OP_MIN, OP_ARGMIN: { return 0x7fffffffu; }
      default: { return 0u; }
    }
  }
  switch OP {
    case OP_SUM: { return bitcast<u32>(0.0); }
    case OP_PROD: { return bitcast<u32>(1.0); }
    case OP_MAX, OP_ARGMAX, OP_LOGSUMEXP: { return bitcast<u32>(-f32_inf()); }
    case OP_MIN, OP_ARGMIN: { return bitcast<u32>(f32_inf()); }
    default: { return bitcast<u32>(f32_nan()); }
  }
}

// Combines two partials of sum/prod/max/min (and the max pass of logsumexp).
fn combine(a: u32, b: u32) -> u32 {
  if (IS_INT) {
    let x = bitcast<i32>(a);
    let y = bitcast<i32>(b);
    switch OP {
      case OP_SUM: { return bitcast<u32>(x + y); }
      case OP_PROD: { return bitcast<u32>(x * y); }
      case OP_MAX: { return bitcast<u32>(max(x, y)); }
      case OP_MIN: { return bitcast<u32>(min(x, y)); }
      default: { return 0u; }
    }
  }
  let x = bitcast<f32>(a);
  let y = bitcast<f32>(b);
  switch OP {
    case OP_SUM: { return bitcast<u32>(x + y); }
    case OP_PROD: { return bitcast<u32>(x * y); }
    case OP_MAX, OP_LOGSUMEXP: {
      if (is_nan(x) || is_nan(y)) { return bitcast<u32>(f32_nan()); }
      return bitcast<u32>(max(x, y));
    }
    case OP_MIN: {
      if (is_nan(x) || is_nan(y)) { return bitcast<u32>(f32_nan()); }
      return bitcast<u32>(min(x, y));
    }
    default: { return bitcast<u32>(f32_nan()); }
  }
}

// Is candidate b strictly better than a (argmax: greater; argmin: smaller)?
fn better(b: u32, a: u32) -> bool {
  if (IS_INT) {
    if (OP == OP_ARGMAX) { return bitcast<i32>(b) > bitcast<i32>(a); }
    return bitcast<i32>(b) < bitcast<i32>(a);
  }
  let fa = bitcast<f32>(a);
  let fb = bitcast<f32>(b);
  if (is_nan(fa)) { return false; }
  if (is_nan(fb)) { return true; }
  if (OP == OP_ARGMAX) { return fb > fa; }
  return fb < fa;
}

// Equally good candidates (ties, or two NaNs): the lower index wins.
fn same(a: u32, b: u32) -> bool {
  if (IS_INT) { return a == b; }
  let fa = bitcast<f32>(a);
  let fb = bitcast<f32>(b);
  return fa == fb || (is_nan(fa) && is_nan(fb));
}

// Should (vb, ib) replace (va, ia) when merging partials? Ties go to the lower index.
fn take(va: u32, ia: u32, vb: u32, ib: u32) -> bool {
  if (ib == NO_INDEX) { return false; }
  if (ia == NO_INDEX) { return true; }
  if (better(vb, va)) { return true; }
  return same(va, vb) && ib < ia;
}

fn finish_lse(m: u32, s: f32) -> u32 {
  let mf = bitcast<f32>(m);
  if (is_inf(mf) || is_nan(mf)) { return m; }
  return bitcast<u32>(mf + log_acc(s));
}

@compute @workgroup_size(WG)
fn reduce_wg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  // Uniform across the workgroup, so the barriers below stay in uniform control flow.
  let live = row < p.outer;
  let base = row * p.inner;
  var acc = identity();
  var idx = NO_INDEX;
  if (live) {
    for (var i = lid; i < p.inner; i = i + WG) {
      let v = x[base + i];
      if (is_arg()) {
        if (idx == NO_INDEX || better(v, acc)) { acc = v; idx = i; }
      } else {
        acc = combine(acc, v);
      }
    }
  }
  s_val[lid] = acc;
  s_idx[lid] = idx;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      if (is_arg()) {
        if (take(s_val[lid], s_idx[lid], s_val[lid + stride], s_idx[lid + stride])) {
          s_val[lid] = s_val[lid + stride];
          s_idx[lid] = s_idx[lid + stride];
        }
      } else {
        s_val[lid] = combine(s_val[lid], s_val[lid + stride]);
      }
    }
    workgroupBarrier();
  }
  if (OP == OP_LOGSUMEXP) {
    // Second pass: sum of exp(x - max), reusing the same tree.
    let m = s_val[0];
    workgroupBarrier();
    var s = 0.0;
    if (live) {
      let mf = bitcast<f32>(m);
      for (var i = lid; i < p.inner; i = i + WG) {
        s = s + exp(bitcast<f32>(x[base + i]) - mf);
      }
    }
    s_val[lid] = bitcast<u32>(s);
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
      if (lid < stride) {
        s_val[lid] = bitcast<u32>(bitcast<f32>(s_val[lid]) + bitcast<f32>(s_val[lid + stride]));
      }
      workgroupBarrier();
    }
    if (live && lid == 0u) { out[row] = finish_lse(m, bitcast<f32>(s_val[0])); }
    return;
  }
  if (live && lid == 0u) {
    if (is_arg()) {
      out[row] = select(s_idx[0], 0u, s_idx[0] == NO_INDEX);
    } else {
      out[row] = s_val[0];
    }
  }
}

@compute @workgroup_size(WG)
fn reduce_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let row = (wid.y * nwg.x + wid.x) * WG + lid;
  if (row >= p.outer) { return; }
  let base = row * p.inner;
  var acc = identity();
  var idx = 0u;
  for (var i = 0u; i < p.inner; i = i + 1u) {
    let v = x[base + i];
    if (is_arg()) {
      if (i == 0u || better(v, acc)) { acc = v; idx = i; }
    } else {
      acc = combine(acc, v);
    }
  }
  if (is_arg()) {
    out[row] = idx;
  } else if (OP == OP_LOGSUMEXP) {
    let mf = bitcast<f32>(acc);
    var s = 0.0;
    for (var i = 0u; i < p.inner; i = i + 1u) { s = s + exp(bitcast<f32>(x[base + i]) - mf); }
    out[row] = finish_lse(acc, s);
  } else {
    out[row] = acc;
  }
}
