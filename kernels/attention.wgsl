// Flash-attention forward and backward over bh = batch·heads problems, q [bh, tq, d] and
// k, v [bh, tk, d], float32, d <= MAX_D.
//
// One thread owns one query row (forward, dq) or one key row (dk, dv) and keeps it in registers;
// the other side streams through workgroup memory in tiles of BK rows. The forward runs an
// online softmax (running max m, running sum l, rescaled accumulator), so no score matrix is
// ever stored: memory is O(T·d). Backward recomputes P from the saved logsumexp.
//
// Masking: causal is top-left aligned (query i sees keys j <= i); HAS_MASK reads an int32
// [batch, tk] key-padding mask (nonzero = masked) at row prob / heads. A fully masked row writes
// zeros and lse = EMPTY_LSE, a finite value that makes exp(s − lse) vanish, so nothing is NaN.
//
// Each entry point uses its own contiguous run of bindings; resource variables only clash
// within one entry point's interface.

const MAX_D: u32 = 128u;
const BK: u32 = 16u;
const NEG: f32 = -1e30;
const EMPTY_LSE: f32 = 1e30;

override WG: u32 = 64u;
// TILED stages the streamed side in workgroup memory (GPUs). Without it every thread reads
// storage directly and no barrier runs: software adapters (SwiftShader) emulate barriers at a
// high price and have no faster shared memory to gain.
override TILED: bool = true;
override CAUSAL: bool = false;
override HAS_MASK: bool = false;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;

// 2 × 16 × 128 floats = 16 KiB, the WebGPU default workgroup storage limit.
var<workgroup> tile_a: array<f32, 2048>;
var<workgroup> tile_b: array<f32, 2048>;

// ---- forward: bindings out, lse, q, k, v, mask ----
@group(0) @binding(1) var<storage, read_write> f_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> f_lse: array<f32>;
@group(0) @binding(3) var<storage, read> f_q: array<f32>;
@group(0) @binding(4) var<storage, read> f_k: array<f32>;
@group(0) @binding(5) var<storage, read> f_v: array<f32>;
@group(0) @binding(6) var<storage, read> f_mask: array<i32>;

fn f_visible(prob: u32, i: u32, j: u32) -> bool {
  if (j >= p.tk) { return false; }
  if (CAUSAL && j > i) { return false; }
  if (HAS_MASK) { return f_mask[(prob / p.heads) * p.tk + j] == 0; }
  return true;
}

fn f_key(prob: u32, j: u32, jj: u32, c: u32) -> f32 {
  if (TILED) { return tile_a[jj * MAX_D + c]; }
  return f_k[(prob * p.tk + j) * p.d + c];
}

fn f_val(prob: u32, j: u32, jj: u32, c: u32) -> f32 {
  if (TILED) { return tile_b[jj * MAX_D + c]; }
  return f_v[(prob * p.tk + j) * p.d + c];
}

@compute @workgroup_size(WG)
fn attn_fwd(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let prob = wid.y;
  let i = wid.x * WG + lid;
  let live = i < p.tq;
  let d = p.d;
  var qr: array<f32, MAX_D>;
  var acc: array<f32, MAX_D>;
  for (var c = 0u; c < d; c = c + 1u) {
    acc[c] = 0.0;
    qr[c] = select(0.0, f_q[(prob * p.tq + i) * d + c] * p.scale, live);
  }
  var m = NEG;
  var l = 0.0;
  var kend = p.tk;
  if (CAUSAL) { kend = min(p.tk, wid.x * WG + WG); }
  for (var j0 = 0u; j0 < kend; j0 = j0 + BK) {
    if (TILED) {
      for (var e = lid; e < BK * d; e = e + WG) {
        let jj = e / d;
        let c = e % d;
        let j = j0 + jj;
        var kv = 0.0;
        var vv = 0.0;
        if (j < p.tk) {
          kv = f_k[(prob * p.tk + j) * d + c];
          vv = f_v[(prob * p.tk + j) * d + c];
        }
        tile_a[jj * MAX_D + c] = kv;
        tile_b[jj * MAX_D + c] = vv;
      }
      workgroupBarrier();
    }
    if (live) {
      var s: array<f32, BK>;
      var bm = NEG;
      for (var jj = 0u; jj < BK; jj = jj + 1u) {
        var sc = NEG;
        if (f_visible(prob, i, j0 + jj)) {
          var dot = 0.0;
          for (var c = 0u; c < d; c = c + 1u) { dot = dot + qr[c] * f_key(prob, j0 + jj, jj, c); }
          sc = dot;
          bm = max(bm, sc);
        }
        s[jj] = sc;
      }
      if (bm > NEG) {
        let mn = max(m, bm);
        let alpha = exp(m - mn);
        l = l * alpha;
        for (var c = 0u; c < d; c = c + 1u) { acc[c] = acc[c] * alpha; }
        for (var jj = 0u; jj < BK; jj = jj + 1u) {
          if (s[jj] > NEG) {
            let w = exp(s[jj] - mn);
            l = l + w;
            for (var c = 0u; c < d; c = c + 1u) { acc[c] = acc[c] + w * f_val(prob, j0 + jj, jj, c); }
          }
        }
        m = mn;
      }
    }
    if (TILED) { workgroupBarrier(); }
  }
  if (live) {
    let row = prob * p.tq + i;
    if (l > 0.0) {
      let inv = 1.0 / l;
      for (var c = 0u; c < d; c = c + 1u) { f_out[row * d + c] = acc[c] * inv; }
      f_lse[row] = m + log(l);
    } else {
      for (var c = 0u; c < d; c = c + 1u) { f_out[row * d + c] = 0.0; }
      f_lse[row] = EMPTY_LSE;
    }
  }
}

