// Top-K selection along the rows of x [rows, n]: the best entries of each row, best first,
// written to columns start .. start+count-1 of values [rows, k] and indices [rows, k].
//
// Order (the same as the CPU twin, src/backends/cpu/topk.ts): NaN above everything, -0 equal
// to +0, equal values to the lower index. Each value becomes an unsigned key that sorts the
// same way (key_of), so all comparisons are integer ones and no NaN compare is involved.
//
// One dispatch selects at most KMAX entries per row (a private list per invocation). Larger k
// runs ceil(k / KMAX) passes: pass p > 0 only considers entries ranked strictly below the last
// one pass p - 1 wrote (read back from indices), so the passes continue one order exactly.
//
// Two layouts, chosen per adapter in src/backends/webgpu/ops/topk.ts:
// - topk_rows: one invocation per row, a sequential scan; no barriers, the fast shape on
//   CPU-emulated adapters (SwiftShader), as for kmeans.wgsl and reduce_rows.
// - topk_wg: one workgroup per row; each invocation keeps its own list over a strided slice of
//   the row, then `count` merge rounds: every invocation posts its best unused entry to
//   workgroup memory and invocation 0 picks the winner, whose owner moves to its next entry.

override WG: u32 = 64u;
// The most entries one pass selects per row; TOPK_PASS in src/backends/webgpu/ops/topk.ts.
const KMAX: u32 = 64u;
const NONE: u32 = 0xffffffffu;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

// This invocation's best entries so far, best first: keys and column indices.
var<private> lk: array<u32, KMAX>;
var<private> li: array<u32, KMAX>;
var<private> len: u32;

var<workgroup> s_key: array<u32, WG>;
var<workgroup> s_idx: array<u32, WG>;
var<workgroup> s_win: u32;

// An unsigned key with the order of topK: flipping the sign bit (positive) or all bits
// (negative) makes IEEE floats sort as unsigned integers; every NaN gets the top key and ±0
// the key of +0. Key 0 is left unused (it would be the NaN 0xffffffff), so it marks no entry.
// Written with select, not branches: SIMD lanes on emulated adapters then never diverge here.
fn key_of(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  let mag = b & 0x7fffffffu;
  let ordered = select(b | 0x80000000u, ~b, b != mag);
  return select(select(ordered, 0x80000000u, mag == 0u), NONE, mag > 0x7f800000u);
}

fn above(ka: u32, ia: u32, kb: u32, ib: u32) -> bool {
  return ka > kb || (ka == kb && ia < ib);
}

// The entry a newcomer must beat: the list's last once it is full, else (0, NONE), which
// every real entry beats. Kept in registers so the common case, a rejected entry, reads no
// private array.
var<private> thr_k: u32;
var<private> thr_i: u32;

// Inserts (kv, iv), which beats the threshold, into the private list of capacity cap
// (1 ≤ cap ≤ KMAX), kept sorted; the last entry falls off a full list.
fn insert(kv: u32, iv: u32, cap: u32) {
  var c = min(len, cap - 1u);
  loop {
    if (c == 0u) { break; }
    if (!above(kv, iv, lk[c - 1u], li[c - 1u])) { break; }
    lk[c] = lk[c - 1u];
    li[c] = li[c - 1u];
    c = c - 1u;
  }
  lk[c] = kv;
  li[c] = iv;
  len = min(len + 1u, cap);
  if (len == cap) {
    thr_k = lk[cap - 1u];
    thr_i = li[cap - 1u];
  }
}

// Scans columns first, first + stride, ... of `row`, keeping those ranked below the previous
// pass's last pick (when start > 0).
fn scan(row: u32, first: u32, stride: u32) {
  let base = row * p.n;
  var bk = NONE;
  var bi = NONE;
  let bounded = p.start > 0u;
  if (bounded) {
    bi = u32(indices[row * p.k + p.start - 1u]);
    bk = key_of(x[base + bi]);
  }
  len = 0u;
  thr_k = 0u;
  thr_i = NONE;
  for (var j = first; j < p.n; j = j + stride) {
    let kj = key_of(x[base + j]);
    if (above(kj, j, thr_k, thr_i) && (!bounded || above(bk, bi, kj, j))) { insert(kj, j, p.count); }
  }
}

fn emit(row: u32, t: u32, col: u32) {
  let o = row * p.k + p.start + t;
  values[o] = x[row * p.n + col];
  indices[o] = i32(col);
}

@compute @workgroup_size(WG)
fn topk_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let row = (wid.y * nwg.x + wid.x) * WG + lid;
  if (row >= p.rows) { return; }
  scan(row, 0u, 1u);
  for (var t = 0u; t < p.count; t = t + 1u) { emit(row, t, li[t]); }
}

@compute @workgroup_size(WG)
fn topk_wg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  // Uniform across the workgroup, so the barriers below stay in uniform control flow.
  let live = row < p.rows;
  len = 0u;
  if (live) { scan(row, lid, WG); }
  var head = 0u;
  for (var t = 0u; t < p.count; t = t + 1u) {
    if (head < len) {
      s_key[lid] = lk[head];
      s_idx[lid] = li[head];
    } else {
      s_key[lid] = 0u;
      s_idx[lid] = NONE;
    }
    workgroupBarrier();
    if (lid == 0u) {
      var best = 0u;
      for (var w = 1u; w < WG; w = w + 1u) {
        if (above(s_key[w], s_idx[w], s_key[best], s_idx[best])) { best = w; }
      }
      s_win = best;
      // k ≤ n leaves at least `count` eligible entries, so the winner is a real one.
      if (live) { emit(row, t, s_idx[best]); }
    }
    workgroupBarrier();
    if (s_win == lid) { head = head + 1u; }
  }
}
