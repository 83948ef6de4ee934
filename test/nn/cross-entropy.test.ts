import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { crossEntropyFused } from '../../src/ops/fused/cross-entropy.js';
import { crossEntropyBackwardKernel, crossEntropyForwardKernel } from '../../src/backends/cpu/cross-entropy.js';
import { crossEntropyBackwardWasm, crossEntropyForwardWasm } from '../../src/backends/wasm/cross-entropy.js';
import { WasmRuntime, simdAvailable } from '../../src/backends/wasm/runtime.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

/** Deterministic values in [-scale, scale). */
function vals(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.fround(scale * ((Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453) % 1));
  return out;
}

/**
 * Per-row losses and d(Σ g·loss)/dlogits in float64, from the definitions: p = softmax(x) by
 * exp(x − max)/Σ, loss = −Σ_j q_j·log p_j with q = (1 − ε)·onehot(t) + ε/C, and the gradient
 * g·(p − q); a row whose target is `ignore` gives 0 and 0.
 */
function reference(x: Float32Array, t: Int32Array, g: Float32Array, cols: number, eps: number, ignore?: number) {
  const rows = t.length;
  const loss = new Float64Array(rows);
  const dx = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    if (t[r] === ignore) continue;
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const m = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
    for (let j = 0; j < cols; j++) {
      const p = Math.exp(row[j]! - m) / z;
      const q = (j === t[r] ? 1 - eps : 0) + eps / cols;
      loss[r]! -= q * Math.log(p);
      dx[r * cols + j] = g[r]! * (p - q);
    }
  }
  return { loss, dx };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 2e-4): void {
  expect(got.length).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= tol * Math.max(Math.abs(want[i]!), 0.01 * scale, 1e-6)))
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (err ${err})`);
  }
}

const targetsFor = (rows: number, cols: number, seed: number) =>
  Int32Array.from({ length: rows }, (_, r) => (r * 7 + seed * 13) % cols);

// Not gpujs: GpuJsBackend extends CpuBackend and only replaces matmul, so it would run the
// cpu kernel a second time.
for (const backend of conformanceBackends().filter((b) => b !== 'gpujs')) {
  describe(`fused softmax cross-entropy on ${backend}`, () => {
    onBackend(backend);
    // [name, rows, cols, logit scale, label smoothing]: odd sizes, rows past a workgroup (64) of
    // the backward's logits and many workgroups, a row longer than a workgroup's stride, and
    // logits near ±80 (exp overflows float32 without the max shift).
    const cases: [string, number, number, number, number][] = [
      ['7 rows of 5 classes', 7, 5, 3, 0],
      ['130 rows of 3 classes', 130, 3, 2, 0],
      ['3 rows of 1,031 classes', 3, 1031, 4, 0],
      ['large logits', 6, 37, 80, 0],
      ['label smoothing 0.1', 9, 23, 2, 0.1],
    ];
    for (const [name, rows, cols, scale, eps] of cases) {
      it(`per-row losses and the gradient match the float64 reference: ${name}`, async () => {
        const xv = vals(rows * cols, 1, scale);
        const tv = targetsFor(rows, cols, 2);
        const gv = vals(rows, 3, 1);
        const ref = reference(xv, tv, gv, cols, eps);
        await at.scope(async () => {
          const x = at.tensor(xv, { shape: [rows, cols], requiresGrad: true });
          const loss = crossEntropyFused(x, at.tensor(tv), eps);
          expect(loss.shape).toEqual([rows]);
          at.sum(at.mul(loss, at.tensor(gv))).backward();
          expectClose(await loss.data(), ref.loss, 'loss');
          expectClose(await x.grad!.data(), ref.dx, 'dx');
        });
      });
    }

    // ignoreIndex 0 is a class id, so it must be moved out of range before the kernel; -100
    // is outside the classes already.
    for (const [reduction, ignore] of [
      ['none', 0],
      ['sum', 0],
      ['mean', 0],
      ['mean', -100],
    ] as const) {
      it(`crossEntropy with ignoreIndex ${ignore} and reduction '${reduction}' matches the reference`, async () => {
        const [b, t, c] = [3, 5, 11];
        const xv = vals(b * t * c, 4, 3);
        const tv = targetsFor(b * t, c, 5).map((v, i) => (i % 4 === 1 ? ignore : v === 0 ? 1 : v));
        const ones = new Float32Array(b * t).fill(1);
        const kept = tv.filter((v) => v !== ignore).length;
        const ref = reference(xv, tv, ones, c, 0, ignore);
        await at.scope(async () => {
          const x = at.tensor(xv, { shape: [b, t, c], requiresGrad: true });
          const loss = at.nn.functional.crossEntropy(x, at.tensor(tv, { shape: [b, t] }), {
            ignoreIndex: ignore,
            reduction,
          });
          const lossRef = Array.from(ref.loss);
          const sum = lossRef.reduce((s, v) => s + v, 0);
          if (reduction === 'none') {
            expect(loss.shape).toEqual([b, t]);
            expectClose(await loss.data(), lossRef, 'loss');
          } else {
            expect(loss.shape).toEqual([]);
            expectClose(await loss.data(), [reduction === 'sum' ? sum : sum / kept], 'loss');
          }
          at.sum(loss).backward();
          const scaleBy = reduction === 'mean' ? 1 / kept : 1;
          expectClose(
            await x.grad!.data(),
            Array.from(ref.dx, (v) => v * scaleBy),
            'dx',
          );
        });
      });
    }

    it('label smoothing through crossEntropy equals its definition, and frozen logits record nothing', async () => {
      const xv = vals(4 * 6, 6, 2);
      const tv = targetsFor(4, 6, 7);
      const ref = reference(xv, tv, new Float32Array(4).fill(0.25), 6, 0.2);
      await at.scope(async () => {
        const x = at.tensor(xv, { shape: [4, 6] });
        const loss = at.nn.functional.crossEntropy(x, at.tensor(tv), { labelSmoothing: 0.2 });
        expect(loss.requiresGrad).toBe(false);
        expectClose(await loss.data(), [Array.from(ref.loss).reduce((s, v) => s + v, 0) / 4], 'loss');
      });
    });

    // cpu reads the ids and names the bad one; webgpu would stall to read them, so the bad row's
    // loss is NaN instead (the kernel alone would give it 0, a silently smaller loss).
    it('a target that is neither a class id nor ignoreIndex is an error, never a silent 0', async () => {
      await at.scope(async () => {
        const x = at.tensor(vals(4 * 3, 8, 1), { shape: [4, 3] });
        const ce = (ids: number[], options = {}) =>
          at.nn.functional.crossEntropy(x, at.tensor(Int32Array.from(ids)), { reduction: 'none', ...options });
        if (backend === 'webgpu') {
          const rows = await ce([0, 3, 2, -1]).data();
          expect([Number.isNaN(rows[1]!), Number.isNaN(rows[3]!)]).toEqual([true, true]);
          expect(Number.isFinite(rows[0]!) && Number.isFinite(rows[2]!)).toBe(true);
          const ignored = await ce([0, 3, 2, -100], { ignoreIndex: -100 }).data();
          expect([Number.isNaN(ignored[1]!), ignored[3]]).toEqual([true, 0]);
          expect(
            Number.isNaN((await at.nn.functional.crossEntropy(x, at.tensor(Int32Array.from([0, 1, 7, 2]))).data())[0]!),
          ).toBe(true);
        } else {
          expect(() => ce([0, 3, 2, 1])).toThrow(/targets\[1\] = 3 is not a class id in \[0, 3\)/);
          expect(() => ce([0, 1, -100, -1], { ignoreIndex: -100 })).toThrow(/targets\[3\] = -1 .* or ignoreIndex -100/);
        }
      });
    });

    it('bad input names what is wrong', () => {
      at.scope(() => {
        const x = at.zeros([4, 3]);
        expect(() => crossEntropyFused(x, at.zeros([4]))).toThrow(/targets have dtype float32/);
        expect(() => crossEntropyFused(x, at.tensor(new Int32Array(3)))).toThrow(at.ShapeError);
        expect(() => crossEntropyFused(at.zeros([4, 0]), at.tensor(new Int32Array(4)))).toThrow(at.ShapeError);
        expect(() => crossEntropyFused(x, at.tensor(new Int32Array(4)), 1.5)).toThrow(/labelSmoothing/);
        expect(() =>
          crossEntropyFused(at.tensor(new Int32Array(12), { shape: [4, 3] }), at.tensor(new Int32Array(4))),
        ).toThrow(at.DTypeError);
      });
    });
  });
}

describe('the WebAssembly cross-entropy kernels', () => {
  // No skip without SIMD: the runtime CI uses has it (wasm-emitter.test.ts asserts so), and a
  // missing SIMD must fail here rather than leave the WebAssembly path untested.
  it('match the TypeScript oracle across row chunks and padded rows', () => {
    expect(simdAvailable()).toBe(true);
    const [rows, cols] = [11, 37]; // 37 → rows padded to 40 floats; chunks of 3 rows
    const x = vals(rows * cols, 8, 5);
    const t = Int32Array.from(targetsFor(rows, cols, 9).map((v, i) => (i === 4 ? -1 : v)));
    const g = vals(rows, 10, 1);
    const info = { rows, cols, smoothing: 0 };
    const want = { loss: new Float32Array(rows), lse: new Float32Array(rows), d: new Float32Array(rows * cols) };
    crossEntropyForwardKernel(x, t, info, want.loss, want.lse);
    crossEntropyBackwardKernel(g, x, t, want.lse, info, want.d);
    const rt = new WasmRuntime();
    try {
      const got = { loss: new Float32Array(rows), lse: new Float32Array(rows), d: new Float32Array(rows * cols) };
      crossEntropyForwardWasm(rt, x, t, info, got.loss, got.lse, 3 * 40);
      crossEntropyBackwardWasm(rt, g, x, t, got.lse, info, got.d, 3 * 40);
      expectClose(got.loss, want.loss, 'loss', 1e-5);
      expectClose(got.lse, want.lse, 'lse', 1e-5);
      expectClose(got.d, want.d, 'd', 1e-5);
      expect(got.loss[4]).toBe(0);
      expect(Array.from(got.d.subarray(4 * cols, 5 * cols)).every((v) => v === 0)).toBe(true);
    } finally {
      rt.dispose();
    }
  });
});