// ---- backward prep: LD[2r] = lse[r], LD[2r + 1] = rowsum(dO ∘ O) ----
@group(0) @binding(1) var<storage, read_write> p_ld: array<f32>;
@group(0) @binding(2) var<storage, read> p_dout: array<f32>;
@group(0) @binding(3) var<storage, read> p_out: array<f32>;
@group(0) @binding(4) var<storage, read> p_lse: array<f32>;

@compute @workgroup_size(WG)
fn attn_bwd_prep(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * p.tq + wid.x * WG + lid;
  if (wid.x * WG + lid >= p.tq) { return; }
  var dd = 0.0;
  for (var c = 0u; c < p.d; c = c + 1u) { dd = dd + p_dout[row * p.d + c] * p_out[row * p.d + c]; }
  p_ld[2u * row] = p_lse[row];
  p_ld[2u * row + 1u] = dd;
}

// ---- backward dq: bindings dq, dOut, LD, q, k, v, mask ----
@group(0) @binding(1) var<storage, read_write> q_dq: array<f32>;
@group(0) @binding(2) var<storage, read> q_dout: array<f32>;
@group(0) @binding(3) var<storage, read> q_ld: array<f32>;
@group(0) @binding(4) var<storage, read> q_q: array<f32>;
@group(0) @binding(5) var<storage, read> q_k: array<f32>;
@group(0) @binding(6) var<storage, read> q_v: array<f32>;
@group(0) @binding(7) var<storage, read> q_mask: array<i32>;

fn q_visible(prob: u32, i: u32, j: u32) -> bool {
  if (j >= p.tk) { return false; }
  if (CAUSAL && j > i) { return false; }
  if (HAS_MASK) { return q_mask[(prob / p.heads) * p.tk + j] == 0; }
  return true;
}

fn q_key(prob: u32, j: u32, jj: u32, c: u32) -> f32 {
  if (TILED) { return tile_a[jj * MAX_D + c]; }
  return q_k[(prob * p.tk + j) * p.d + c];
}

fn q_val(prob: u32, j: u32, jj: u32, c: u32) -> f32 {
  if (TILED) { return tile_b[jj * MAX_D + c]; }
  return q_v[(prob * p.tk + j) * p.d + c];
}

@compute @workgroup_size(WG)
fn attn_bwd_dq(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let prob = wid.y;
  let i = wid.x * WG + lid;
  let live = i < p.tq;
  let d = p.d;
  let row = prob * p.tq + min(i, p.tq - 1u);
  let lse = q_ld[2u * row];
  let dd = q_ld[2u * row + 1u];
  var qr: array<f32, MAX_D>;
  var dor: array<f32, MAX_D>;
  var acc: array<f32, MAX_D>;
  for (var c = 0u; c < d; c = c + 1u) {
    qr[c] = q_q[row * d + c] * p.scale;
    dor[c] = q_dout[row * d + c];
    acc[c] = 0.0;
  }
  var kend = p.tk;
  if (CAUSAL) { kend = min(p.tk, wid.x * WG + WG); }
  for (var j0 = 0u; j0 < kend; j0 = j0 + BK) {
    if (TILED) {
      for (var e = lid; e < BK * d; e = e + WG) {
        let jj = e / d;
        let c = e % d;
        let j = j0 + jj;
        var kv = 0.0;
        var vv = 0.0;
        if (j < p.tk) {
          kv = q_k[(prob * p.tk + j) * d + c];
          vv = q_v[(prob * p.tk + j) * d + c];
        }
        tile_a[jj * MAX_D + c] = kv;
        tile_b[jj * MAX_D + c] = vv;
      }
      workgroupBarrier();
    }
    if (live) {
      for (var jj = 0u; jj < BK; jj = jj + 1u) {
        if (q_visible(prob, i, j0 + jj)) {
          var dot = 0.0;
          var dp = 0.0;
          for (var c = 0u; c < d; c = c + 1u) {
            dot = dot + qr[c] * q_key(prob, j0 + jj, jj, c);
            dp = dp + dor[c] * q_val(prob, j0 + jj, jj, c);
          }
          let ds = exp(dot - lse) * (dp - dd);
          for (var c = 0u; c < d; c = c + 1u) { acc[c] = acc[c] + ds * q_key(prob, j0 + jj, jj, c); }
        }
      }
    }
    if (TILED) { workgroupBarrier(); }
  }
  if (live) {
    for (var c = 0u; c < d; c = c + 1u) { q_dq[row * d + c] = acc[c] * p.scale; }
  }
}

