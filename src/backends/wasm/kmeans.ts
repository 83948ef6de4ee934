import type { KmeansInfo } from '../backend.js';
import { ModuleBuilder } from './emitter.js';
import type { WasmRuntime } from './runtime.js';

/**
 * The k-means assignment as WebAssembly SIMD, float32: the centroids are transposed to [d][kp]
 * (kp = k rounded up to 4, the padding lanes NaN so they never win), and each point's squared
 * distances to four centroids at once are summed term by term, (x_f - c_f)² in order of f, as
 * the TypeScript twin (src/backends/cpu/kmeans.ts, the oracle) does; then the lanes are scanned
 * in order with `<`, so the first of equal distances wins and a NaN distance never does (a row
 * of NaN keeps label 0 and distance Infinity). The twin sums in double and rounds once, so a
 * near tie may pick the other centroid; the distances agree to float32 rounding.
 */

/** assign(x, cT, labels, dist, n, d, kp): byte addresses; see above. */
function buildAssign(): ModuleBuilder {
  const mod = new ModuleBuilder();
  const f = mod.function('assign', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [X, CT, L, D, n, d, kp] = f.params(7);
  const [i, blk, fi, xr, cp] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
  const best = f.local('i32');
  const [bestD, s] = [f.local('f32'), f.local('f32')];
  const [acc, t] = [f.local('v128'), f.local('v128')];
  f.forRange(
    i,
    () => f.i32(0),
    () => f.get(n),
    1,
    () => {
      f.get(X).get(i).get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(xr);
      f.i32(0).set(best);
      f.f32(Number.POSITIVE_INFINITY).set(bestD);
      f.forRange(
        blk,
        () => f.i32(0),
        () => f.get(kp),
        4,
        () => {
          f.f32x4(0).set(acc);
          // cp walks column blk of cT: cT[f][blk..blk+3] for f = 0..d-1.
          f.get(CT).get(blk).i32(4).op('i32.mul').op('i32.add').set(cp);
          f.forRange(
            fi,
            () => f.i32(0),
            () => f.get(d),
            1,
            () => {
              f.get(xr).get(fi).i32(4).op('i32.mul').op('i32.add').simd('v128.load32_splat');
              f.get(cp).simd('v128.load').simd('f32x4.sub').set(t);
              f.get(acc).get(t).get(t).simd('f32x4.mul').simd('f32x4.add').set(acc);
              f.get(cp).get(kp).i32(4).op('i32.mul').op('i32.add').set(cp);
            },
          );
          for (let l = 0; l < 4; l++) {
            f.get(acc).simd('f32x4.extract_lane', l).tee(s).get(bestD).op('f32.lt');
            f.if(() => {
              f.get(s).set(bestD);
              f.get(blk).i32(l).op('i32.add').set(best);
            });
          }
        },
      );
      f.get(L).get(i).i32(4).op('i32.mul').op('i32.add').get(best).mem('i32.store');
      f.get(D).get(i).i32(4).op('i32.mul').op('i32.add').get(bestD).mem('f32.store');
    },
  );
  return mod;
}

export function kmeansAssignWasm(
  rt: WasmRuntime,
  x: Float32Array,
  c: Float32Array,
  info: KmeansInfo,
  labels: Int32Array,
  distances: Float32Array,
): void {
  const { n, d, k } = info;
  if (n === 0) return;
  const kp = Math.ceil(k / 4) * 4;
  const xFloats = Math.ceil((n * d) / 4) * 4;
  const [ox, oc, ol, od] = [0, xFloats, xFloats + d * kp, xFloats + d * kp + Math.ceil(n / 4) * 4];
  const total = od + n;
  const { f32 } = rt.reserve(total * 4, `k-means assignment (n ${n}, d ${d}, k ${k})`);
  f32.set(x.subarray(0, n * d), ox);
  f32.fill(Number.NaN, oc, oc + d * kp);
  for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) f32[oc + f * kp + j] = c[j * d + f]!;
  rt.kernel('kmeans', buildAssign).assign!(ox * 4, oc * 4, ol * 4, od * 4, n, d, kp);
  labels.set(new Int32Array(f32.buffer, ol * 4, n));
  distances.set(f32.subarray(od, od + n));
}
