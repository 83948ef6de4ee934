import type { MfBprInfo, MfSgdInfo } from '../backend.js';
import type { MfArrays } from '../cpu/mf.js';
import { type FunctionBuilder, type Local, ModuleBuilder, type ValType } from './emitter.js';
import type { WasmRuntime } from './runtime.js';
import { emitSigmoidX4, mathScratch } from './simd-math.js';

/**
 * The MF SGD and BPR updates as WebAssembly SIMD, rows in order exactly as their TypeScript
 * twins (src/backends/cpu/mf.ts, the oracles), in float32: the factor rows are k floats, whole
 * f32x4 vectors (k a multiple of 4), and the kernel is specialized for k, so the dot product
 * and the update are unrolled with constant offsets. The tables and the call's rows are copied
 * into the arena and the tables back out once per call; the CPU models pass a whole epoch per
 * call, so that copy is O(table) against O(rows·k) work.
 */
export function mfFits(k: number): boolean {
  return k % 4 === 0 && k > 0;
}

/** Pushes the horizontal sum of the four lanes of v. */
function hsum(f: FunctionBuilder, v: Local): void {
  f.get(v).simd('f32x4.extract_lane', 0).get(v).simd('f32x4.extract_lane', 1).op('f32.add');
  f.get(v).simd('f32x4.extract_lane', 2).get(v).simd('f32x4.extract_lane', 3).op('f32.add').op('f32.add');
}

/** Common skeleton: row loop over `count` rows with pointers into the index columns. */
interface RowCtx {
  f: FunctionBuilder;
  r: Local;
  count: Local;
}

function rowLoop({ f, r, count }: RowCtx, body: () => void): void {
  f.forRange(
    r,
    () => f.i32(0),
    () => f.get(count),
    1,
    body,
  );
}

/** Pushes base + 4·(column[r]), the table row address (column holds int32 ids). */
function rowAddr(f: FunctionBuilder, table: Local, column: Local, r: Local, rowBytes: number): void {
  f.get(table).get(column).get(r).i32(4).op('i32.mul').op('i32.add').mem('i32.load').i32(rowBytes).op('i32.mul');
  f.op('i32.add');
}

/**
 * mfSgd(P, Q, BU, BI, users, items, ratings, loss, count, hasLoss, biases, lr, reg, lrBias,
 * regBias, mean), addresses in bytes; see MfSgdInfo for the update.
 */
function emitSgd(mod: ModuleBuilder, k: number): void {
  const types: ValType[] = [...new Array(11).fill('i32'), 'f32', 'f32', 'f32', 'f32', 'f32'];
  const f = mod.function('mfSgd', types);
  const [P, Q, BU, BI, US, IS, RS, LS, count, hasLoss, biases, lr, reg, lrBias, regBias, mean] = f.params(16);
  const r = f.local('i32');
  const [p, q, bu, bi] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
  const [e, dot] = [f.local('f32'), f.local('f32')];
  const [acc0, acc1, pv, qv, ev, lrv, regv] = f.localsOf('v128', 7);
  const rowBytes = k * 4;
  f.get(lr).simd('f32x4.splat').set(lrv);
  f.get(reg).simd('f32x4.splat').set(regv);
  rowLoop({ f, r, count }, () => {
    rowAddr(f, P, US, r, rowBytes);
    f.set(p);
    rowAddr(f, Q, IS, r, rowBytes);
    f.set(q);
    // Two accumulators halve the add latency chain of the dot product.
    f.f32x4(0).set(acc0).f32x4(0).set(acc1);
    for (let v = 0; v < k / 4; v++) {
      const acc = v % 2 === 0 ? acc0 : acc1;
      f.get(acc)
        .get(p)
        .simd('v128.load', v * 16)
        .get(q)
        .simd('v128.load', v * 16)
        .simd('f32x4.mul');
      f.simd('f32x4.add').set(acc);
    }
    f.get(acc0).get(acc1).simd('f32x4.add').set(acc0);
    hsum(f, acc0);
    f.set(dot);
    // bu, bi: addresses of this row's biases (read and written only with `biases`).
    f.get(BU).get(US).get(r).i32(4).op('i32.mul').op('i32.add').mem('i32.load').i32(4).op('i32.mul').op('i32.add');
    f.set(bu);
    f.get(BI).get(IS).get(r).i32(4).op('i32.mul').op('i32.add').mem('i32.load').i32(4).op('i32.mul').op('i32.add');
    f.set(bi);
    // e = rating - (mean + [bu + bi] + dot)
    f.get(RS).get(r).i32(4).op('i32.mul').op('i32.add').mem('f32.load');
    f.get(mean).get(dot).op('f32.add');
    // Without biases their (in-arena, unused) values are loaded and dropped by the select.
    f.get(bu).mem('f32.load').get(bi).mem('f32.load').op('f32.add').f32(0).get(biases).op('select');
    f.op('f32.add').op('f32.sub').set(e);
    f.get(hasLoss);
    f.if(() => f.get(LS).get(r).i32(4).op('i32.mul').op('i32.add').get(e).get(e).op('f32.mul').mem('f32.store'));
    f.get(biases);
    f.if(() => {
      for (const b of [bu, bi]) {
        // b += lrBias (e - regBias b)
        f.get(b).get(b).mem('f32.load').get(lrBias).get(e).get(regBias).get(b).mem('f32.load').op('f32.mul');
        f.op('f32.sub').op('f32.mul').op('f32.add').mem('f32.store');
      }
    });
    f.get(e).simd('f32x4.splat').set(ev);
    for (let v = 0; v < k / 4; v++) {
      const o = v * 16;
      f.get(p).simd('v128.load', o).set(pv);
      f.get(q).simd('v128.load', o).set(qv);
      // p += lr (e q - reg p); q += lr (e p - reg q), both from the old values
      for (const [dst, own, other] of [
        [p, pv, qv],
        [q, qv, pv],
      ] as const) {
        f.get(dst).get(own).get(lrv).get(ev).get(other).simd('f32x4.mul').get(regv).get(own).simd('f32x4.mul');
        f.simd('f32x4.sub').simd('f32x4.mul').simd('f32x4.add').simd('v128.store', o);
      }
    }
  });
}

