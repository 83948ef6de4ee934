import type { MatmulInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import { epilogue } from '../cpu/matmul.js';
import { ModuleBuilder } from './emitter.js';
import type { WasmRuntime } from './runtime.js';

/**
 * float32 matmul as a WebAssembly SIMD kernel in the GotoBLAS shape: A packed into MR-row
 * panels ([k][MR] each), B into NR-column panels ([k][NR]), and an MR x NR register tile of
 * f32x4 accumulators (MR·NR/4 of them) swept over a K block of KC so that one B panel (KC·NR·4
 * bytes = 8 KiB) stays in L1 while the kernel runs down MC rows of A (in L2).
 *
 * Packing is done here in TypeScript while copying the operands into the arena (the copy is
 * needed anyway, see runtime.ts); it absorbs transA/transB, so the kernel only sees panels. The
 * padded C ([mPanels·MR][nPanels·NR]) lets edge tiles run the full tile with zero rows and
 * columns; only the valid part is copied out. Accumulation is float32 (the TypeScript kernel
 * accumulates in double; the conformance tolerances cover the difference).
 */
export const MR = 4;
export const NR = 8;
const KC = 256;
/** A rows per M block, in panels (64 rows: MC·KC·4 bytes = 64 KiB of A stays in L2). */
const MC_PANELS = 16;

/** Emits gemm(aPtr, bPtr, cPtr, mPanels, nPanels, k): C += Ap @ Bp over padded panels. */
export function buildGemm(mr: number, nr: number): ModuleBuilder {
  const mod = new ModuleBuilder();
  const f = mod.function('gemm', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [aPtr, bPtr, cPtr, mp, np, k] = [0, 1, 2, 3, 4, 5].map((i) => f.param(i)) as [
    ReturnType<typeof f.param>,
    ReturnType<typeof f.param>,
    ReturnType<typeof f.param>,
    ReturnType<typeof f.param>,
    ReturnType<typeof f.param>,
    ReturnType<typeof f.param>,
  ];
  const pc = f.local('i32');
  const kc = f.local('i32');
  const ic = f.local('i32');
  const icEnd = f.local('i32');
  const jp = f.local('i32');
  const ip = f.local('i32');
  const a = f.local('i32');
  const b = f.local('i32');
  const bEnd = f.local('i32');
  const c = f.local('i32');
  const cRow = f.local('i32');
  const ldc = f.local('i32'); // bytes between C rows
  const vecs = nr / 4;
  const acc = Array.from({ length: mr * vecs }, () => f.local('v128'));
  const bv = Array.from({ length: vecs }, () => f.local('v128'));
  const av = f.local('v128');

  f.get(np)
    .i32(nr * 4)
    .op('i32.mul')
    .set(ldc);
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
                  // a = aPtr + (ip*k + pc)*MR*4; b = bPtr + (jp*k + pc)*NR*4
                  f.get(aPtr)
                    .get(ip)
                    .get(k)
                    .op('i32.mul')
                    .get(pc)
                    .op('i32.add')
                    .i32(mr * 4)
                    .op('i32.mul');
                  f.op('i32.add').set(a);
                  f.get(bPtr)
                    .get(jp)
                    .get(k)
                    .op('i32.mul')
                    .get(pc)
                    .op('i32.add')
                    .i32(nr * 4)
                    .op('i32.mul');
                  f.op('i32.add')
                    .tee(b)
                    .get(kc)
                    .i32(nr * 4)
                    .op('i32.mul')
                    .op('i32.add')
                    .set(bEnd);
                  // c = cPtr + ip*MR*ldc + jp*NR*4
                  f.get(cPtr).get(ip).i32(mr).op('i32.mul').get(ldc).op('i32.mul').op('i32.add');
                  f.get(jp)
                    .i32(nr * 4)
                    .op('i32.mul')
                    .op('i32.add')
                    .tee(c)
                    .set(cRow);
                  for (let r = 0; r < mr; r++) {
                    for (let v = 0; v < vecs; v++)
                      f.get(cRow)
                        .simd('v128.load', v * 16)
                        .set(acc[r * vecs + v]!);
                    if (r < mr - 1) f.get(cRow).get(ldc).op('i32.add').set(cRow);
                  }
                  f.loop(() => {
                    for (let v = 0; v < vecs; v++)
                      f.get(b)
                        .simd('v128.load', v * 16)
                        .set(bv[v]!);
                    for (let r = 0; r < mr; r++) {
                      f.get(a)
                        .simd('v128.load32_splat', r * 4)
                        .set(av);
                      for (let v = 0; v < vecs; v++) {
                        const t = acc[r * vecs + v]!;
                        f.get(t).get(av).get(bv[v]!).simd('f32x4.mul').simd('f32x4.add').set(t);
                      }
                    }
                    f.get(a)
                      .i32(mr * 4)
                      .op('i32.add')
                      .set(a);
                    f.get(b)
                      .i32(nr * 4)
                      .op('i32.add')
                      .tee(b)
                      .get(bEnd)
                      .op('i32.lt_u')
                      .brIf(0);
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
  return mod;
}

/** Ap[(ip*k + p)*MR + r] = op(a)[ip*MR + r, p]; rows past m stay zero (the arena was zeroed). */
function packA(
  a: TypedArray,
  off: number,
  trans: boolean,
  m: number,
  k: number,
  dst: Float32Array,
  base: number,
): void {
  if (trans) {
    // a is [k, m]: row p holds column p of op(a) for every i.
    for (let p = 0; p < k; p++) {
      const src = off + p * m;
      for (let i = 0; i < m; i++) dst[base + ((i >> 2) * k + p) * MR + (i & 3)] = a[src + i]!;
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const src = off + i * k;
    let d = base + (i >> 2) * k * MR + (i & 3);
    for (let p = 0; p < k; p++, d += MR) dst[d] = a[src + p]!;
  }
}

/** Bp[(jp*k + p)*NR + c] = op(b)[p, jp*NR + c]; columns past n stay zero. */
function packB(
  b: TypedArray,
  off: number,
  trans: boolean,
  k: number,
  n: number,
  dst: Float32Array,
  base: number,
): void {
  if (trans) {
    // b is [n, k]: row j is column j of op(b).
    for (let j = 0; j < n; j++) {
      const src = off + j * k;
      let d = base + (j >> 3) * k * NR + (j & 7);
      for (let p = 0; p < k; p++, d += NR) dst[d] = b[src + p]!;
    }
    return;
  }
  for (let p = 0; p < k; p++) {
    const src = off + p * n;
    for (let j = 0; j < n; j++) dst[base + ((j >> 3) * k + p) * NR + (j & 7)] = b[src + j]!;
  }
}

/**
 * out[batch, m, n] = act(op(a) @ op(b) + bias) for float32 operands, through the arena. Throws
 * WasmCapacityError (from reserve) when one batch's panels do not fit 4 GiB.
 */
export function matmulWasm(
  rt: WasmRuntime,
  a: TypedArray,
  b: TypedArray,
  bias: TypedArray | undefined,
  info: MatmulInfo,
  out: TypedArray,
): void {
  let { batch, m } = info;
  const { n, k, transA, transB, aBatchStride, bBatchStride, activation } = info;
  // A shared B with a contiguous, untransposed A stack is one [batch*m, k] @ [k, n].
  if (batch > 1 && bBatchStride === 0 && !transA && aBatchStride === m * k) {
    m *= batch;
    batch = 1;
  }
  const mn = m * n;
  if (mn === 0) return;
  if (k === 0) {
    out.fill(0);
    for (let bi = 0; bi < batch; bi++)
      epilogue(out.subarray(bi * mn, (bi + 1) * mn), bias, activation, m, n, out, bi * mn, true);
    return;
  }
  const mp = Math.ceil(m / MR);
  const np = Math.ceil(n / NR);
  const ldc = np * NR;
  const aFloats = mp * MR * k;
  const bFloats = np * NR * k;
  const cFloats = mp * MR * ldc;
  const aBase = 0;
  const bBase = aFloats;
  const cBase = aFloats + bFloats;
  const gemm = rt.kernel(`gemm:${MR}x${NR}`, () => buildGemm(MR, NR)).gemm!;
  const sharedB = bBatchStride === 0;
  for (let bi = 0; bi < batch; bi++) {
    const { f32 } = rt.reserve((cBase + cFloats) * 4, `matmul ${m}x${k}x${n}`);
    // Padding lanes must be zero: the last A and B panels and C (accumulated into).
    if (bi === 0 || !sharedB) {
      if (n % NR !== 0) f32.fill(0, bBase + (np - 1) * NR * k, bBase + bFloats);
      packB(b, bi * bBatchStride, transB, k, n, f32, bBase);
    }
    if (m % MR !== 0) f32.fill(0, aBase + (mp - 1) * MR * k, aBase + aFloats);
    packA(a, bi * aBatchStride, transA, m, k, f32, aBase);
    f32.fill(0, cBase, cBase + cFloats);
    gemm(aBase * 4, bBase * 4, cBase * 4, mp, np, k);
    const cOff = bi * mn;
    if (ldc === n) {
      out.set(f32.subarray(cBase, cBase + mn), cOff);
    } else {
      for (let i = 0; i < m; i++) out.set(f32.subarray(cBase + i * ldc, cBase + i * ldc + n), cOff + i * n);
    }
    if (bias || activation !== 'none') epilogue(out.subarray(cOff, cOff + mn), bias, activation, m, n, out, cOff, true);
  }
}
