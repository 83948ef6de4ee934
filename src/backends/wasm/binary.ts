import type { BinaryOp, BroadcastInfo } from '../backend.js';
import { ModuleBuilder } from './emitter.js';
import type { WasmRuntime } from './runtime.js';

/**
 * Float32 elementwise add, sub, mul, div, maximum and minimum as WebAssembly SIMD, for the
 * layouts training spends its elementwise time in. The TypeScript row loops
 * (src/backends/binary-ops.ts) are the oracle; the results are bit for bit theirs, since both
 * round each exact result once to float32, and f32x4.min/max order NaN and ±0 as Math.min/max do
 * (only a NaN's sign bit may differ).
 *
 * Why it pays despite copying every operand into the arena and the result out: the TypeScript
 * loops run at 2.5–4 ns per element (their element loads see both Int32Array and Float32Array,
 * so V8 cannot specialise them, and the strided loop shape keeps a bounds check per access),
 * while three copies cost about 0.3 ns per element and the SIMD loop less.
 *
 * Layouts (each operand's mode: 'full' [rows, width], 'row' one [width] row for every row, or
 * 'scalar' one value): same shape (full, full), a scalar on either side, and a row broadcast on
 * either side (a bias or a LayerNorm gain over [positions, dim]) where the width is a multiple
 * of 4. Anything else, or fewer than {@link MIN_BINARY_ELEMENTS} elements, stays on TypeScript.
 */
const OPS = {
  add: 'f32x4.add',
  sub: 'f32x4.sub',
  mul: 'f32x4.mul',
  div: 'f32x4.div',
  maximum: 'f32x4.max',
  minimum: 'f32x4.min',
} as const;
type WasmBinaryOp = keyof typeof OPS;

/** Below this many output elements the call and the copies cost more than they save. */
export const MIN_BINARY_ELEMENTS = 1024;

type Mode = 'full' | 'row' | 'scalar';
const LAYOUTS: readonly (readonly [Mode, Mode])[] = [
  ['full', 'full'],
  ['full', 'scalar'],
  ['scalar', 'full'],
  ['full', 'row'],
  ['row', 'full'],
];

/** `${op}_${aMode}_${bMode}`(A, B, O, rows, rowBytes): byte addresses; rowBytes a multiple of 16. */
function build(): ModuleBuilder {
  const mod = new ModuleBuilder();
  for (const [op, instr] of Object.entries(OPS)) {
    for (const [ma, mb] of LAYOUTS) {
      const f = mod.function(`${op}_${ma}_${mb}`, ['i32', 'i32', 'i32', 'i32', 'i32']);
      const [A, B, O, rows, rowBytes] = f.params(5);
      const [r, j, base] = [f.local('i32'), f.local('i32'), f.local('i32')];
      const splat = f.local('v128');
      // A scalar operand is loaded once, into all four lanes.
      if (ma === 'scalar') f.get(A).simd('v128.load32_splat').set(splat);
      if (mb === 'scalar') f.get(B).simd('v128.load32_splat').set(splat);
      const operand = (p: typeof A, mode: Mode) => {
        if (mode === 'scalar') f.get(splat);
        else if (mode === 'row') f.get(p).get(j).op('i32.add').simd('v128.load');
        else f.get(p).get(base).op('i32.add').get(j).op('i32.add').simd('v128.load');
      };
      f.forRange(
        r,
        () => f.i32(0),
        () => f.get(rows),
        1,
        () => {
          f.get(r).get(rowBytes).op('i32.mul').set(base);
          f.forRange(
            j,
            () => f.i32(0),
            () => f.get(rowBytes),
            16,
            () => {
              f.get(O).get(base).op('i32.add').get(j).op('i32.add');
              operand(A, ma);
              operand(B, mb);
              f.simd(instr).simd('v128.store');
            },
          );
        },
      );
    }
  }
  return mod;
}

/** How a call maps onto the kernel: the operands' modes, and rows × width of the output. */
export interface BinaryLayout {
  op: WasmBinaryOp;
  modes: readonly [Mode, Mode];
  rows: number;
  width: number;
}

/** The kernel layout of a float32 binary op, or null when it stays on TypeScript. */
export function binaryLayout(op: BinaryOp, aLength: number, bLength: number, info: BroadcastInfo): BinaryLayout | null {
  const n = info.outSize;
  if (!(op in OPS) || n < MIN_BINARY_ELEMENTS) return null;
  const wasmOp = op as WasmBinaryOp;
  const whole = (len: number) => len === n;
  if (whole(aLength) && whole(bLength)) return { op: wasmOp, modes: ['full', 'full'], rows: 1, width: n };
  if (whole(aLength) && bLength === 1) return { op: wasmOp, modes: ['full', 'scalar'], rows: 1, width: n };
  if (aLength === 1 && whole(bLength)) return { op: wasmOp, modes: ['scalar', 'full'], rows: 1, width: n };
  // One operand is a single row repeated down the output: its strides are 0 but the last, 1.
  const width = info.outShape[info.outShape.length - 1] ?? 1;
  const isRow = (len: number, strides: readonly number[]) =>
    len === width && width % 4 === 0 && strides.every((s, i) => s === (i === strides.length - 1 ? 1 : 0));
  if (whole(aLength) && isRow(bLength, info.strides[1]!))
    return { op: wasmOp, modes: ['full', 'row'], rows: n / width, width };
  if (isRow(aLength, info.strides[0]!) && whole(bLength))
    return { op: wasmOp, modes: ['row', 'full'], rows: n / width, width };
  return null;
}

/** out = a op b in the given layout: operands copied into the arena, the result copied out. */
export function binaryWasm(
  rt: WasmRuntime,
  layout: BinaryLayout,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
): void {
  const { op, modes, rows } = layout;
  const pad = (len: number) => Math.ceil(len / 4) * 4;
  // A one-row output pads its width to whole vectors; the padding lanes are computed and dropped.
  const width = rows === 1 ? pad(layout.width) : layout.width;
  const n = out.length;
  const [oa, ob] = [0, pad(a.length)];
  const oo = ob + pad(b.length);
  const { f32 } = rt.reserve((oo + rows * width) * 4, `elementwise ${op} of ${n} elements`);
  f32.set(a, oa);
  f32.set(b, ob);
  const kernel = rt.kernel('binary', build)[`${op}_${modes[0]}_${modes[1]}`]!;
  kernel(oa * 4, ob * 4, oo * 4, rows, width * 4);
  out.set(f32.subarray(oo, oo + n));
}
