import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LstmInfo } from '../../src/backends/backend.js';
import { lstmBackwardKernel, lstmForwardKernel } from '../../src/backends/cpu/lstm.js';
import { WasmKernels } from '../../src/backends/wasm/index.js';
import { expectClose } from '../helpers/reference.js';

function data(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(i * 0.917 + seed * 2.3) * scale);
  return out;
}

const f32 = (n: number) => new Float32Array(n).fill(Number.NaN);

/**
 * The WebAssembly LSTM (recurrence and dW_hh in SIMD) against the TypeScript kernels, its oracle,
 * on one problem: every forward output and every gradient.
 */
function compare(kernels: WasmKernels, T: number, B: number, H: number, reverse: boolean, lens?: number[]): void {
  const G = 4 * H;
  const lengths = lens ? Int32Array.from(lens) : undefined;
  const info: LstmInfo = { steps: T, batch: B, hidden: H, reverse };
  const xProj = data(T * B * G, 1, 1.5);
  const whh = data(G * H, 2, 1 / Math.sqrt(H));
  const h0 = data(B * H, 3, 0.5);
  const c0 = data(B * H, 4, 0.5);
  const fwd = () => ({ y: f32((T + 2) * B * H), gates: f32(T * B * G), hPrev: f32(T * B * H), cPrev: f32(T * B * H) });
  const want = fwd();
  const got = fwd();
  lstmForwardKernel(xProj, whh, h0, c0, lengths, info, want);
  expect(kernels.lstmForward(xProj, whh, h0, c0, lengths, info, got)).toBe(true);
  const what = JSON.stringify({ T, B, H, reverse, lens });
  for (const key of ['y', 'gates', 'hPrev', 'cPrev'] as const)
    expectClose(got[key], want[key], { rtol: 1e-4, atol: 2e-5 }, `${key} ${what}`);
  const dY = data((T + 2) * B * H, 5);
  const bwd = () => ({ dGates: f32(T * B * G), dWhh: f32(G * H), dh0: f32(B * H), dc0: f32(B * H) });
  const gw = bwd();
  const gg = bwd();
  lstmBackwardKernel(dY, whh, want.gates, want.hPrev, want.cPrev, lengths, info, gw);
  const saved = { gates: want.gates, hPrev: want.hPrev, cPrev: want.cPrev };
  expect(kernels.lstmBackward(dY, whh, saved, lengths, info, gg)).toBe(true);
  for (const key of ['dGates', 'dWhh', 'dh0', 'dc0'] as const)
    expectClose(gg[key], gw[key], { rtol: 1e-3, atol: 1e-4 * Math.sqrt(T * B) }, `${key} ${what}`);
}

describe('WebAssembly LSTM against the TypeScript kernels', () => {
  const kernels = new WasmKernels();

  it('matches on random sizes, directions and lengths (hidden sizes off the 8-column panel)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 21 }),
        fc.boolean(),
        fc.boolean(),
        (T, B, H, reverse, ragged) => {
          const lens = ragged ? Array.from({ length: B }, (_, b) => (b * 5 + 3) % (T + 1)) : undefined;
          compare(kernels, T, B, H, reverse, lens);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('matches at a training size (K blocks past 256 in the recurrence)', () => {
    compare(kernels, 6, 9, 80, false);
    compare(kernels, 5, 4, 67, true, [5, 0, 3, 5]);
  });

  it('leaves float64 to the TypeScript kernels', () => {
    const d = new Float64Array(4 * 2 * 2);
    const info: LstmInfo = { steps: 1, batch: 1, hidden: 2, reverse: false };
    const o = { y: new Float64Array(6), gates: d, hPrev: new Float64Array(2), cPrev: new Float64Array(2) };
    expect(kernels.lstmForward(d, new Float64Array(16), d, d, undefined, info, o)).toBe(false);
  });
});
