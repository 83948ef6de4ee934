// Philox4x32-10, a line-by-line twin of src/tensor/philox.ts. One thread per Philox block:
// - uniform and int: element i reads lane i%4 of block counter+floor(i/4);
// - normal: element i reads lanes 2(i%2), 2(i%2)+1 of block counter+floor(i/2) (Box-Muller,
//   cosine branch) with u1 = ((bits>>8)+1) * 2^-24 and u2 = (bits>>8) * 2^-24.
// Integer streams are bit-identical to the CPU; normals differ only by float32 rounding.

override WG: u32 = 256u;
// KIND_UNIFORM, KIND_NORMAL, KIND_INT are generated from RANDOM_KINDS (src/backends/webgpu/generated.ts).
override KIND: u32 = 0u;
override OUT_INT: bool = false;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;

const M0: u32 = 0xd2511f53u;
const M1: u32 = 0xcd9e8d57u;
const W0: u32 = 0x9e3779b9u;
const W1: u32 = 0xbb67ae85u;

// High 32 bits of a 32x32 product from 16-bit halves (WGSL has no 64-bit integers).
fn mulhi32(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let lolo = al * bl;
  let hilo = ah * bl;
  let lohi = al * bh;
  let hihi = ah * bh;
  let cross = (lolo >> 16u) + (hilo & 0xffffu) + (lohi & 0xffffu);
  return hihi + (hilo >> 16u) + (lohi >> 16u) + (cross >> 16u);
}

fn philox_block(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c0 = ctr.x;
  var c1 = ctr.y;
  var c2 = ctr.z;
  var c3 = ctr.w;
  var k0 = key.x;
  var k1 = key.y;
  for (var r = 0; r < 10; r = r + 1) {
    let hi0 = mulhi32(M0, c0);
    let lo0 = M0 * c0;
    let hi1 = mulhi32(M1, c2);
    let lo1 = M1 * c2;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 = k0 + W0;
    k1 = k1 + W1;
  }
  return vec4<u32>(c0, c1, c2, c3);
}

fn store(i: u32, v: f32) {
  if (OUT_INT) {
    out[i] = bitcast<u32>(i32(v));
  } else {
    out[i] = bitcast<u32>(v);
  }
}

// cos(2 pi u) for u = n * 2^-24 in [0, 1): the reduction to [-pi/4, pi/4] uses exact
// subtractions on u, so the result keeps full relative accuracy near its zeros.
fn cos2pi(u: f32) -> f32 {
  let w = min(u, 1.0 - u); // [0, 0.5], exact
  let tau = 6.283185307179586;
  if (w <= 0.125) { return cos_poly(tau * w); }
  if (w <= 0.375) { return sin_poly(tau * (0.25 - w)); }
  return -cos_poly(tau * (0.5 - w));
}

@compute @workgroup_size(WG)
fn random_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let b = (wid.y * nwg.x + wid.x) * WG + lid;
  if (b >= p.blocks) { return; }
  // 64-bit counter + b, carried by hand.
  let lo = p.ctr0 + b;
  let hi = p.ctr1 + select(0u, 1u, lo < b);
  let words = philox_block(vec4<u32>(lo, hi, 0u, 0u), vec2<u32>(p.key0, p.key1));
  if (KIND == KIND_NORMAL) {
    for (var lane = 0u; lane < 2u; lane = lane + 1u) {
      let i = 2u * b + lane;
      if (i >= p.size) { break; }
      let u1 = f32((words[2u * lane] >> 8u) + 1u) * 5.9604644775390625e-8;
      let u2 = f32(words[2u * lane + 1u] >> 8u) * 5.9604644775390625e-8;
      store(i, sqrt(-2.0 * log_acc(u1)) * cos2pi(u2));
    }
    return;
  }
  for (var lane = 0u; lane < 4u; lane = lane + 1u) {
    let i = 4u * b + lane;
    if (i >= p.size) { break; }
    let bits = words[lane];
    if (KIND == KIND_INT) {
      let v = p.low + bitcast<i32>(mulhi32(bits, p.range));
      if (OUT_INT) {
        out[i] = bitcast<u32>(v);
      } else {
        out[i] = bitcast<u32>(f32(v));
      }
    } else {
      store(i, f32(bits >> 8u) * 5.9604644775390625e-8);
    }
  }
}
