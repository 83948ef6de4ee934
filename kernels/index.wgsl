// indexSelect and indexAdd over x viewed as [outer, axisLen, inner] with `count` int32 indices.
//
// indexAdd approach: `out` starts as a copy of `base` (a buffer copy recorded just before this
// dispatch), then one thread per src element adds its value into out[o, idx[j], i] atomically,
// so duplicate indices accumulate without a sort and the work is O(src size) whatever the
// index pattern. int32 uses atomicAdd on the words directly (two's-complement addition is the
// same for u32 and i32). float32 has no atomic add in WGSL, so it runs a compare-exchange loop
// on the f32 bit pattern held in an atomic<u32>: read the word, add in f32, and publish only if
// no other thread changed the word meanwhile, else retry with the value it saw. The sum is
// exact per step; only the order in which duplicates are added varies between runs, so float32
// results with duplicate indices can differ in the last bits, as any parallel float sum does.

override WG: u32 = 256u;
override IS_INT: bool = false;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<storage, read_write> out_atomic: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read> x: array<u32>;
@group(0) @binding(3) var<storage, read> idx: array<i32>;

// Thread t stands for element [o, j, i] of the [outer, count, inner] side; this is the flat
// position of [o, idx[j], i] on the [outer, axisLen, inner] side, or -1 for an out-of-range index.
fn axis_position(t: u32) -> i32 {
  let i = t % p.inner;
  let rest = t / p.inner;
  let o = rest / p.count;
  let a = idx[rest % p.count];
  if (a < 0 || u32(a) >= p.axis_len) { return -1; }
  return i32((o * p.axis_len + u32(a)) * p.inner + i);
}

@compute @workgroup_size(WG)
fn index_select(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * WG + lid;
  if (t >= p.size) { return; }
  // The front-end validates indices; an out-of-range one reads as 0 rather than out of bounds.
  let src = axis_position(t);
  if (src < 0) { out[t] = 0u; return; }
  out[t] = x[u32(src)];
}

// Here x is src, viewed as [outer, count, inner].
@compute @workgroup_size(WG)
fn index_add(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * WG + lid;
  if (t >= p.size) { return; }
  let dst = axis_position(t);
  if (dst < 0) { return; }
  let target_index = u32(dst);
  let v = x[t];
  if (IS_INT) {
    atomicAdd(&out_atomic[target_index], v);
    return;
  }
  var old = atomicLoad(&out_atomic[target_index]);
  loop {
    let next = bitcast<u32>(bitcast<f32>(old) + bitcast<f32>(v));
    let r = atomicCompareExchangeWeak(&out_atomic[target_index], old, next);
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}
