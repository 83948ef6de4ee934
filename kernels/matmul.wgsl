// Batched matmul with a fused bias + activation epilogue:
//   out[b] = act(op(A[b]) @ op(B[b]) + bias), out is [batch, M, N],
// with op() an optional transpose and per-side batch strides (0 = shared across the batch).
//
// matmul_tiled / matmul_tiled_vec4: each workgroup computes a BM x BN output tile, walking K
// in BK steps through workgroup-memory tiles of A and B; each thread keeps a 4x4 register
// block. The tiles are stored k-major (As[k][m], Bs[k][n]) as vec4s so the inner loop reads
// one vec4 of A and one of B per k and does 16 FMAs. The vec4 entry loads global memory as
// vec4s and stores vec4s; the host picks it only when every vec4 it touches is aligned and
// whole (see the alignment rule in src/backends/webgpu/ops/matmul.ts), else the scalar entry
// runs with per-element bounds checks.
// matmul_gemv: M == 1 (a single row of A, contiguous whether or not A is transposed).
//
// Tile sizes are override constants; shapes and strides travel in the uniform block, so a new
// shape never compiles a new pipeline.

override WGX: u32 = 16u;
override WGY: u32 = 16u;
override BK: u32 = 16u;
override BM: u32 = WGY * 4u;
override BN: u32 = WGX * 4u;
override NT: u32 = WGX * WGY;
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
// 0 none, 1 relu, 2 gelu, 3 tanh, 4 sigmoid.
override ACT: u32 = 0u;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read> B4: array<vec4<f32>>;
// Bound to A's buffer when there is no bias (never read then).
@group(0) @binding(4) var<storage, read> bias: array<f32>;

var<workgroup> As: array<vec4<f32>, BK * BM / 4u>;
var<workgroup> Bs: array<vec4<f32>, BK * BN / 4u>;

fn put_a(kk: u32, mm: u32, v: f32) { As[(kk * BM + mm) / 4u][mm % 4u] = v; }
fn put_b(kk: u32, nn: u32, v: f32) { Bs[(kk * BN + nn) / 4u][nn % 4u] = v; }

fn load_tiles_scalar(k0: u32, row0: u32, col0: u32, a_base: u32, b_base: u32, lid: u32) {
  // The fast-varying coordinate follows each operand's contiguous axis, so neighbouring
  // threads read neighbouring words.
  for (var l = lid; l < BM * BK; l = l + NT) {
    var mm: u32;
    var kk: u32;
    if (TRANS_A) { mm = l % BM; kk = l / BM; } else { kk = l % BK; mm = l / BK; }
    let gm = row0 + mm;
    let gk = k0 + kk;
    var v = 0.0;
    if (gm < p.m && gk < p.k) {
      if (TRANS_A) { v = A[a_base + gk * p.m + gm]; } else { v = A[a_base + gm * p.k + gk]; }
    }
    put_a(kk, mm, v);
  }
  for (var l = lid; l < BN * BK; l = l + NT) {
    var nn: u32;
    var kk: u32;
    if (TRANS_B) { kk = l % BK; nn = l / BK; } else { nn = l % BN; kk = l / BN; }
    let gn = col0 + nn;
    let gk = k0 + kk;
    var v = 0.0;
    if (gn < p.n && gk < p.k) {
      if (TRANS_B) { v = B[b_base + gn * p.k + gk]; } else { v = B[b_base + gk * p.n + gn]; }
    }
    put_b(kk, nn, v);
  }
}

