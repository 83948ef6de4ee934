import { ACTIVATIONS, type Activation, REDUCE_OPS, type RandomInfo } from '../backend.js';
import { BINARY_OPS, type BinaryOp, binaryDef, isCompare } from '../binary-ops.js';
import { UNARY, UNARY_OPS, unaryDef } from '../unary-ops.js';

/**
 * WGSL generated from the TypeScript op lists, so op ids come from one place: an op's id is
 * its position in its list, both in the `switch` built here and in the `OP` override constant
 * the dispatch passes (see {@link opId}). Nothing is positional by hand, and no `default`
 * turns an unknown id into an op: the defaults are unreachable and return NaN (or 0 for int32),
 * which the conformance tests would catch.
 */

/** The id of `op` in `list`: the value of the kernel's OP override constant. */
export function opId<T extends string>(list: readonly T[], op: T): number {
  const id = list.indexOf(op);
  if (id < 0) throw new Error(`webgpu: unknown op '${op}'`);
  return id;
}

function switchOn<T extends string>(
  selector: string,
  list: readonly T[],
  body: (op: T) => string,
  fallback: string,
): string {
  const cases = list.map((op, id) => `    case ${id}u: { ${body(op)} } // ${op}`);
  return `  switch ${selector} {\n${cases.join('\n')}\n    default: { ${fallback} }\n  }`;
}

/** unary_f32 and unary_i32 for kernels/elementwise.wgsl, from the UNARY table. */
export function unaryWgsl(): string {
  const fns = UNARY_OPS.map((op) => unaryDef(op).wgslFns ?? '').filter((f) => f.length > 0);
  const f32 = switchOn('OP', UNARY_OPS, (op) => `return ${UNARY[op].wgsl};`, 'return f32_nan();');
  // int32 input without an int expression: computed in f32, truncated back like the CPU's store.
  const i32 = switchOn(
    'OP',
    UNARY_OPS,
    (op) => `return ${unaryDef(op).wgslInt ?? 'i32(trunc(unary_f32(f32(x))))'};`,
    'return 0;',
  );
  return [...fns, `fn unary_f32(x: f32) -> f32 {\n${f32}\n}`, `fn unary_i32(x: i32) -> i32 {\n${i32}\n}`].join('\n\n');
}

/**
 * binary_f32 and binary_i32 for kernels/elementwise.wgsl, from the ARITH and COMPARE tables:
 * each returns the output word (the value's bits for arithmetic, 0 or 1 for comparisons).
 */
export function binaryWgsl(): string {
  const word = (op: BinaryOp, expr: string) =>
    isCompare(op) ? `return select(0u, 1u, ${expr});` : `return bitcast<u32>(${expr});`;
  const f32 = switchOn('OP', BINARY_OPS, (op) => word(op, binaryDef(op).wgsl), 'return bitcast<u32>(f32_nan());');
  const i32 = switchOn('OP', BINARY_OPS, (op) => word(op, binaryDef(op).wgslInt), 'return 0u;');
  return [
    `fn binary_f32(a: f32, b: f32) -> u32 {\n${f32}\n}`,
    `fn binary_i32(a: i32, b: i32) -> u32 {\n${i32}\n}`,
  ].join('\n\n');
}

/** `const OP_SUM: u32 = 0u;` and so on, named after REDUCE_OPS, for kernels/reduce.wgsl. */
export function reduceIdsWgsl(): string {
  return REDUCE_OPS.map((op, id) => `const OP_${op.toUpperCase()}: u32 = ${id}u;`).join('\n');
}

/** Each matmul epilogue activation as a WGSL expression of `x` (the unary ops' own). */
const ACTIVATION_WGSL: Record<Activation, string> = {
  none: 'x',
  relu: UNARY.relu.wgsl,
  gelu: UNARY.gelu.wgsl,
  tanh: UNARY.tanh.wgsl,
  sigmoid: UNARY.sigmoid.wgsl,
};

/** `activate(act, x)` for the matmul epilogue; ids follow ACTIVATIONS. */
export function activationWgsl(): string {
  const body = switchOn('act', ACTIVATIONS, (a) => `return ${ACTIVATION_WGSL[a]};`, 'return f32_nan();');
  return `fn activate(act: u32, x: f32) -> f32 {\n${body}\n}`;
}

/**
 * The random distributions, keyed so a new kind without an id does not compile;
 * kernels/random.wgsl reads KIND against the constants {@link randomKindsWgsl} makes.
 */
const RANDOM_KIND_SET: Record<RandomInfo['kind'], true> = { uniform: true, normal: true, int: true };
export const RANDOM_KINDS = Object.keys(RANDOM_KIND_SET) as readonly RandomInfo['kind'][];

/** `const KIND_UNIFORM: u32 = 0u;` and so on, for kernels/random.wgsl. */
export function randomKindsWgsl(): string {
  return RANDOM_KINDS.map((k, id) => `const KIND_${k.toUpperCase()}: u32 = ${id}u;`).join('\n');
}
