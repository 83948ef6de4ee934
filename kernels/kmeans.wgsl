// The k-means assignment step: for each point x[i] (row of [n, d]) the nearest centroid c[j]
// (row of [k, d]) by squared Euclidean distance, and that distance.
//
// Layout: one invocation per point, looping over all k centroids. Every invocation of a
// workgroup reads the same centroid element at the same time, so on real GPUs those loads are
// broadcasts from cache, and on CPU-emulated adapters (SwiftShader) a thread-per-row kernel
// without barriers is the fast shape (see mf_sgd.wgsl). The distance is summed as (x - c)²
// term by term, not |x|² - 2x·c + |c|², so unscaled features far from the origin (money,
// days) keep their precision; the CPU twin (src/backends/cpu/kmeans.ts) sums in the same
// order and, like this kernel, keeps the first index on exact ties.

override WG: u32 = 64u;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> labels: array<i32>;
@group(0) @binding(4) var<storage, read_write> dist: array<f32>;

@compute @workgroup_size(WG)
fn kmeans_assign(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= p.n) { return; }
  let d = p.d;
  let xo = i * d;
  var best = 0;
  // The first centroid always wins its comparison (even an overflowed inf distance), as in the
  // CPU twin where the running best starts at Infinity.
  var best_d = 0.0;
  var first = true;
  for (var j = 0u; j < p.k; j = j + 1u) {
    let co = j * d;
    var s = 0.0;
    for (var f = 0u; f < d; f = f + 1u) {
      let t = x[xo + f] - c[co + f];
      s = s + t * t;
    }
    if (first || s < best_d) {
      best_d = s;
      best = i32(j);
      first = false;
    }
  }
  labels[i] = best;
  dist[i] = best_d;
}