/**
 * mfBpr(P, Q, BI, users, pos, neg, x, count, lr, reg, regBias): see MfBprInfo. Writes each row's
 * x_uij (before its update) to `x`; the caller turns it into the loss, since WebAssembly has no
 * log.
 */
function emitBpr(mod: ModuleBuilder, k: number): void {
  const types: ValType[] = [...new Array(8).fill('i32'), 'f32', 'f32', 'f32'];
  const f = mod.function('mfBpr', types);
  const [P, Q, BI, US, IS, JS, XS, count, lr, reg, regBias] = f.params(11);
  const r = f.local('i32');
  const [p, qi, qj, bi, bj] = f.localsOf('i32', 5);
  const [x, g] = [f.local('f32'), f.local('f32')];
  const [acc, pv, qiv, qjv, gv, lrv, regv, xv] = f.localsOf('v128', 8);
  const t = mathScratch(f);
  const rowBytes = k * 4;
  f.get(lr).simd('f32x4.splat').set(lrv);
  f.get(reg).simd('f32x4.splat').set(regv);
  rowLoop({ f, r, count }, () => {
    rowAddr(f, P, US, r, rowBytes);
    f.set(p);
    rowAddr(f, Q, IS, r, rowBytes);
    f.set(qi);
    rowAddr(f, Q, JS, r, rowBytes);
    f.set(qj);
    rowAddr(f, BI, IS, r, 4);
    f.set(bi);
    rowAddr(f, BI, JS, r, 4);
    f.set(bj);
    f.f32x4(0).set(acc);
    for (let v = 0; v < k / 4; v++) {
      const o = v * 16;
      f.get(acc).get(p).simd('v128.load', o).get(qi).simd('v128.load', o).get(qj).simd('v128.load', o);
      f.simd('f32x4.sub').simd('f32x4.mul').simd('f32x4.add').set(acc);
    }
    // x = b_i - b_j + p·(q_i - q_j); g = sigmoid(-x)
    f.get(bi).mem('f32.load').get(bj).mem('f32.load').op('f32.sub');
    hsum(f, acc);
    f.op('f32.add').set(x);
    f.get(XS).get(r).i32(4).op('i32.mul').op('i32.add').get(x).mem('f32.store');
    f.get(x).op('f32.neg').simd('f32x4.splat').set(xv);
    emitSigmoidX4(f, xv, t);
    f.simd('f32x4.extract_lane', 0).set(g);
    // b_i += lr (g - regBias b_i); b_j += lr (-g - regBias b_j)
    for (const [b, sign] of [
      [bi, 1],
      [bj, -1],
    ] as const) {
      f.get(b).get(b).mem('f32.load').get(lr).get(g);
      if (sign < 0) f.op('f32.neg');
      f.get(regBias).get(b).mem('f32.load').op('f32.mul').op('f32.sub').op('f32.mul').op('f32.add').mem('f32.store');
    }
    f.get(g).simd('f32x4.splat').set(gv);
    for (let v = 0; v < k / 4; v++) {
      const o = v * 16;
      f.get(p).simd('v128.load', o).set(pv);
      f.get(qi).simd('v128.load', o).set(qiv);
      f.get(qj).simd('v128.load', o).set(qjv);
      // p += lr (g (q_i - q_j) - reg p)
      f.get(p).get(pv).get(lrv).get(gv).get(qiv).get(qjv).simd('f32x4.sub').simd('f32x4.mul');
      f.get(regv).get(pv).simd('f32x4.mul').simd('f32x4.sub').simd('f32x4.mul').simd('f32x4.add');
      f.simd('v128.store', o);
      // q_i += lr (g p - reg q_i)
      f.get(qi).get(qiv).get(lrv).get(gv).get(pv).simd('f32x4.mul').get(regv).get(qiv).simd('f32x4.mul');
      f.simd('f32x4.sub').simd('f32x4.mul').simd('f32x4.add').simd('v128.store', o);
      // q_j += lr (-g p - reg q_j) = q_j - lr (g p + reg q_j)
      f.get(qj).get(qjv).get(lrv).get(gv).get(pv).simd('f32x4.mul').get(regv).get(qjv).simd('f32x4.mul');
      f.simd('f32x4.add').simd('f32x4.mul').simd('f32x4.sub').simd('v128.store', o);
    }
  });
}

