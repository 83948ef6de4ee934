// One LSTM layer-direction, float32, PyTorch gate order i, f, g, o. The host records one
// dispatch per time step and never reads back in between.
//
// Thread (b, j) (workgroup: WG hidden units of one batch row b) owns hidden unit j of sequence b.
// Step s touches time t = s (or len − 1 − s when reversed) while s < len_b; at a padded step it
// writes zeros into time slot s instead. The state lives in the saved buffers themselves: the
// step that produces h_t writes it into the hPrev / cPrev slot of the next step it feeds (or into
// the final h, c rows of y after the sequence's last step), so no separate state buffers, and no
// slot is read and written by the same dispatch.

override WG: u32 = 64u;
const CH: u32 = 256u;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
var<workgroup> row: array<f32, CH>;

fn seq_len(lengths_b: i32) -> i32 {
  return select(i32(p.steps), lengths_b, p.has_len != 0u);
}

// Time index of step s for a sequence of length len (s < len).
fn time_of(len: i32, s: i32) -> i32 {
  return select(s, len - 1 - s, p.reverse != 0u);
}

fn sigmoid_f(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}

fn tanh_f(x: f32) -> f32 {
  let t = exp(-2.0 * abs(x));
  let r = (1.0 - t) / (1.0 + t);
  return select(r, -r, x < 0.0);
}

// ---- forward init: seeds the first step's state slots (bindings hPrev, cPrev, y, h0, c0, lengths) ----
@group(0) @binding(1) var<storage, read_write> i_hprev: array<f32>;
@group(0) @binding(2) var<storage, read_write> i_cprev: array<f32>;
@group(0) @binding(3) var<storage, read_write> i_y: array<f32>;
@group(0) @binding(4) var<storage, read> i_h0: array<f32>;
@group(0) @binding(5) var<storage, read> i_c0: array<f32>;
@group(0) @binding(6) var<storage, read> i_len: array<i32>;

@compute @workgroup_size(WG)
fn lstm_init(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.y;
  let j = wid.x * WG + lid;
  let H = p.hidden;
  let B = p.batch;
  if (j >= H) { return; }
  let len = seq_len(i_len[min(b, arrayLength(&i_len) - 1u)]);
  let k = b * H + j;
  if (len > 0) {
    let slot = (u32(time_of(len, 0)) * B + b) * H + j;
    i_hprev[slot] = i_h0[k];
    i_cprev[slot] = i_c0[k];
  } else {
    i_y[p.steps * B * H + k] = i_h0[k];
    i_y[(p.steps + 1u) * B * H + k] = i_c0[k];
  }
}

// ---- forward step: bindings y, gates, hPrev, cPrev, xProj, whh, lengths ----
@group(0) @binding(1) var<storage, read_write> f_y: array<f32>;
@group(0) @binding(2) var<storage, read_write> f_gates: array<f32>;
@group(0) @binding(3) var<storage, read_write> f_hprev: array<f32>;
@group(0) @binding(4) var<storage, read_write> f_cprev: array<f32>;
@group(0) @binding(5) var<storage, read> f_x: array<f32>;
@group(0) @binding(6) var<storage, read> f_whh: array<f32>;
@group(0) @binding(7) var<storage, read> f_len: array<i32>;

