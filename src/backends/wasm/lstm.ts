import type { LstmInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import type { LstmBackwardBuffers, LstmForwardBuffers } from '../cpu/lstm.js';
import { type FunctionBuilder, type Local, ModuleBuilder } from './emitter.js';
import { matmulWasm, recurrenceWasm } from './matmul.js';
import type { WasmRuntime } from './runtime.js';
import { emitSigmoidX4, emitTanhX4, mathScratch } from './simd-math.js';

/**
 * The LSTM forward and backward with everything per step in WebAssembly: the recurrence (one
 * gemm on W_hh packed once, see recurrenceWasm) and the gate math, one f32x4 of units at a time
 * (sigmoid and tanh from simd-math.ts), so no Math.exp or Math.tanh call per unit. The inputs
 * are copied into the arena once per call and the outputs out once; the step loop itself (which
 * rows a step touches under `lengths` and `reverse`) is the TypeScript kernel's
 * (src/backends/cpu/lstm.ts), its oracle. The row kernels are specialized for the hidden size
 * (the gate blocks are constant offsets apart), which must be a multiple of 4.
 */

/** Whether the fused kernels apply (whole f32x4 vectors of units); else the recurrence alone is wasm. */
export function lstmGatesFit(info: LstmInfo): boolean {
  return info.hidden % 4 === 0;
}

/** `for (j = 0; j < 4H; j += 16)` over the byte offset of one f32x4 of units. */
function unitLoop(f: FunctionBuilder, j: Local, H: number, body: () => void): void {
  f.forRange(
    j,
    () => f.i32(0),
    () => f.i32(4 * H),
    16,
    body,
  );
}

type L8 = [Local, Local, Local, Local, Local, Local, Local, Local];

/** n fresh v128 locals. */
const vecs = (f: FunctionBuilder, n: number) => Array.from({ length: n }, () => f.local('v128')) as unknown as L8;

/** Pushes (base + j), a row address plus the unit offset. */
const at = (f: FunctionBuilder, base: Local, j: Local) => f.get(base).get(j).op('i32.add');

/**
 * fwdRow(pre, x, gates, hPrev, cPrev, y, c, h), byte addresses of one batch row: the gate
 * pre-activations are pre + x (blocks i, f, g, o, H floats apart); writes the activated gates,
 * the state the step started from (hPrev, cPrev), the new c in place and the output y, which is
 * also the new h (written into the recurrence's input row).
 */
function emitForwardRow(mod: ModuleBuilder, H: number): void {
  const f = mod.function('fwdRow', new Array(8).fill('i32'));
  const [pre, x, g, hp, cp, y, c, h] = Array.from({ length: 8 }, (_, i) => f.param(i)) as L8;
  const j = f.local('i32');
  const [a, xa] = [f.local('i32'), f.local('i32')];
  const gate = vecs(f, 4);
  const [cv, cn, tv] = vecs(f, 3);
  const t = mathScratch(f);
  const blk = 4 * H; // bytes between gate blocks
  unitLoop(f, j, H, () => {
    at(f, pre, j).set(a);
    at(f, x, j).set(xa);
    for (let q = 0; q < 4; q++) {
      f.get(a)
        .simd('v128.load', q * blk)
        .get(xa)
        .simd('v128.load', q * blk)
        .simd('f32x4.add')
        .set(gate[q]!);
    }
    const [ig, fg, gg, og] = gate;
    for (const [q, v] of [
      [0, ig],
      [1, fg],
      [3, og],
    ] as const) {
      emitSigmoidX4(f, v, t);
      f.set(v);
      at(f, g, j)
        .get(v)
        .simd('v128.store', q * blk);
    }
    emitTanhX4(f, gg, t);
    f.set(gg);
    at(f, g, j)
      .get(gg)
      .simd('v128.store', 2 * blk);
    at(f, hp, j);
    at(f, h, j).simd('v128.load').simd('v128.store');
    at(f, c, j).simd('v128.load').set(cv);
    at(f, cp, j).get(cv).simd('v128.store');
    f.get(fg).get(cv).simd('f32x4.mul').get(ig).get(gg).simd('f32x4.mul').simd('f32x4.add').set(cn);
    at(f, c, j).get(cn).simd('v128.store');
    emitTanhX4(f, cn, t);
    f.get(og).simd('f32x4.mul').set(tv);
    at(f, y, j).get(tv).simd('v128.store');
    at(f, h, j).get(tv).simd('v128.store');
  });
}

/**
 * bwdRow(gates, cPrev, dy, dh, dc, dGates, step), byte addresses of one batch row: the gate
 * gradients from the carried dh (plus this step's dY) and dc, written to dGates and to the
 * recurrence's input row `step`; dc becomes dc·f in place.
 */
function emitBackwardRow(mod: ModuleBuilder, H: number): void {
  const f = mod.function('bwdRow', new Array(7).fill('i32'));
  const [g, cp, dy, dh, dc, dg, st] = Array.from({ length: 7 }, (_, i) => f.param(i)) as unknown as L8;
  const j = f.local('i32');
  const ga = f.local('i32');
  const [ig, fg, gg, og] = vecs(f, 4);
  const [cv, tc, dhv, dcv, tmp] = vecs(f, 5);
  const d = vecs(f, 4);
  const t = mathScratch(f);
  const blk = 4 * H; // bytes between gate blocks
  const one = () => f.f32x4(1);
  unitLoop(f, j, H, () => {
    at(f, g, j).set(ga);
    [ig, fg, gg, og].forEach((v, q) =>
      f
        .get(ga)
        .simd('v128.load', q * blk)
        .set(v),
    );
    at(f, cp, j).simd('v128.load').set(cv);
    f.get(fg).get(cv).simd('f32x4.mul').get(ig).get(gg).simd('f32x4.mul').simd('f32x4.add').set(tmp);
    emitTanhX4(f, tmp, t);
    f.set(tc);
    at(f, dh, j).simd('v128.load');
    at(f, dy, j).simd('v128.load').simd('f32x4.add').set(dhv);
    // dc + dh·o·(1 - tanh²)
    at(f, dc, j).simd('v128.load').get(dhv).get(og).simd('f32x4.mul');
    one().get(tc).get(tc).simd('f32x4.mul').simd('f32x4.sub').simd('f32x4.mul').simd('f32x4.add').set(dcv);
    const [di, df, dgg, dO] = d;
    // di = dc·g·i(1-i); df = dc·cPrev·f(1-f); dg = dc·i(1-g²); do = dh·tanh(c)·o(1-o)
    f.get(dcv).get(gg).simd('f32x4.mul').get(ig).simd('f32x4.mul');
    one().get(ig).simd('f32x4.sub').simd('f32x4.mul').set(di);
    f.get(dcv).get(cv).simd('f32x4.mul').get(fg).simd('f32x4.mul');
    one().get(fg).simd('f32x4.sub').simd('f32x4.mul').set(df);
    f.get(dcv).get(ig).simd('f32x4.mul');
    one().get(gg).get(gg).simd('f32x4.mul').simd('f32x4.sub').simd('f32x4.mul').set(dgg);
    f.get(dhv).get(tc).simd('f32x4.mul').get(og).simd('f32x4.mul');
    one().get(og).simd('f32x4.sub').simd('f32x4.mul').set(dO);
    at(f, dc, j).get(dcv).get(fg).simd('f32x4.mul').simd('v128.store');
    for (const base of [dg, st]) {
      at(f, base, j).set(ga);
      d.slice(0, 4).forEach((v, q) =>
        f
          .get(ga)
          .get(v)
          .simd('v128.store', q * blk),
      );
    }
  });
}

function rowKernels(rt: WasmRuntime, H: number) {
  return rt.kernel(`lstm:${H}`, () => {
    const mod = new ModuleBuilder();
    emitForwardRow(mod, H);
    emitBackwardRow(mod, H);
    return mod;
  });
}

/** Float offsets of consecutive regions, each rounded up to whole f32x4 vectors. */
function layout(start: number, sizes: readonly number[]): { at: number[]; end: number } {
  const offsets: number[] = [];
  let end = Math.ceil(start / 4) * 4;
  for (const s of sizes) {
    offsets.push(end);
    end += Math.ceil(s / 4) * 4;
  }
  return { at: offsets, end };
}

const lenOf = (lengths: TypedArray | undefined, b: number, T: number) => (lengths ? lengths[b]! : T);

export function lstmForwardWasm(
  rt: WasmRuntime,
  xProj: Float32Array,
  whh: Float32Array,
  h0: Float32Array,
  c0: Float32Array,
  lengths: TypedArray | undefined,
  info: LstmInfo,
  o: LstmForwardBuffers,
): void {
  const { steps: T, batch: B, hidden: H, reverse } = info;
  const G = 4 * H;
  const sizes = [T * B * G, T * B * G, T * B * H, T * B * H, (T + 2) * B * H, B * H];
  const extra = layout(0, sizes).end + 4;
  const rec = recurrenceWasm(rt, whh, B, H, G, true, extra);
  const fwdRow = rowKernels(rt, H).fwdRow!;
  const { at: off, end } = layout(rec.end, sizes);
  const [ox, og, ohp, ocp, oy, oc] = off as [number, number, number, number, number, number];
  const { f32 } = rt.reserve(end * 4, 'LSTM forward');
  f32.set(xProj, ox);
  // Padded steps leave their slots zero; the kernel writes every other slot.
  f32.fill(0, og, oc);
  f32.set(c0, oc);
  rec.x.set(h0);
  const hAddr = rec.x.byteOffset;
  const preAddr = rec.y.byteOffset;
  for (let s = 0; s < T; s++) {
    rec.run();
    for (let b = 0; b < B; b++) {
      const len = lenOf(lengths, b, T);
      if (s >= len) continue;
      const r = (reverse ? len - 1 - s : s) * B + b;
      const [gr, hr] = [r * G * 4, r * H * 4];
      const [pre, c, h] = [preAddr + b * rec.ldy * 4, oc * 4 + b * H * 4, hAddr + b * H * 4];
      fwdRow(pre, ox * 4 + gr, og * 4 + gr, ohp * 4 + hr, ocp * 4 + hr, oy * 4 + hr, c, h);
    }
  }
  o.y.set(f32.subarray(oy, oy + T * B * H));
  o.y.set(rec.x.subarray(0, B * H), T * B * H);
  o.y.set(f32.subarray(oc, oc + B * H), (T + 1) * B * H);
  o.gates.set(f32.subarray(og, og + T * B * G));
  o.hPrev.set(f32.subarray(ohp, ohp + T * B * H));
  o.cPrev.set(f32.subarray(ocp, ocp + T * B * H));
}

export function lstmBackwardWasm(
  rt: WasmRuntime,
  dY: Float32Array,
  whh: Float32Array,
  saved: { gates: Float32Array; hPrev: Float32Array; cPrev: Float32Array },
  lengths: TypedArray | undefined,
  info: LstmInfo,
  o: LstmBackwardBuffers,
): void {
  const { steps: T, batch: B, hidden: H, reverse } = info;
  const G = 4 * H;
  const sizes = [T * B * G, T * B * H, (T + 2) * B * H, B * H, B * H, T * B * G];
  const extra = layout(0, sizes).end + 4;
  const back = mats(rt, whh, B, G, H, extra);
  const bwdRow = rowKernels(rt, H).bwdRow!;
  const { at: off, end } = layout(back.end, sizes);
  const [og, ocp, ody, odh, odc, odg] = off as [number, number, number, number, number, number];
  const { f32 } = rt.reserve(end * 4, 'LSTM backward');
  f32.set(saved.gates, og);
  f32.set(saved.cPrev, ocp);
  f32.set(dY, ody);
  f32.set(dY.subarray(T * B * H, (T + 1) * B * H), odh);
  f32.set(dY.subarray((T + 1) * B * H, (T + 2) * B * H), odc);
  f32.fill(0, odg, odg + T * B * G);
  back.x.fill(0);
  const stepAddr = back.x.byteOffset;
  for (let s = T - 1; s >= 0; s--) {
    for (let b = 0; b < B; b++) {
      const len = lenOf(lengths, b, T);
      // A padded row feeds zeros to the recurrence; its dh and dc carry over.
      if (s >= len) {
        back.x.fill(0, b * G, (b + 1) * G);
        continue;
      }
      const r = (reverse ? len - 1 - s : s) * B + b;
      const [gr, hr, bh] = [r * G * 4, r * H * 4, b * H * 4];
      bwdRow(og * 4 + gr, ocp * 4 + hr, ody * 4 + hr, odh * 4 + bh, odc * 4 + bh, odg * 4 + gr, stepAddr + b * G * 4);
    }
    back.run();
    for (let b = 0; b < B; b++) {
      if (s >= lenOf(lengths, b, T)) continue;
      f32.copyWithin(odh + b * H, back.y.byteOffset / 4 + b * back.ldy, back.y.byteOffset / 4 + b * back.ldy + H);
    }
  }
  o.dGates.set(f32.subarray(odg, odg + T * B * G));
  o.dh0.set(f32.subarray(odh, odh + B * H));
  o.dc0.set(f32.subarray(odc, odc + B * H));
  // dW_hh = dGatesᵀ @ hPrev over all steps; matmulWasm reuses the arena from 0, so it runs last.
  matmulWasm(rt, o.dGates as Float32Array, saved.hPrev, undefined, mm(G, H, T * B), o.dWhh as Float32Array);
}

/** The backward recurrence dh = dGates_t @ W_hh ([B, 4H] @ [4H, H]). */
const mats = (rt: WasmRuntime, whh: Float32Array, B: number, G: number, H: number, extra: number) =>
  recurrenceWasm(rt, whh, B, G, H, false, extra);

/** [m, k]ᵀ... the dW_hh product: op(A) = dGatesᵀ ([G, T·B] from [T·B, G]), B = hPrev [T·B, H]. */
const mm = (m: number, n: number, k: number) => ({
  batch: 1,
  m,
  n,
  k,
  transA: true,
  transB: false,
  aBatchStride: 0,
  bBatchStride: 0,
  activation: 'none' as const,
});