function kernels(rt: WasmRuntime, k: number) {
  return rt.kernel(`mf:${k}`, () => {
    const mod = new ModuleBuilder();
    emitSgd(mod, k);
    emitBpr(mod, k);
    return mod;
  });
}

/** Float offsets of consecutive regions, each rounded up to whole f32x4 vectors. */
function layout(sizes: readonly number[]): { at: number[]; end: number } {
  const at: number[] = [];
  let end = 0;
  for (const s of sizes) {
    at.push(end);
    end += Math.ceil(s / 4) * 4;
  }
  return { at, end };
}

/** Copies the tables into the arena at `at[0..3]`; returns a function that copies them back. */
function stageTables(f32: Float32Array, t: MfArrays, at: readonly number[]): () => void {
  const arrays = [t.p, t.q, t.bu, t.bi];
  arrays.forEach((a, i) => f32.set(a, at[i]!));
  return () => arrays.forEach((a, i) => a.set(f32.subarray(at[i]!, at[i]! + a.length)));
}

export function mfSgdWasm(
  rt: WasmRuntime,
  t: MfArrays,
  users: Int32Array,
  items: Int32Array,
  ratings: Float32Array,
  loss: Float32Array | undefined,
  info: MfSgdInfo,
): void {
  const { k, start, count } = info;
  const { at, end } = layout([t.p.length, t.q.length, t.bu.length, t.bi.length, count, count, count, count]);
  const { f32, i32 } = rt.reserve(end * 4, `MF SGD (${count} rows, k ${k})`);
  const unstage = stageTables(f32, t, at);
  const [, , , , ou, oi, or, ol] = at as number[];
  i32.set(users.subarray(start, start + count), ou!);
  i32.set(items.subarray(start, start + count), oi!);
  f32.set(ratings.subarray(start, start + count), or!);
  const B = 4;
  const [ap, aq, abu, abi] = at.map((x) => x * B) as [number, number, number, number];
  const { lr, reg, lrBias, regBias, mean, biases } = info;
  const flags = [count, loss ? 1 : 0, biases ? 1 : 0];
  kernels(rt, k).mfSgd!(ap, aq, abu, abi, ou! * B, oi! * B, or! * B, ol! * B, ...flags, lr, reg, lrBias, regBias, mean);
  unstage();
  if (loss) loss.set(f32.subarray(ol!, ol! + count), start);
}

export function mfBprWasm(
  rt: WasmRuntime,
  t: MfArrays,
  users: Int32Array,
  pos: Int32Array,
  neg: Int32Array,
  loss: Float32Array | undefined,
  info: MfBprInfo,
): void {
  const { k, start, count } = info;
  const { at, end } = layout([t.p.length, t.q.length, t.bu.length, t.bi.length, count, count, count, count]);
  const { f32, i32 } = rt.reserve(end * 4, `BPR (${count} rows, k ${k})`);
  const unstage = stageTables(f32, t, at);
  const [ap, aq, , abi, ou, oi, oj, ox] = at as number[];
  i32.set(users.subarray(start, start + count), ou!);
  i32.set(pos.subarray(start, start + count), oi!);
  i32.set(neg.subarray(start, start + count), oj!);
  const B = 4;
  const addr = [ap!, aq!, abi!, ou!, oi!, oj!, ox!].map((x) => x * B);
  kernels(rt, k).mfBpr!(...addr, count, info.lr, info.reg, info.regBias);
  unstage();
  if (!loss) return;
  // -log sigmoid(x) = softplus(-x), as the TypeScript twin writes it (finite for any x).
  for (let r = 0; r < count; r++) {
    const x = f32[ox! + r]!;
    loss[start + r] = x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
  }
}
