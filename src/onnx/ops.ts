import { GELU_C } from '../backends/unary-ops.js';
import type { OnnxGraph } from './graph.js';

/**
 * Opset-aware building blocks shared by the exporters: the ops whose signature changed between
 * opsets (reduce axes moved from attribute to input in 13 for ReduceSum and in 18 for the
 * others) and the layers attune's models are made of.
 */

export function unsqueeze(g: OnnxGraph, x: string, axes: readonly number[]): string {
  return g.op1('Unsqueeze', [x, g.i64('axes', axes)]);
}

export function reduce(
  g: OnnxGraph,
  op: 'ReduceSum' | 'ReduceMean' | 'ReduceMax' | 'ReduceMin',
  x: string,
  axes: readonly number[],
  keepdims: boolean,
): string {
  const axesAsInput = op === 'ReduceSum' ? g.opset >= 13 : g.opset >= 18;
  const k = { keepdims: { i: keepdims ? 1 : 0 } };
  return axesAsInput ? g.op1(op, [x, g.i64('axes', axes)], k) : g.op1(op, [x], { ...k, axes: { ints: axes } });
}

/** y = x·Wᵀ + b for a PyTorch-layout weight W [out, in] (a Gemm for 2-d x, MatMul + Add otherwise). */
export function linear(
  g: OnnxGraph,
  x: string,
  name: string,
  weight: Float32Array,
  bias: Float32Array | null,
  outF: number,
  inF: number,
  rank2: boolean,
): string {
  if (rank2) {
    const inputs = [x, g.f32(`${name}.weight`, weight, [outF, inF])];
    if (bias) inputs.push(g.f32(`${name}.bias`, bias, [outF]));
    return g.op1('Gemm', inputs, { transB: { i: 1 } });
  }
  const y = g.op1('MatMul', [x, g.f32(`${name}.weightT`, transpose(weight, outF, inF), [inF, outF])]);
  return bias ? g.op1('Add', [y, g.f32(`${name}.bias`, bias, [outF])]) : y;
}

/** The tanh approximation of gelu, as attune computes it (backends/unary-ops.ts). */
export function geluTanh(g: OnnxGraph, x: string): string {
  const x3 = g.op1('Mul', [g.op1('Mul', [x, x]), x]);
  const inner = g.op1('Add', [x, g.op1('Mul', [x3, g.f32('c', [0.044715], [])])]);
  const t = g.op1('Tanh', [g.op1('Mul', [inner, g.f32('c', [GELU_C], [])])]);
  const half = g.op1('Mul', [x, g.f32('c', [0.5], [])]);
  return g.op1('Mul', [half, g.op1('Add', [t, g.f32('c', [1], [])])]);
}

/** LayerNormalization over the last axis (opset ≥ 17). */
export function layerNorm(
  g: OnnxGraph,
  x: string,
  name: string,
  weight: Float32Array,
  bias: Float32Array,
  eps: number,
): string {
  g.requireOpset(17, `LayerNormalization (${name})`);
  const d = weight.length;
  return g.op1('LayerNormalization', [x, g.f32(`${name}.weight`, weight, [d]), g.f32(`${name}.bias`, bias, [d])], {
    axis: { i: -1 },
    epsilon: { f: eps },
  });
}

/** Row-major [rows, cols] → [cols, rows]. */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}