fn load_tiles_vec4(k0: u32, row0: u32, col0: u32, a_base: u32, b_base: u32, lid: u32) {
  for (var l = lid; l < BM * BK / 4u; l = l + NT) {
    if (TRANS_A) {
      // A is [K, M]: vec4 along m.
      let mm = (l % (BM / 4u)) * 4u;
      let kk = l / (BM / 4u);
      let gm = row0 + mm;
      let gk = k0 + kk;
      var v = vec4<f32>(0.0);
      if (gm < p.m && gk < p.k) { v = A4[(a_base + gk * p.m + gm) / 4u]; }
      As[(kk * BM + mm) / 4u] = v;
    } else {
      // A is [M, K]: vec4 along k, scattered into the k-major tile.
      let kk = (l % (BK / 4u)) * 4u;
      let mm = l / (BK / 4u);
      let gm = row0 + mm;
      let gk = k0 + kk;
      var v = vec4<f32>(0.0);
      if (gm < p.m && gk < p.k) { v = A4[(a_base + gm * p.k + gk) / 4u]; }
      put_a(kk, mm, v.x);
      put_a(kk + 1u, mm, v.y);
      put_a(kk + 2u, mm, v.z);
      put_a(kk + 3u, mm, v.w);
    }
  }
  for (var l = lid; l < BN * BK / 4u; l = l + NT) {
    if (TRANS_B) {
      // B is [N, K]: vec4 along k.
      let kk = (l % (BK / 4u)) * 4u;
      let nn = l / (BK / 4u);
      let gn = col0 + nn;
      let gk = k0 + kk;
      var v = vec4<f32>(0.0);
      if (gn < p.n && gk < p.k) { v = B4[(b_base + gn * p.k + gk) / 4u]; }
      put_b(kk, nn, v.x);
      put_b(kk + 1u, nn, v.y);
      put_b(kk + 2u, nn, v.z);
      put_b(kk + 3u, nn, v.w);
    } else {
      // B is [K, N]: vec4 along n.
      let nn = (l % (BN / 4u)) * 4u;
      let kk = l / (BN / 4u);
      let gn = col0 + nn;
      let gk = k0 + kk;
      var v = vec4<f32>(0.0);
      if (gn < p.n && gk < p.k) { v = B4[(b_base + gk * p.n + gn) / 4u]; }
      Bs[(kk * BN + nn) / 4u] = v;
    }
  }
}

fn epilogue(v: f32, col: u32) -> f32 {
  var r = v;
  if (HAS_BIAS) { r = r + bias[col]; }
  return activate(ACT, r);
}

@compute @workgroup_size(WGX, WGY)
fn matmul_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let batch = wid.z;
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let a_base = batch * p.a_batch;
  let b_base = batch * p.b_batch;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < p.k; k0 = k0 + BK) {
    load_tiles_scalar(k0, row0, col0, a_base, b_base, lid);
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk = kk + 1u) {
      let a = As[kk * (BM / 4u) + lid3.y];
      let b = Bs[kk * (BN / 4u) + lid3.x];
      acc0 = fma(vec4<f32>(a.x), b, acc0);
      acc1 = fma(vec4<f32>(a.y), b, acc1);
      acc2 = fma(vec4<f32>(a.z), b, acc2);
      acc3 = fma(vec4<f32>(a.w), b, acc3);
    }
    workgroupBarrier();
  }
  let out_base = batch * p.m * p.n;
  let col = col0 + lid3.x * 4u;
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r = r + 1u) {
    let row = row0 + lid3.y * 4u + r;
    if (row >= p.m) { break; }
    for (var c = 0u; c < 4u; c = c + 1u) {
      if (col + c < p.n) { out[out_base + row * p.n + col + c] = epilogue(accs[r][c], col + c); }
    }
  }
}

@compute @workgroup_size(WGX, WGY)
fn matmul_tiled_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
  let batch = wid.z;
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let a_base = batch * p.a_batch;
  let b_base = batch * p.b_batch;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < p.k; k0 = k0 + BK) {
    load_tiles_vec4(k0, row0, col0, a_base, b_base, lid);
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk = kk + 1u) {
      let a = As[kk * (BM / 4u) + lid3.y];
      let b = Bs[kk * (BN / 4u) + lid3.x];
      acc0 = fma(vec4<f32>(a.x), b, acc0);
      acc1 = fma(vec4<f32>(a.y), b, acc1);
      acc2 = fma(vec4<f32>(a.z), b, acc2);
      acc3 = fma(vec4<f32>(a.w), b, acc3);
    }
    workgroupBarrier();
  }
  let out_base = batch * p.m * p.n;
  let col = col0 + lid3.x * 4u;
  if (col >= p.n) { return; }
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r = r + 1u) {
    let row = row0 + lid3.y * 4u + r;
    if (row >= p.m) { break; }
    let v = accs[r];
    out4[(out_base + row * p.n + col) / 4u] = vec4<f32>(
      epilogue(v.x, col), epilogue(v.y, col + 1u), epilogue(v.z, col + 2u), epilogue(v.w, col + 3u));
  }
}

// ---- GEMV (M == 1) ----
// Not transposed B ([K, N]): a workgroup covers 64 columns with 4 threads per column, each
// folding every 4th k (neighbouring threads read neighbouring columns), then the 4 partials
// are summed. Transposed B ([N, K], rows contiguous in k): a workgroup covers 4 columns with
// 64 threads each striding along k, then a tree sums the 64 partials.
const GV_WG: u32 = 256u;
var<workgroup> gv_red: array<f32, GV_WG>;

