// Strided copy (dst[dstOffset + i.dstStrides] = src[srcOffset + i.srcStrides]) and fill.
// Words are moved as they are, so one pipeline serves every dtype. Strides are signed so that
// reversed slices work; shapes and strides travel in the uniform block.

override WG: u32 = 256u;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<u32>;

@compute @workgroup_size(WG)
fn copy_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= p.size) { return; }
  var rem = i;
  var s = p.src_offset;
  var d = p.dst_offset;
  for (var k = i32(p.rank) - 1; k >= 0; k = k - 1) {
    let q = u32(k) / 4u;
    let c = u32(k) % 4u;
    let n = p.shape[q][c];
    let next = rem / n;
    let r = i32(rem - next * n);
    rem = next;
    s = s + r * p.src_strides[q][c];
    d = d + r * p.dst_strides[q][c];
  }
  dst[u32(d)] = src[u32(s)];
}

// struct FillParams is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> fp: FillParams;

@compute @workgroup_size(WG)
fn fill_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= fp.size) { return; }
  dst[i] = fp.value;
}
