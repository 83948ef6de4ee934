import { type ParamWriter, SLOT_BYTES } from './batch.js';
import { MAX_RANK } from './layout.js';

/**
 * Uniform-struct layouts defined once in TypeScript: {@link defineUniforms} gives the WGSL
 * struct text (joined to the kernel source in sources.ts) and a typed writer that puts each
 * field at its word offset, so a kernel's struct and the code that fills it cannot drift apart.
 */

/** A 32-bit scalar, or up to MAX_RANK values packed as `array<vec4<T>, 2>` (16-byte aligned). */
export type FieldType = 'u32' | 'i32' | 'f32' | 'dims_u32' | 'dims_i32';
type Fields = Record<string, FieldType>;

/** The value a field takes: a number, or a list of up to MAX_RANK numbers for dims. */
export type UniformValues<F extends Fields> = {
  [K in keyof F]: F[K] extends 'dims_u32' | 'dims_i32' ? readonly number[] : number;
};

export interface Uniforms<F extends Fields> {
  /** `struct <name> { ... }` with the padding uniform layout rules ask for. */
  readonly wgsl: string;
  /** Word offset of each field. */
  readonly offsets: { readonly [K in keyof F]: number };
  /**
   * A batcher param writer for these values. Fields left out are written as 0: every slot is
   * written whole, so nothing from an earlier dispatch leaks into this one.
   */
  pack(values: Partial<UniformValues<F>>): ParamWriter;
}

/** Two vec4s hold MAX_RANK (8) values. */
const DIMS_WORDS = MAX_RANK;
const WGSL_TYPE: Record<FieldType, string> = {
  u32: 'u32',
  i32: 'i32',
  f32: 'f32',
  dims_u32: 'array<vec4<u32>, 2>',
  dims_i32: 'array<vec4<i32>, 2>',
};

export function defineUniforms<F extends Fields>(name: string, fields: F): Uniforms<F> {
  const entries = Object.entries(fields) as [keyof F & string, FieldType][];
  const lines: string[] = [];
  const offsets = {} as Record<keyof F, number>;
  let word = 0;
  let pads = 0;
  for (const [field, type] of entries) {
    const isDims = type === 'dims_u32' || type === 'dims_i32';
    // Uniform arrays of vec4 start on a 16-byte boundary.
    while (isDims && word % 4 !== 0) {
      lines.push(`  _pad${pads++}: u32,`);
      word++;
    }
    offsets[field] = word;
    lines.push(`  ${field}: ${WGSL_TYPE[type]},`);
    word += isDims ? DIMS_WORDS : 1;
  }
  const size = word;
  if (size * 4 > SLOT_BYTES)
    throw new Error(`webgpu: uniform struct ${name} needs ${size * 4} bytes; a slot has ${SLOT_BYTES}`);
  const wgsl = `struct ${name} {\n${lines.join('\n')}\n}`;
  return {
    wgsl,
    offsets,
    pack: (values) => (u, i, f, at) => {
      u.fill(0, at, at + size);
      for (const [field, type] of entries) {
        const v = values[field];
        if (v === undefined) continue;
        const o = at + offsets[field];
        if (type === 'u32') u[o] = v as number;
        else if (type === 'i32') i[o] = v as number;
        else if (type === 'f32') f[o] = v as number;
        else {
          const dims = v as readonly number[];
          const dst = type === 'dims_u32' ? u : i;
          for (let d = 0; d < MAX_RANK; d++) dst[o + d] = dims[d] ?? 0;
        }
      }
    },
  };
}
