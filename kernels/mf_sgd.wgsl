// Fused matrix-factorization updates: gather, dot, error, SGD update and scatter into the
// touched rows only. Entry points:
//   mf_sgd: biased MF on (user, item, rating) rows,  e = r - (mean + bu + bi + p·q);
//   mf_bpr: BPR on (user, positive, negative) rows,  g = sigmoid(-(bi - bj + p·(qi - qj))).
//
// Layout: one workgroup per row, its WG lanes striding over the k factors, so the row gathers
// and scatters are coalesced and a dot product is one workgroup tree reduction. Rows of one
// dispatch run in parallel without locks, Hogwild-style (Recht et al. 2011): when two rows of
// the same dispatch share a user or an item, their read-modify-writes of that factor row race
// and one update can be lost or mixed. With a few thousand rows per dispatch over a large
// table that is rare and SGD tolerates it; the CPU twin (src/backends/cpu/mf.ts) applies rows
// strictly in order, and the two agree exactly on dispatches whose rows share no user or item.
//
// A row whose index is out of range is skipped (the front-end and the models check indices on
// the host; this only keeps a bad index from touching memory out of bounds).

override WG: u32 = 64u;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> P: array<f32>;
@group(0) @binding(2) var<storage, read_write> Q: array<f32>;
// mf_sgd bindings
@group(0) @binding(3) var<storage, read_write> bu: array<f32>;
@group(0) @binding(4) var<storage, read_write> bi: array<f32>;
@group(0) @binding(5) var<storage, read> users: array<i32>;
@group(0) @binding(6) var<storage, read> items: array<i32>;
@group(0) @binding(7) var<storage, read> ratings: array<f32>;
@group(0) @binding(8) var<storage, read_write> loss: array<f32>;
// mf_bpr bindings (user biases are not used by BPR)
@group(0) @binding(3) var<storage, read_write> b_item: array<f32>;
@group(0) @binding(4) var<storage, read> b_users: array<i32>;
@group(0) @binding(5) var<storage, read> b_pos: array<i32>;
@group(0) @binding(6) var<storage, read> b_neg: array<i32>;
@group(0) @binding(7) var<storage, read_write> b_loss: array<f32>;

var<workgroup> partial: array<f32, WG>;
var<workgroup> row_ids: vec4<i32>;

fn row_of(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.y * nwg.x + wid.x;
}

// Sums partial[0..WG) into partial[0]; every lane must call it.
fn reduce_partial(lid: u32) {
  workgroupBarrier();
  var s = WG / 2u;
  loop {
    if (s == 0u) { break; }
    if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
    workgroupBarrier();
    s = s / 2u;
  }
}

fn ok_user(u: i32) -> bool { return u >= 0 && u32(u) < p.num_users; }
fn ok_item(i: i32) -> bool { return i >= 0 && u32(i) < p.num_items; }

@compute @workgroup_size(WG)
fn mf_sgd(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
  let j = row_of(wid, nwg);
  if (j >= p.count) { return; }
  let r = p.start + j;
  if (lid == 0u) { row_ids = vec4<i32>(users[r], items[r], 0, 0); }
  // A uniform copy of the row's indices, so the skip below keeps the barriers uniform.
  let ids = workgroupUniformLoad(&row_ids);
  if (!ok_user(ids.x) || !ok_item(ids.y)) { return; }
  let u = u32(ids.x);
  let i = u32(ids.y);
  let k = p.k;
  let po = u * k;
  let qo = i * k;
  var dot = 0.0;
  for (var f = lid; f < k; f = f + WG) { dot = dot + P[po + f] * Q[qo + f]; }
  partial[lid] = dot;
  var base = p.mean;
  if (p.biases != 0u) { base = base + bu[u] + bi[i]; }
  reduce_partial(lid);
  let e = ratings[r] - (base + partial[0]);
  // Everyone has read partial[0] (and the biases) before lane 0 writes.
  workgroupBarrier();
  if (lid == 0u) {
    if (p.write_loss != 0u) { loss[r] = e * e; }
    if (p.biases != 0u) {
      bu[u] = bu[u] + p.lr_bias * (e - p.reg_bias * bu[u]);
      bi[i] = bi[i] + p.lr_bias * (e - p.reg_bias * bi[i]);
    }
  }
  for (var f = lid; f < k; f = f + WG) {
    let pf = P[po + f];
    let qf = Q[qo + f];
    P[po + f] = pf + p.lr * (e * qf - p.reg * pf);
    Q[qo + f] = qf + p.lr * (e * pf - p.reg * qf);
  }
}