// ---- backward dk, dv: bindings dk, dv, dOut, LD, q, k, v, mask ----
@group(0) @binding(1) var<storage, read_write> k_dk: array<f32>;
@group(0) @binding(2) var<storage, read_write> k_dv: array<f32>;
@group(0) @binding(3) var<storage, read> k_dout: array<f32>;
@group(0) @binding(4) var<storage, read> k_ld: array<f32>;
@group(0) @binding(5) var<storage, read> k_q: array<f32>;
@group(0) @binding(6) var<storage, read> k_k: array<f32>;
@group(0) @binding(7) var<storage, read> k_v: array<f32>;
@group(0) @binding(8) var<storage, read> k_mask: array<i32>;

fn k_query(prob: u32, i: u32, ii: u32, c: u32) -> f32 {
  if (TILED) { return tile_a[ii * MAX_D + c]; }
  return k_q[(prob * p.tq + i) * p.d + c];
}

fn k_grad(prob: u32, i: u32, ii: u32, c: u32) -> f32 {
  if (TILED) { return tile_b[ii * MAX_D + c]; }
  return k_dout[(prob * p.tq + i) * p.d + c];
}

@compute @workgroup_size(WG)
fn attn_bwd_dkv(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let prob = wid.y;
  let j = wid.x * WG + lid;
  let d = p.d;
  var live = j < p.tk;
  let kidx = prob * p.tk + min(j, p.tk - 1u);
  if (HAS_MASK) { live = live && k_mask[(prob / p.heads) * p.tk + min(j, p.tk - 1u)] == 0; }
  var kr: array<f32, MAX_D>;
  var vr: array<f32, MAX_D>;
  var dk: array<f32, MAX_D>;
  var dv: array<f32, MAX_D>;
  for (var c = 0u; c < d; c = c + 1u) {
    kr[c] = k_k[kidx * d + c] * p.scale;
    vr[c] = k_v[kidx * d + c];
    dk[c] = 0.0;
    dv[c] = 0.0;
  }
  // Causal: keys of this block are seen only by queries i >= the block's first key.
  var i0 = 0u;
  if (CAUSAL) { i0 = (wid.x * WG / BK) * BK; }
  for (var ib = i0; ib < p.tq; ib = ib + BK) {
    if (TILED) {
      for (var e = lid; e < BK * d; e = e + WG) {
        let ii = e / d;
        let c = e % d;
        let i = ib + ii;
        var qv = 0.0;
        var gv = 0.0;
        if (i < p.tq) {
          qv = k_q[(prob * p.tq + i) * d + c];
          gv = k_dout[(prob * p.tq + i) * d + c];
        }
        tile_a[ii * MAX_D + c] = qv;
        tile_b[ii * MAX_D + c] = gv;
      }
      workgroupBarrier();
    }
    if (live) {
      for (var ii = 0u; ii < BK; ii = ii + 1u) {
        let i = ib + ii;
        if (i < p.tq && !(CAUSAL && j > i)) {
          let r = prob * p.tq + i;
          var dot = 0.0;
          var dp = 0.0;
          for (var c = 0u; c < d; c = c + 1u) {
            dot = dot + kr[c] * k_query(prob, i, ii, c);
            dp = dp + vr[c] * k_grad(prob, i, ii, c);
          }
          let w = exp(dot - k_ld[2u * r]);
          let ds = w * (dp - k_ld[2u * r + 1u]);
          for (var c = 0u; c < d; c = c + 1u) {
            dv[c] = dv[c] + w * k_grad(prob, i, ii, c);
            dk[c] = dk[c] + ds * k_query(prob, i, ii, c);
          }
        }
      }
    }
    if (TILED) { workgroupBarrier(); }
  }
  if (j < p.tk) {
    for (var c = 0u; c < d; c = c + 1u) {
      k_dk[kidx * d + c] = dk[c] * p.scale;
      k_dv[kidx * d + c] = dv[c];
    }
  }
}
