import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { layerNormFused } from '../../src/ops/fused/layernorm.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

/** Deterministic values in [-1, 1). */
function vals(n: number, seed: number, offset = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.fround(offset + ((Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453) % 1));
  return out;
}

/**
 * Layer norm of each row from the equations in float64, and its gradients for the loss
 * Σ y·dy: x̂ = (x − μ)/√(σ² + eps), y = x̂·w + b; dx by the chain rule through μ and σ² written
 * out term by term (not the fused kernels' closed form), dw = Σ dy·x̂, db = Σ dy.
 */
function reference(x: Float32Array, w: Float32Array | null, b: Float32Array | null, dy: Float32Array, cols: number) {
  const rows = x.length / cols;
  const eps = 1e-5;
  const y = new Float64Array(x.length);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(cols);
  const db = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const mu = row.reduce((s, v) => s + v, 0) / cols;
    const v = row.reduce((s, t) => s + (t - mu) ** 2, 0) / cols;
    const sd = Math.sqrt(v + eps);
    const gh = row.map((_, j) => dy[r * cols + j]! * (w ? w[j]! : 1)); // dL/dx̂
    // dL/dσ² and dL/dμ, then dx_j = gh_j/sd + dσ²·2(x_j − μ)/n + dμ/n.
    const dVar = gh.reduce((s, g, j) => s + g * (row[j]! - mu) * -0.5 * sd ** -3, 0);
    const dMu = gh.reduce((s, g) => s - g / sd, 0) + (dVar * row.reduce((s, t) => s - 2 * (t - mu), 0)) / cols;
    for (let j = 0; j < cols; j++) {
      const xh = (row[j]! - mu) / sd;
      y[r * cols + j] = xh * (w ? w[j]! : 1) + (b ? b[j]! : 0);
      dx[r * cols + j] = gh[j]! / sd + (dVar * 2 * (row[j]! - mu)) / cols + dMu / cols;
      dw[j]! += dy[r * cols + j]! * xh;
      db[j]! += dy[r * cols + j]!;
    }
  }
  return { y, dx, dw, db };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= 2e-4 * Math.max(Math.abs(want[i]!), 0.1 * scale, 1e-6)))
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (err ${err})`);
  }
}

// Not gpujs: GpuJsBackend extends CpuBackend and only replaces matmul, so it would run the
// cpu kernel a second time.
for (const backend of conformanceBackends().filter((b) => b !== 'gpujs')) {
  describe(`fused layer norm on ${backend}`, () => {
    onBackend(backend);
    // [name, shape, affine, offset]: rows past one workgroup (64) and past the column count,
    // a 2-axis normalized shape, and rows centred far from zero (the variance of x − mean).
    const cases: [string, number[], number[], boolean, number][] = [
      ['7 rows of 50, affine', [7, 50], [50], true, 0],
      ['130 rows of 16 (3 workgroups), affine', [2, 65, 16], [16], true, 0],
      ['normalized over 2 axes, no affine', [5, 3, 4], [3, 4], false, 0],
      ['rows centred at 1000', [9, 32], [32], true, 1000],
    ];
    for (const [name, shape, norm, affine, offset] of cases) {
      it(`forward and gradients match the float64 reference: ${name}`, async () => {
        const n = shape.reduce((a, b) => a * b, 1);
        const cols = norm.reduce((a, b) => a * b, 1);
        const xv = vals(n, 1, offset);
        const wv = affine ? vals(cols, 2, 1) : null;
        const bv = affine ? vals(cols, 3) : null;
        const dyv = vals(n, 4);
        const ref = reference(xv, wv, bv, dyv, cols);
        await at.scope(async () => {
          const x = at.tensor(xv, { shape, requiresGrad: true });
          const w = wv ? at.tensor(wv, { shape: norm, requiresGrad: true }) : null;
          const b = bv ? at.tensor(bv, { shape: norm, requiresGrad: true }) : null;
          const y = at.nn.functional.layerNorm(x, norm, w, b);
          expect(y.shape).toEqual(shape);
          at.sum(at.mul(y, at.tensor(dyv, { shape }))).backward();
          // Rows centred at 1000 hold the same tolerance: a plain float32 sum of the row (or
          // E[x²] − μ²) would be off by ~4e-4 of σ there.
          expectClose(await y.data(), ref.y, 'y');
          expectClose(await x.grad!.data(), ref.dx, 'dx');
          if (w) expectClose(await w.grad!.data(), ref.dw, 'dw');
          if (b) expectClose(await b.grad!.data(), ref.db, 'db');
        });
      });
    }

    it('gives only the gradients asked for, and none for a frozen x', async () => {
      const xv = vals(24, 5);
      const wv = vals(8, 6, 1);
      const dyv = vals(24, 7);
      const ref = reference(xv, wv, null, dyv, 8);
      await at.scope(async () => {
        const x = at.tensor(xv, { shape: [3, 8] });
        const w = at.tensor(wv, { requiresGrad: true });
        const b = at.zeros([8]);
        at.sum(at.mul(layerNormFused(x, 8, w, b), at.tensor(dyv, { shape: [3, 8] }))).backward();
        expect(x.grad).toBeFalsy();
        expect(b.grad).toBeFalsy();
        expectClose(await w.grad!.data(), ref.dw, 'dw');
      });
    });

    it('a constant row normalizes to the bias, with finite gradients', async () => {
      await at.scope(async () => {
        const x = at.full([2, 6], 3.5, { requiresGrad: true });
        const b = at.tensor(vals(6, 8), { requiresGrad: true });
        const y = layerNormFused(x, 6, null, b);
        at.sum(at.mul(y, at.tensor(vals(12, 9), { shape: [2, 6] }))).backward();
        const want = Array.from(await b.data());
        expectClose(await y.data(), [...want, ...want], 'y');
        expect(Array.from(await x.grad!.data()).every(Number.isFinite)).toBe(true);
      });
    });
  });
}

describe('layerNormFused input checks', () => {
  it('names a bad cols, weight shape or dtype', () => {
    const x = at.zeros([2, 6]);
    expect(() => layerNormFused(x, 5)).toThrow(at.ShapeError);
    expect(() => layerNormFused(x, 6, at.zeros([5]))).toThrow(/weight has shape \[5\]/);
    expect(() => layerNormFused(x, 6, at.zeros([6], { dtype: 'float64' }))).toThrow(at.DTypeError);
    expect(() => layerNormFused(at.zeros([2, 6], { dtype: 'int32' }), 6)).toThrow(/float tensor/);
    expect(() => layerNormFused(x, 6, null, null, -1)).toThrow(at.ValueError);
  });
});