@compute @workgroup_size(WG)
fn mf_bpr(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
  let j = row_of(wid, nwg);
  if (j >= p.count) { return; }
  let r = p.start + j;
  if (lid == 0u) { row_ids = vec4<i32>(b_users[r], b_pos[r], b_neg[r], 0); }
  let ids = workgroupUniformLoad(&row_ids);
  if (!ok_user(ids.x) || !ok_item(ids.y) || !ok_item(ids.z)) { return; }
  let u = u32(ids.x);
  let ip = u32(ids.y);
  let ineg = u32(ids.z);
  let k = p.k;
  let po = u * k;
  let io = ip * k;
  let jo = ineg * k;
  var dot = 0.0;
  for (var f = lid; f < k; f = f + WG) { dot = dot + P[po + f] * (Q[io + f] - Q[jo + f]); }
  partial[lid] = dot;
  let bdiff = b_item[ip] - b_item[ineg];
  reduce_partial(lid);
  let x = bdiff + partial[0];
  let g = 1.0 / (1.0 + exp(x));
  workgroupBarrier();
  if (lid == 0u) {
    // -log sigmoid(x) = softplus(-x), in a form that stays finite for large |x|.
    if (p.write_loss != 0u) { b_loss[r] = max(-x, 0.0) + log(1.0 + exp(-abs(x))); }
    b_item[ip] = b_item[ip] + p.lr * (g - p.reg_bias * b_item[ip]);
    b_item[ineg] = b_item[ineg] + p.lr * (-g - p.reg_bias * b_item[ineg]);
  }
  for (var f = lid; f < k; f = f + WG) {
    let pf = P[po + f];
    let qi = Q[io + f];
    let qj = Q[jo + f];
    P[po + f] = pf + p.lr * (g * (qi - qj) - p.reg * pf);
    Q[io + f] = qi + p.lr * (g * pf - p.reg * qi);
    Q[jo + f] = qj + p.lr * (-g * pf - p.reg * qj);
  }
}

// Thread-per-row variants of the two kernels: one invocation runs a whole row, with no shared
// memory and no barriers. Adapters that emulate a GPU on CPU cores (SwiftShader, llvmpipe) pay
// heavily for workgroup barriers and vectorize across invocations instead, so this layout is
// the fast one there; on real GPUs the workgroup-per-row layout above keeps memory coalesced.
// The update formulas are the same, line for line.

fn thread_row(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * WG + lid;
}

@compute @workgroup_size(WG)
fn mf_sgd_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let j = thread_row(wid, nwg, lid);
  if (j >= p.count) { return; }
  let r = p.start + j;
  let su = users[r];
  let si = items[r];
  if (!ok_user(su) || !ok_item(si)) { return; }
  let u = u32(su);
  let i = u32(si);
  let k = p.k;
  let po = u * k;
  let qo = i * k;
  var dot = 0.0;
  for (var f = 0u; f < k; f = f + 1u) { dot = dot + P[po + f] * Q[qo + f]; }
  var base = p.mean;
  if (p.biases != 0u) { base = base + bu[u] + bi[i]; }
  let e = ratings[r] - (base + dot);
  if (p.write_loss != 0u) { loss[r] = e * e; }
  if (p.biases != 0u) {
    bu[u] = bu[u] + p.lr_bias * (e - p.reg_bias * bu[u]);
    bi[i] = bi[i] + p.lr_bias * (e - p.reg_bias * bi[i]);
  }
  for (var f = 0u; f < k; f = f + 1u) {
    let pf = P[po + f];
    let qf = Q[qo + f];
    P[po + f] = pf + p.lr * (e * qf - p.reg * pf);
    Q[qo + f] = qf + p.lr * (e * pf - p.reg * qf);
  }
}

@compute @workgroup_size(WG)
fn mf_bpr_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let j = thread_row(wid, nwg, lid);
  if (j >= p.count) { return; }
  let r = p.start + j;
  let su = b_users[r];
  let sp = b_pos[r];
  let sn = b_neg[r];
  if (!ok_user(su) || !ok_item(sp) || !ok_item(sn)) { return; }
  let u = u32(su);
  let ip = u32(sp);
  let ineg = u32(sn);
  let k = p.k;
  let po = u * k;
  let io = ip * k;
  let jo = ineg * k;
  var x = b_item[ip] - b_item[ineg];
  for (var f = 0u; f < k; f = f + 1u) { x = x + P[po + f] * (Q[io + f] - Q[jo + f]); }
  let g = 1.0 / (1.0 + exp(x));
  if (p.write_loss != 0u) { b_loss[r] = max(-x, 0.0) + log(1.0 + exp(-abs(x))); }
  b_item[ip] = b_item[ip] + p.lr * (g - p.reg_bias * b_item[ip]);
  b_item[ineg] = b_item[ineg] + p.lr * (-g - p.reg_bias * b_item[ineg]);
  for (var f = 0u; f < k; f = f + 1u) {
    let pf = P[po + f];
    let qi = Q[io + f];
    let qj = Q[jo + f];
    P[po + f] = pf + p.lr * (g * (qi - qj) - p.reg * pf);
    Q[io + f] = qi + p.lr * (g * pf - p.reg * qi);
    Q[jo + f] = qj + p.lr * (-g * pf - p.reg * qj);
  }
}