@compute @workgroup_size(WG)
fn lstm_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.y;
  let j = wid.x * WG + lid;
  let H = p.hidden;
  let B = p.batch;
  let G = 4u * H;
  let s = p.s;
  let len = seq_len(f_len[min(b, arrayLength(&f_len) - 1u)]);
  let live = s < len;
  var t = u32(s);
  if (live) { t = u32(time_of(len, s)); }
  let hbase = (t * B + b) * H;
  var acc = vec4<f32>(0.0);
  let jj = min(j, H - 1u);
  // h_{t-1} @ W_hhᵀ for the four gates of unit j, the row of h staged in workgroup memory.
  for (var k0 = 0u; k0 < H; k0 = k0 + CH) {
    for (var e = lid; e < CH; e = e + WG) {
      var v = 0.0;
      if (live && k0 + e < H) { v = f_hprev[hbase + k0 + e]; }
      row[e] = v;
    }
    workgroupBarrier();
    let kn = min(CH, H - k0);
    if (live && j < H) {
      for (var e = 0u; e < kn; e = e + 1u) {
        let hv = row[e];
        let k = k0 + e;
        acc = acc + hv * vec4<f32>(f_whh[jj * H + k], f_whh[(H + jj) * H + k], f_whh[(2u * H + jj) * H + k], f_whh[(3u * H + jj) * H + k]);
      }
    }
    workgroupBarrier();
  }
  if (j >= H) { return; }
  if (!live) {
    f_y[hbase + j] = 0.0;
    f_hprev[hbase + j] = 0.0;
    f_cprev[hbase + j] = 0.0;
    let gb = (t * B + b) * G;
    f_gates[gb + j] = 0.0;
    f_gates[gb + H + j] = 0.0;
    f_gates[gb + 2u * H + j] = 0.0;
    f_gates[gb + 3u * H + j] = 0.0;
    return;
  }
  let gb = (t * B + b) * G;
  let ig = sigmoid_f(acc.x + f_x[gb + j]);
  let fg = sigmoid_f(acc.y + f_x[gb + H + j]);
  let gg = tanh_f(acc.z + f_x[gb + 2u * H + j]);
  let og = sigmoid_f(acc.w + f_x[gb + 3u * H + j]);
  let cn = fg * f_cprev[hbase + j] + ig * gg;
  let hn = og * tanh_f(cn);
  f_gates[gb + j] = ig;
  f_gates[gb + H + j] = fg;
  f_gates[gb + 2u * H + j] = gg;
  f_gates[gb + 3u * H + j] = og;
  f_y[hbase + j] = hn;
  if (s + 1 < len) {
    let nb = (u32(time_of(len, s + 1)) * B + b) * H;
    f_hprev[nb + j] = hn;
    f_cprev[nb + j] = cn;
  } else {
    f_y[p.steps * B * H + b * H + j] = hn;
    f_y[(p.steps + 1u) * B * H + b * H + j] = cn;
  }
}

// ---- backward step: bindings dGates, dc, dY, gates, cPrev, whh, lengths ----
// dh entering step s is dY[t] plus dGates[t(s+1)] @ W_hh (or dh_T after the last step); dc is
// carried in place per (b, j). With p.s = -1 it only finishes: dh0 and dc0 (see lstm_bwd_end).
@group(0) @binding(1) var<storage, read_write> b_dgates: array<f32>;
@group(0) @binding(2) var<storage, read_write> b_dc: array<f32>;
@group(0) @binding(3) var<storage, read> b_dy: array<f32>;
@group(0) @binding(4) var<storage, read> b_gates: array<f32>;
@group(0) @binding(5) var<storage, read> b_cprev: array<f32>;
@group(0) @binding(6) var<storage, read> b_whh: array<f32>;
@group(0) @binding(7) var<storage, read> b_len: array<i32>;