@compute @workgroup_size(GV_WG)
fn matmul_gemv(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let batch = wid.z;
  let group = wid.y * nwg.x + wid.x;
  let a_base = batch * p.a_batch;
  let b_base = batch * p.b_batch;
  var s = 0.0;
  var n: u32;
  var lane: u32;
  if (TRANS_B) {
    lane = lid % 64u;
    n = group * 4u + lid / 64u;
    if (n < p.n) {
      for (var k = lane; k < p.k; k = k + 64u) { s = fma(A[a_base + k], B[b_base + n * p.k + k], s); }
    }
  } else {
    lane = lid / 64u;
    n = group * 64u + lid % 64u;
    if (n < p.n) {
      for (var k = lane; k < p.k; k = k + 4u) { s = fma(A[a_base + k], B[b_base + k * p.n + n], s); }
    }
  }
  gv_red[lid] = s;
  workgroupBarrier();
  if (TRANS_B) {
    for (var stride = 32u; stride > 0u; stride = stride / 2u) {
      if (lane < stride) { gv_red[lid] = gv_red[lid] + gv_red[lid + stride]; }
      workgroupBarrier();
    }
    if (lane == 0u && n < p.n) { out[batch * p.n + n] = epilogue(gv_red[lid], n); }
  } else {
    if (lane == 0u && n < p.n) {
      let c = lid % 64u;
      let t = (gv_red[c] + gv_red[c + 64u]) + (gv_red[c + 128u] + gv_red[c + 192u]);
      out[batch * p.n + n] = epilogue(t, n);
    }
  }
}

// Direct: no workgroup memory and no barriers. Each invocation keeps a 4x4 output block in
// registers and reads A and B straight from storage. Software adapters (SwiftShader) pay
// dearly for barriers, and there this beats the tiled kernels at every size we measured.
const DIRECT_WG: u32 = 64u;

fn a_at(a_base: u32, row: u32, kk: u32) -> f32 {
  if (TRANS_A) { return A[a_base + kk * p.m + row]; }
  return A[a_base + row * p.k + kk];
}

fn b_at(b_base: u32, kk: u32, col: u32) -> f32 {
  if (TRANS_B) { return B[b_base + col * p.k + kk]; }
  return B[b_base + kk * p.n + col];
}

@compute @workgroup_size(DIRECT_WG)
fn matmul_direct(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
  let blocks_n = (p.n + 3u) / 4u;
  let block = (wid.y * nwg.x + wid.x) * DIRECT_WG + lid;
  if (block >= blocks_n * ((p.m + 3u) / 4u)) { return; }
  let row0 = (block / blocks_n) * 4u;
  let col0 = (block % blocks_n) * 4u;
  let batch = wid.z;
  let a_base = batch * p.a_batch;
  let b_base = batch * p.b_batch;
  // Clamped coordinates keep every read in bounds; the extra rows/columns are never written.
  var rows: vec4<u32>;
  var cols: vec4<u32>;
  for (var i = 0u; i < 4u; i = i + 1u) {
    rows[i] = min(row0 + i, p.m - 1u);
    cols[i] = min(col0 + i, p.n - 1u);
  }
  var acc: array<vec4<f32>, 4>;
  for (var kk = 0u; kk < p.k; kk = kk + 1u) {
    let bv = vec4<f32>(b_at(b_base, kk, cols.x), b_at(b_base, kk, cols.y), b_at(b_base, kk, cols.z), b_at(b_base, kk, cols.w));
    acc[0] = fma(vec4<f32>(a_at(a_base, rows.x, kk)), bv, acc[0]);
    acc[1] = fma(vec4<f32>(a_at(a_base, rows.y, kk)), bv, acc[1]);
    acc[2] = fma(vec4<f32>(a_at(a_base, rows.z, kk)), bv, acc[2]);
    acc[3] = fma(vec4<f32>(a_at(a_base, rows.w, kk)), bv, acc[3]);
  }
  let out_base = batch * p.m * p.n;
  for (var i = 0u; i < 4u; i = i + 1u) {
    let r = row0 + i;
    if (r >= p.m) { break; }
    for (var j = 0u; j < 4u; j = j + 1u) {
      let c = col0 + j;
      if (c < p.n) { out[out_base + r * p.n + c] = epilogue(acc[i][j], c); }
    }
  }
}
