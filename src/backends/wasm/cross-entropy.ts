import type { CrossEntropyInfo } from '../backend.js';
import { ModuleBuilder } from './emitter.js';
import type { WasmRuntime } from './runtime.js';
import { emitExpX4, mathScratch } from './simd-math.js';

/**
 * Softmax cross-entropy as WebAssembly SIMD, float32, for the exp-bound sweeps over the logits
 * (the TypeScript twin, src/backends/cpu/cross-entropy.ts, is the oracle). Rows are copied in
 * with their length rounded up to 4 (padding lanes −∞, so they add nothing to the max and
 * exp(−87) ≈ 1e-38 to the sum, the exp's clamp), in chunks of at most `chunk` floats (default
 * CHUNK, 16 MiB: memory stays bounded for catalogue-wide rows of thousands of positions).
 * - `stats`: each row's max m and Σ exp(x − m) (four float32 partial sums); the caller forms
 *   lse = m + log(sum) and the loss in JavaScript, a few operations per row.
 * - `grad`: x ← g[r]·exp(x − lse[r]) in place; the caller subtracts g[r] at the target and
 *   passes g = 0 for skipped rows. exp saturates at exp(88) instead of reaching ∞, so 0·exp
 *   stays 0.
 * Label smoothing (the row's mean) stays on the TypeScript kernel.
 */
const CHUNK = 1 << 22;

/** stats(X, M, S, rows, cp) and grad(X, G, L, rows, cp): byte addresses, cp = row stride in floats. */
function build(): ModuleBuilder {
  const mod = new ModuleBuilder();
  for (const name of ['stats', 'grad'] as const) {
    const f = mod.function(name, ['i32', 'i32', 'i32', 'i32', 'i32']);
    const [X, A, B, rows, cp] = f.params(5);
    const [r, j, p, end] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
    const [acc, sp, sp2] = [f.local('v128'), f.local('v128'), f.local('v128')];
    const s = f.local('f32');
    const t = mathScratch(f);
    const rowLoop = (body: () => void) =>
      f.forRange(
        j,
        () => f.get(p),
        () => f.get(end),
        16,
        body,
      );
    f.forRange(
      r,
      () => f.i32(0),
      () => f.get(rows),
      1,
      () => {
        f.get(X).get(r).get(cp).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(p);
        f.get(p).get(cp).i32(4).op('i32.mul').op('i32.add').set(end);
        const at = (base: ReturnType<typeof f.local>) => f.get(base).get(r).i32(4).op('i32.mul').op('i32.add');
        if (name === 'stats') {
          f.f32x4(Number.NEGATIVE_INFINITY).set(acc);
          rowLoop(() => f.get(acc).get(j).simd('v128.load').simd('f32x4.max').set(acc));
          for (let l = 0; l < 4; l++) {
            f.get(acc).simd('f32x4.extract_lane', l);
            if (l > 0) f.op('f32.max');
          }
          f.tee(s).simd('f32x4.splat').set(sp);
          at(A).get(s).mem('f32.store');
          f.f32x4(0).set(acc);
          rowLoop(() => {
            f.get(j).simd('v128.load').get(sp).simd('f32x4.sub');
            emitExpX4(f, t);
            f.get(acc).simd('f32x4.add').set(acc);
          });
          for (let l = 0; l < 4; l++) {
            f.get(acc).simd('f32x4.extract_lane', l);
            if (l > 0) f.op('f32.add');
          }
          f.set(s);
          at(B).get(s).mem('f32.store');
        } else {
          at(A).mem('f32.load').simd('f32x4.splat').set(sp);
          at(B).mem('f32.load').simd('f32x4.splat').set(sp2);
          rowLoop(() => {
            f.get(j);
            f.get(j).simd('v128.load').get(sp2).simd('f32x4.sub');
            emitExpX4(f, t);
            f.get(sp).simd('f32x4.mul').simd('v128.store');
          });
        }
      },
    );
  }
  return mod;
}

/** Runs `kernel` over chunks of rows copied in (padded to cp) with two per-row arrays after them. */
function chunked(
  rt: WasmRuntime,
  x: Float32Array,
  info: CrossEntropyInfo,
  chunk: number,
  each: (f32: Float32Array, r0: number, n: number, offsets: { x: number; a: number; b: number; cp: number }) => void,
): void {
  const { rows, cols } = info;
  const cp = Math.ceil(cols / 4) * 4;
  const per = Math.max(1, Math.min(rows, Math.floor(chunk / cp)));
  const a = per * cp;
  const b = a + Math.ceil(per / 4) * 4;
  const { f32 } = rt.reserve((b + per) * 4, `cross-entropy (${per} rows of ${cols} classes)`);
  for (let r0 = 0; r0 < rows; r0 += per) {
    const n = Math.min(per, rows - r0);
    for (let i = 0; i < n; i++) {
      f32.set(x.subarray((r0 + i) * cols, (r0 + i + 1) * cols), i * cp);
      if (cp > cols) f32.fill(Number.NEGATIVE_INFINITY, i * cp + cols, (i + 1) * cp);
    }
    each(f32, r0, n, { x: 0, a, b, cp });
  }
}

/** Forward: lse and loss per row (see above), without label smoothing. */
export function crossEntropyForwardWasm(
  rt: WasmRuntime,
  x: Float32Array,
  targets: Int32Array,
  info: CrossEntropyInfo,
  loss: Float32Array,
  lse: Float32Array,
  chunk = CHUNK,
): void {
  const { cols } = info;
  const k = rt.kernel('cross-entropy', build);
  chunked(rt, x, info, chunk, (f32, r0, n, o) => {
    k.stats!(o.x * 4, o.a * 4, o.b * 4, n, o.cp);
    for (let i = 0; i < n; i++) {
      const r = r0 + i;
      const l = f32[o.a + i]! + Math.log(f32[o.b + i]!);
      const t = targets[r]!;
      lse[r] = l;
      loss[r] = t >= 0 && t < cols ? l - x[r * cols + t]! : 0;
    }
  });
}

/** Backward: d = g·(softmax − onehot), rows with a target outside [0, cols) zero. */
export function crossEntropyBackwardWasm(
  rt: WasmRuntime,
  g: Float32Array,
  x: Float32Array,
  targets: Int32Array,
  lse: Float32Array,
  info: CrossEntropyInfo,
  d: Float32Array,
  chunk = CHUNK,
): void {
  const { cols } = info;
  const k = rt.kernel('cross-entropy', build);
  chunked(rt, x, info, chunk, (f32, r0, n, o) => {
    for (let i = 0; i < n; i++) {
      const t = targets[r0 + i]!;
      f32[o.a + i] = t >= 0 && t < cols ? g[r0 + i]! : 0;
      f32[o.b + i] = lse[r0 + i]!;
    }
    k.grad!(o.x * 4, o.a * 4, o.b * 4, n, o.cp);
    for (let i = 0; i < n; i++) {
      const r = r0 + i;
      d.set(f32.subarray(i * o.cp, i * o.cp + cols), r * cols);
      const t = targets[r]!;
      if (t >= 0 && t < cols) d[r * cols + t] = d[r * cols + t]! - g[r]!;
    }
  });
}