@compute @workgroup_size(WG)
fn lstm_bwd_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.y;
  let j = wid.x * WG + lid;
  let H = p.hidden;
  let B = p.batch;
  let G = 4u * H;
  let s = p.s;
  let len = seq_len(b_len[min(b, arrayLength(&b_len) - 1u)]);
  let live = s < len;
  let fromNext = live && s + 1 < len;
  var nb = 0u;
  if (fromNext) { nb = (u32(time_of(len, s + 1)) * B + b) * G; }
  let jj = min(j, H - 1u);
  var rec = 0.0;
  for (var r0 = 0u; r0 < G; r0 = r0 + CH) {
    for (var e = lid; e < CH; e = e + WG) {
      var v = 0.0;
      if (fromNext && r0 + e < G) { v = b_dgates[nb + r0 + e]; }
      row[e] = v;
    }
    workgroupBarrier();
    let rn = min(CH, G - r0);
    if (fromNext && j < H) {
      for (var e = 0u; e < rn; e = e + 1u) { rec = rec + row[e] * b_whh[(r0 + e) * H + jj]; }
    }
    workgroupBarrier();
  }
  if (j >= H) { return; }
  let TBH = p.steps * B * H;
  if (!live) {
    let gb = (u32(s) * B + b) * G;
    b_dgates[gb + j] = 0.0;
    b_dgates[gb + H + j] = 0.0;
    b_dgates[gb + 2u * H + j] = 0.0;
    b_dgates[gb + 3u * H + j] = 0.0;
    return;
  }
  let t = u32(time_of(len, s));
  let hb = (t * B + b) * H + j;
  var dh = b_dy[hb];
  var dc = 0.0;
  if (fromNext) {
    dh = dh + rec;
    dc = b_dc[b * H + j];
  } else {
    dh = dh + b_dy[TBH + b * H + j];
    dc = b_dy[TBH + B * H + b * H + j];
  }
  let gb = (t * B + b) * G;
  let ig = b_gates[gb + j];
  let fg = b_gates[gb + H + j];
  let gg = b_gates[gb + 2u * H + j];
  let og = b_gates[gb + 3u * H + j];
  let cp = b_cprev[hb];
  let tc = tanh_f(fg * cp + ig * gg);
  dc = dc + dh * og * (1.0 - tc * tc);
  b_dgates[gb + j] = dc * gg * ig * (1.0 - ig);
  b_dgates[gb + H + j] = dc * cp * fg * (1.0 - fg);
  b_dgates[gb + 2u * H + j] = dc * ig * (1.0 - gg * gg);
  b_dgates[gb + 3u * H + j] = dh * tc * og * (1.0 - og);
  b_dc[b * H + j] = dc * fg;
}

// ---- backward end: dh0 = dGates[t(0)] @ W_hh and dc0 (dh_T, dc_T for empty sequences) ----
@group(0) @binding(1) var<storage, read_write> e_dh0: array<f32>;
@group(0) @binding(2) var<storage, read_write> e_dc: array<f32>;
@group(0) @binding(3) var<storage, read> e_dy: array<f32>;
@group(0) @binding(4) var<storage, read> e_dgates: array<f32>;
@group(0) @binding(5) var<storage, read> e_whh: array<f32>;
@group(0) @binding(6) var<storage, read> e_len: array<i32>;

@compute @workgroup_size(WG)
fn lstm_bwd_end(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.y;
  let j = wid.x * WG + lid;
  let H = p.hidden;
  let B = p.batch;
  let G = 4u * H;
  let len = seq_len(e_len[min(b, arrayLength(&e_len) - 1u)]);
  let has = len > 0;
  var nb = 0u;
  if (has) { nb = (u32(time_of(len, 0)) * B + b) * G; }
  let jj = min(j, H - 1u);
  var rec = 0.0;
  for (var r0 = 0u; r0 < G; r0 = r0 + CH) {
    for (var e = lid; e < CH; e = e + WG) {
      var v = 0.0;
      if (has && r0 + e < G) { v = e_dgates[nb + r0 + e]; }
      row[e] = v;
    }
    workgroupBarrier();
    let rn = min(CH, G - r0);
    if (has && j < H) {
      for (var e = 0u; e < rn; e = e + 1u) { rec = rec + row[e] * e_whh[(r0 + e) * H + jj]; }
    }
    workgroupBarrier();
  }
  if (j >= H) { return; }
  let TBH = p.steps * B * H;
  if (has) {
    e_dh0[b * H + j] = rec;
  } else {
    e_dh0[b * H + j] = e_dy[TBH + b * H + j];
    e_dc[b * H + j] = e_dy[TBH + B * H + b * H + j];
  }
}
