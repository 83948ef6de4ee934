/**
 * Opcode tables of the WebAssembly emitter (emitter.ts), by their text-format names: the
 * 128-bit SIMD subset behind the 0xfd prefix, the plain one-byte opcodes, and the scalar loads
 * and stores with their natural alignment. Numbers from the WebAssembly core specification 2.0,
 * section 5.4 (instructions).
 */

/** SIMD opcodes (after the 0xfd prefix) used by the kernels, by their text-format names. */
export const SIMD = {
  'v128.load': 0x00,
  'v128.load32_splat': 0x09,
  'v128.store': 0x0b,
  'v128.const': 0x0c,
  'i32x4.splat': 0x11,
  'f32x4.splat': 0x13,
  'f32x4.extract_lane': 0x1f,
  'f32x4.replace_lane': 0x20,
  'f32x4.eq': 0x41,
  'f32x4.lt': 0x43,
  'f32x4.gt': 0x44,
  'v128.and': 0x4e,
  'v128.or': 0x50,
  'v128.bitselect': 0x52,
  'f32x4.nearest': 0x6a,
  'i32x4.shl': 0xab,
  'i32x4.add': 0xae,
  'f32x4.abs': 0xe0,
  'f32x4.neg': 0xe1,
  'f32x4.sqrt': 0xe3,
  'f32x4.add': 0xe4,
  'f32x4.sub': 0xe5,
  'f32x4.mul': 0xe6,
  'f32x4.div': 0xe7,
  'f32x4.min': 0xe8,
  'f32x4.max': 0xe9,
  'i32x4.trunc_sat_f32x4_s': 0xf8,
  'f32x4.convert_i32x4_s': 0xfa,
} as const;
export type SimdOp = keyof typeof SIMD;

/** Plain one-byte opcodes without immediates, by their text-format names. */
export const PLAIN = {
  drop: 0x1a,
  select: 0x1b,
  'i32.eqz': 0x45,
  'i32.eq': 0x46,
  'i32.ne': 0x47,
  'i32.lt_s': 0x48,
  'i32.lt_u': 0x49,
  'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b,
  'i32.le_s': 0x4c,
  'i32.ge_s': 0x4e,
  'f32.eq': 0x5b,
  'f32.lt': 0x5d,
  'f32.gt': 0x5e,
  'f32.le': 0x5f,
  'f32.ge': 0x60,
  'i32.add': 0x6a,
  'i32.sub': 0x6b,
  'i32.mul': 0x6c,
  'i32.div_s': 0x6d,
  'i32.rem_s': 0x6f,
  'i32.and': 0x71,
  'i32.or': 0x72,
  'i32.shl': 0x74,
  'i32.shr_s': 0x75,
  'i32.shr_u': 0x76,
  'f32.abs': 0x8b,
  'f32.neg': 0x8c,
  'f32.sqrt': 0x91,
  'f32.add': 0x92,
  'f32.sub': 0x93,
  'f32.mul': 0x94,
  'f32.div': 0x95,
  'f32.min': 0x96,
  'f32.max': 0x97,
  'f32.nearest': 0x90,
  'i32.trunc_f32_s': 0xa8,
  'f32.convert_i32_s': 0xb2,
  'f32.reinterpret_i32': 0xbe,
  'f64.add': 0xa0,
  'f64.mul': 0xa2,
  'f64.promote_f32': 0xbb,
  'f32.demote_f64': 0xb6,
} as const;
export type PlainOp = keyof typeof PLAIN;

/** Natural alignment (log2 bytes) of each memory access, the default memarg. */
export const LOADS = {
  'i32.load': [0x28, 2],
  'f32.load': [0x2a, 2],
  'f64.load': [0x2b, 3],
  'i32.store': [0x36, 2],
  'f32.store': [0x38, 2],
  'f64.store': [0x39, 3],
} as const;
export type MemOp = keyof typeof LOADS;
