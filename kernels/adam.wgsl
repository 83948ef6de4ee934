// Fused Adam / AdamW update: one pass reads param, grad, m and v and writes the new three, in
// place of the ~12 elementwise dispatches the composed update needs. Outputs go to fresh
// buffers (the front-end never updates a tensor's storage in place, since views may share it).
// The bias corrections are folded on the host in f64: step_size = lr / (1 - beta1^t) and
// bc2_sqrt = sqrt(1 - beta2^t), matching PyTorch's single-tensor Adam and the CPU twin
// (src/backends/cpu/optim.ts).

override WG: u32 = 256u;

// struct Params is generated from its field list in src/backends/webgpu/params.ts.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out_param: array<f32>;
@group(0) @binding(2) var<storage, read_write> out_m: array<f32>;
@group(0) @binding(3) var<storage, read_write> out_v: array<f32>;
@group(0) @binding(4) var<storage, read> param: array<f32>;
@group(0) @binding(5) var<storage, read> grad: array<f32>;
@group(0) @binding(6) var<storage, read> m_in: array<f32>;
@group(0) @binding(7) var<storage, read> v_in: array<f32>;

@compute @workgroup_size(WG)
fn adam_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= p.size) { return; }
  let w = param[i];
  let g = grad[i] + p.l2 * w;
  let m = p.beta1 * m_in[i] + (1.0 - p.beta1) * g;
  let v = p.beta2 * v_in[i] + (1.0 - p.beta2) * g * g;
  out_m[i] = m;
  out_v[i] = v;
  out_param[i] = w * p.decay - p.step_size * m / (sqrt(v) / p.bc2_sqrt + p.eps);
}
