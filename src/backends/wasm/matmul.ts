import type { MatmulInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import { epilogue, foldSharedB } from '../cpu/matmul.js';
import { ModuleBuilder } from './emitter.js';
import { BackendError } from '../../core/errors.js';
import type { WasmRuntime } from './runtime.js';
import { PARALLEL_MIN_FLOPS, splitRanges } from './threads.js';

/**
 * float32 matmul as a WebAssembly SIMD kernel in the GotoBLAS shape: B packed into NR-column
 * panels ([k][NR] each), and an MR x NR register tile of f32x4 accumulators (MR·NR/4 of them)
 * swept over a K block of KC, so that one B panel block (KC·NR·4 bytes = 8 KiB) stays in L1
 * while the kernel runs down MC rows of A (in L2).
 *
 * A is read in place (one memcpy into the arena; the kernel's strides absorb transA); B is
 * packed (by packB in wasm, or in TypeScript when transposed). The padded C
 * ([mPanels·MR][nPanels·NR]) lets edge tiles run the full tile; only the valid part is copied
 * out. Accumulation is float32 (the TypeScript kernel accumulates in double; the conformance
 * tolerances cover the difference).
 */
export const MR = 4;
export const NR = 8;
const KC = 256;
/** The cache key of the gemm module (and its packB). */
export const GEMM_KEY = `gemm:${MR}x${NR}`;
/** A rows per M block, in panels (64 rows: MC·KC·4 bytes = 64 KiB of A stays in L2). */
const MC_PANELS = 16;

/**
 * Emits gemm(aPtr, aPanel, aStepP, aRow, bPtr, bPanel, bStepP, cPtr, mPanels, nPanels, k):
 * C = op(A) @ op(B) over padded tiles, every address in bytes. Element (i = ip*MR + r, p) of
 * op(A) is at aPtr + ip*aPanel + p*aStepP + r*aRow, and elements (p, jp*NR .. jp*NR+NR-1) of
 * op(B) are NR contiguous floats at bPtr + jp*bPanel + p*bStepP. These strides let the kernel
 * read a row-major A ([m, k]: aStepP 4, aRow 4k) or a transposed one ([k, m]: aStepP 4m, aRow 4)
 * where it lies, with no packing; B is packed into [k][NR] panels first (bPanel 4k·NR, bStepP
 * 4·NR; see emitPackB for why). C is [mPanels*MR][nPanels*NR]: the first K
 * block stores, later blocks accumulate. Lanes past m or n read neighbouring memory, which is
 * harmless: row i of C depends only on row i of op(A), column j only on column j of op(B), and
 * those padded rows and columns are never copied out.
 */
export function buildGemm(mr: number, nr: number): ModuleBuilder {
  const mod = new ModuleBuilder();
  const f = mod.function('gemm', new Array(11).fill('i32'));
  const [aPtr, aPanel, aStepP, aRow, bPtr, bPanel, bStepP, cPtr, mp, np, k] = f.params(11);
  const pc = f.local('i32');
  const kc = f.local('i32');
  const ic = f.local('i32');
  const icEnd = f.local('i32');
  const jp = f.local('i32');
  const ip = f.local('i32');
  const a = f.local('i32');
  const b = f.local('i32');
  const q = f.local('i32');
  const c = f.local('i32');
  const cRow = f.local('i32');
  const ldc = f.local('i32'); // bytes between C rows
  const rowOff = Array.from({ length: mr }, () => f.local('i32'));
  const vecs = nr / 4;
  const acc = Array.from({ length: mr * vecs }, () => f.local('v128'));
  const bv = Array.from({ length: vecs }, () => f.local('v128'));
  const av = f.local('v128');

  f.get(np)
    .i32(nr * 4)
    .op('i32.mul')
    .set(ldc);
  for (let r = 1; r < mr; r++) f.get(aRow).i32(r).op('i32.mul').set(rowOff[r]!);
  f.forRange(
    pc,
    () => f.i32(0),
    () => f.get(k),
    KC,
    () => {
      // kc = min(KC, k - pc)
      f.get(k).get(pc).op('i32.sub').i32(KC).get(k).get(pc).op('i32.sub').i32(KC).op('i32.lt_s').op('select').set(kc);
      f.forRange(
        ic,
        () => f.i32(0),
        () => f.get(mp),
        MC_PANELS,
        () => {
          f.get(ic).i32(MC_PANELS).op('i32.add').get(mp).get(ic).i32(MC_PANELS).op('i32.add').get(mp).op('i32.lt_s');
          f.op('select').set(icEnd);
          f.forRange(
            jp,
            () => f.i32(0),
            () => f.get(np),
            1,
            () => {
              f.forRange(
                ip,
                () => f.get(ic),
                () => f.get(icEnd),
                1,
                () => {
                  // a = aPtr + ip*aPanel + pc*aStepP; b = bPtr + jp*bPanel + pc*bStepP
                  f.get(aPtr).get(ip).get(aPanel).op('i32.mul').op('i32.add').get(pc).get(aStepP).op('i32.mul');
                  f.op('i32.add').set(a);
                  f.get(bPtr).get(jp).get(bPanel).op('i32.mul').op('i32.add').get(pc).get(bStepP).op('i32.mul');
                  f.op('i32.add').set(b);
                  // c = cPtr + ip*MR*ldc + jp*NR*4
                  f.get(cPtr).get(ip).i32(mr).op('i32.mul').get(ldc).op('i32.mul').op('i32.add');
                  f.get(jp)
                    .i32(nr * 4)
                    .op('i32.mul')
                    .op('i32.add')
                    .tee(c)
                    .set(cRow);
                  // The first K block starts from zero; later ones accumulate onto C.
                  f.get(pc).op('i32.eqz');
                  f.if(
                    () => {
                      for (const t of acc) f.f32x4(0).set(t);
                    },
                    () => {
                      for (let r = 0; r < mr; r++) {
                        for (let v = 0; v < vecs; v++)
                          f.get(cRow)
                            .simd('v128.load', v * 16)
                            .set(acc[r * vecs + v]!);
                        if (r < mr - 1) f.get(cRow).get(ldc).op('i32.add').set(cRow);
                      }
                    },
                  );
                  f.get(kc).set(q);
                  f.loop(() => {
                    for (let v = 0; v < vecs; v++)
                      f.get(b)
                        .simd('v128.load', v * 16)
                        .set(bv[v]!);
                    for (let r = 0; r < mr; r++) {
                      f.get(a);
                      if (r > 0) f.get(rowOff[r]!).op('i32.add');
                      f.simd('v128.load32_splat').set(av);
                      for (let v = 0; v < vecs; v++) {
                        const t = acc[r * vecs + v]!;
                        f.get(t).get(av).get(bv[v]!).simd('f32x4.mul').simd('f32x4.add').set(t);
                      }
                    }
                    f.get(a).get(aStepP).op('i32.add').set(a);
                    f.get(b).get(bStepP).op('i32.add').set(b);
                    f.get(q).i32(1).op('i32.sub').tee(q).brIf(0);
                  });
                  f.get(c).set(cRow);
                  for (let r = 0; r < mr; r++) {
                    for (let v = 0; v < vecs; v++)
                      f.get(cRow)
                        .get(acc[r * vecs + v]!)
                        .simd('v128.store', v * 16);
                    if (r < mr - 1) f.get(cRow).get(ldc).op('i32.add').set(cRow);
                  }
                },
              );
            },
          );
        },
      );
    },
  );
  emitPackB(mod, nr);
  return mod;
}

/**
 * Emits packB(src, dst, k, n, nPanels): a row-major [k, n] B at src into [nPanels][k][NR]
 * panels at dst, NR floats a step. Reading B in place would step n*4 bytes a row, and for n a
 * multiple of 512 every row of a panel lands in the same L1 set (measured: half the speed at
 * n = 1024); packed panels are contiguous. The last panel's lanes past n read the next row
 * (or the slack after B): those columns are never copied out.
 */
function emitPackB(mod: ModuleBuilder, nr: number): void {
  const f = mod.function('packB', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [src, dst, k, n, np] = f.params(5);
  const jp = f.local('i32');
  const p = f.local('i32');
  const s = f.local('i32');
  const d = f.local('i32');
  const rowBytes = f.local('i32');
  f.get(n).i32(4).op('i32.mul').set(rowBytes);
  f.get(dst).set(d);
  f.forRange(
    jp,
    () => f.i32(0),
    () => f.get(np),
    1,
    () => {
      f.get(src)
        .get(jp)
        .i32(nr * 4)
        .op('i32.mul')
        .op('i32.add')
        .set(s);
      f.forRange(
        p,
        () => f.i32(0),
        () => f.get(k),
        1,
        () => {
          for (let v = 0; v < nr / 4; v++)
            f.get(d)
              .get(s)
              .simd('v128.load', v * 16)
              .simd('v128.store', v * 16);
          f.get(d)
            .i32(nr * 4)
            .op('i32.add')
            .set(d);
          f.get(s).get(rowBytes).op('i32.add').set(s);
        },
      );
    },
  );
}

/** Packs a transposed b ([n, k]) into Bp[(jp*k + p)*NR + c] = b[(jp*NR + c)*k + p]; columns past n stay zero. */
function packTransposedB(b: Float32Array, off: number, k: number, n: number, dst: Float32Array, base: number): void {
  const np = Math.ceil(n / NR);
  if (n % NR !== 0) dst.fill(0, base + (np - 1) * k * NR, base + np * k * NR);
  for (let j = 0; j < n; j++) {
    const src = off + j * k;
    let d = base + (j >> 3) * k * NR + (j & 7);
    for (let p = 0; p < k; p++, d += NR) dst[d] = b[src + p]!;
  }
}

/** Bytes past the last region: padded lanes of the last tile may read up to a tile beyond. */
const SLACK_FLOATS = MR * NR * 4;

/**
 * out[batch, m, n] = act(op(a) @ op(b) + bias) for float32 operands, through the arena. Throws
 * WasmCapacityError (from reserve) when one batch's operands do not fit 4 GiB.
 */
export function matmulWasm(
  rt: WasmRuntime,
  a: Float32Array,
  b: Float32Array,
  bias: TypedArray | undefined,
  info: MatmulInfo,
  out: Float32Array,
): void {
  const { batch, m } = foldSharedB(info);
  const { n, k, transA, transB, aBatchStride, bBatchStride, activation } = info;
  const mn = m * n;
  if (mn === 0) return;
  if (k === 0) {
    out.fill(0);
    for (let bi = 0; bi < batch; bi++) {
      epilogue(out.subarray(bi * mn, (bi + 1) * mn), bias, activation, m, n, out, bi * mn, true);
    }
    return;
  }
  const mp = Math.ceil(m / MR);
  const np = Math.ceil(n / NR);
  const ldc = np * NR;
  const aFloats = m * k;
  const bFloats = np * NR * k;
  // An untransposed B is staged (one memcpy) and packed by the kernel module's packB.
  const stageFloats = transB ? 0 : k * n;
  const cFloats = mp * MR * ldc;
  // Regions: A, B, C, then slack for the padded lanes' reads past the end.
  const aBase = 0;
  const bBase = aFloats;
  const stageBase = bBase + bFloats;
  const cBase = stageBase + stageFloats + SLACK_FLOATS;
  // Padded rows of an untransposed A read up to MR-1 rows past A: keep those inside the arena.
  const total = Math.max(cBase + cFloats, aBase + mp * MR * k) + SLACK_FLOATS;
  const key = GEMM_KEY;
  const build = () => buildGemm(MR, NR);
  const pack = rt.kernel(key, build).packB!;
  // Strides in bytes, see buildGemm.
  const [aPanel, aStepP, aRow] = transA ? [MR * 4, m * 4, 4] : [MR * k * 4, 4, k * 4];
  const [bPanel, bStepP] = [k * NR * 4, NR * 4];
  // Row panels per thread: each slice writes its own rows of C, in the same K order as one thread.
  const slices = splitRanges(mp, 2 * m * n * k >= PARALLEL_MIN_FLOPS ? rt.threads : 1);
  for (let bi = 0; bi < batch; bi++) {
    const { f32 } = rt.reserve(total * 4, `matmul ${m}x${k}x${n}`);
    if (bi === 0 || bBatchStride !== 0) {
      const off = bi * bBatchStride;
      if (transB) packTransposedB(b, off, k, n, f32, bBase);
      else {
        f32.set(b.subarray(off, off + stageFloats), stageBase);
        pack(stageBase * 4, bBase * 4, k, n, np);
      }
    }
    if (bi === 0 || aBatchStride !== 0) f32.set(a.subarray(bi * aBatchStride, bi * aBatchStride + aFloats), aBase);
    const [aStrides, bArgs, cPanel] = [[aPanel, aStepP, aRow], [bBase * 4, bPanel, bStepP], MR * ldc * 4];
    const jobs = slices.map(([p0, p1]) => ({
      fn: 'gemm',
      args: [aBase * 4 + p0 * aPanel, ...aStrides, ...bArgs, cBase * 4 + p0 * cPanel, p1 - p0, np, k],
    }));
    rt.parallel(key, build, jobs);
    const cOff = bi * mn;
    if (ldc === n) {
      out.set(f32.subarray(cBase, cBase + mn), cOff);
    } else {
      for (let i = 0; i < m; i++) out.set(f32.subarray(cBase + i * ldc, cBase + i * ldc + n), cOff + i * n);
    }
    if (bias || activation !== 'none') epilogue(out.subarray(cOff, cOff + mn), bias, activation, m, n, out, cOff, true);
  }
}

/**
 * The LSTM recurrence X[m, k] @ op(W)[k, n] with W packed into the arena once: `x` and `y` are
 * arena views the caller writes X into and reads the product from (row stride `ldy`), so a step
 * is one gemm call and no copy. `extraFloats` more are reserved after `end` for the caller. The views stay valid until the next `reserve` that grows the
 * memory; `run` checks that and throws instead of computing on a detached view.
 */
export function recurrenceWasm(
  rt: WasmRuntime,
  w: Float32Array,
  m: number,
  k: number,
  n: number,
  transW: boolean,
  extraFloats = 0,
): { x: Float32Array; y: Float32Array; ldy: number; end: number; run(): void } {
  const mp = Math.ceil(m / MR);
  const np = Math.ceil(n / NR);
  const ldy = np * NR;
  const stageFloats = transW ? 0 : k * n;
  const bBase = 0;
  const stageBase = np * NR * k;
  const aBase = stageBase + stageFloats + SLACK_FLOATS;
  const cBase = aBase + mp * MR * k + SLACK_FLOATS;
  // The caller's own regions (extraFloats) start at `end`, reserved here in one go.
  const end = cBase + mp * MR * ldy + SLACK_FLOATS;
  const total = end + extraFloats;
  const kernel = rt.kernel(GEMM_KEY, () => buildGemm(MR, NR));
  const gemm = kernel.gemm!;
  const { f32 } = rt.reserve(total * 4, `LSTM recurrence ${m}x${k}x${n}`);
  if (transW) packTransposedB(w, 0, k, n, f32, bBase);
  else {
    f32.set(w.subarray(0, stageFloats), stageBase);
    kernel.packB!(stageBase * 4, bBase * 4, k, n, np);
  }
  // Padded rows of X are read by the last row panel; zeros keep them finite.
  f32.fill(0, aBase, cBase);
  const x = f32.subarray(aBase, aBase + m * k);
  const y = f32.subarray(cBase, cBase + m * ldy);
  return {
    x,
    y,
    ldy,
    end,
    run() {
      if (x.length === 0) throw new BackendError('LSTM recurrence: the WebAssembly memory grew under its views');
      gemm(aBase * 4, MR * k * 4, 4, k * 4, bBase * 4, k * NR * 4, NR * 4, cBase * 4, mp, np, k);
    },
  };
}
