import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { REDUCE_OPS, type ReduceOp } from '../../src/backends/backend.js';
import { ARITH, ARITH_OPS, COMPARE, COMPARE_OPS } from '../../src/backends/binary-ops.js';
import { reduceKernel } from '../../src/backends/cpu/reduce.js';
import { PIECEWISE_CONSTANT, UNARY, UNARY_OPS } from '../../src/backends/unary-ops.js';
import { SOURCES } from '../../src/backends/webgpu/sources.js';
import { gradRules } from '../../src/autograd/rules.js';
import { backendOf, conformanceBackends, onBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/reference.js';

/**
 * Every op of every family, walked from the op lists: each has a CPU kernel, a gradient rule
 * where it is differentiable, a case in the generated WGSL, a front-end function, and the
 * same values on every backend as on the CPU. A new op that misses any of these fails here
 * under its own name (most of them also fail to compile).
 */

const rules = gradRules as Record<string, unknown>;
const frontEnd = at as unknown as Record<string, ((...xs: (Tensor | number)[]) => Tensor) | undefined>;
/** Ops only defined for positive input (or above -1): sampled on positive values alone. */
const POSITIVE_ONLY = new Set<string>(['log', 'log1p', 'sqrt', 'rsqrt']);
const NOT_DIFFERENTIABLE_REDUCE = new Set<ReduceOp>(['argmax', 'argmin']);

/** The `case <id>u: { ... } // <op>` line the generated switch holds for `op`. */
function wgslCase(source: string, id: number, op: string): string | undefined {
  return source.split('\n').find((line) => line.trim().startsWith(`case ${id}u:`) && line.endsWith(`// ${op}`));
}

describe('every op is complete', () => {
  const elementwise = SOURCES.elementwise;

  for (const [id, op] of UNARY_OPS.entries()) {
    it(`unary ${op}: CPU kernel, WGSL case, front-end, gradient rule`, () => {
      expect(typeof UNARY[op].cpu, `${op} CPU kernel`).toBe('function');
      expect(UNARY[op].wgsl.length, `${op} WGSL expression`).toBeGreaterThan(0);
      // Both generated switches (f32 and i32) carry the op at its list position.
      const lines = elementwise
        .split('\n')
        .filter((l) => l.trim().startsWith(`case ${id}u:`) && l.endsWith(`// ${op}`));
      expect(lines.length, `${op} WGSL cases with id ${id}`).toBe(2);
      expect(typeof frontEnd[op], `at.${op}`).toBe('function');
      const differentiable = !(PIECEWISE_CONSTANT as readonly string[]).includes(op);
      expect(typeof rules[op], `${op} gradient rule`).toBe(differentiable ? 'function' : 'undefined');
    });
  }

  for (const [id, op] of [...ARITH_OPS, ...COMPARE_OPS].entries()) {
    it(`binary ${op}: CPU kernel, WGSL case, front-end, gradient rule`, () => {
      const def = op in ARITH ? ARITH[op as keyof typeof ARITH] : COMPARE[op as keyof typeof COMPARE];
      expect(typeof def.cpu, `${op} CPU kernel`).toBe('function');
      expect(wgslCase(elementwise, id, op), `${op} WGSL case with id ${id}`).toBeDefined();
      expect(typeof frontEnd[op], `at.${op}`).toBe('function');
      const isArith = (ARITH_OPS as readonly string[]).includes(op);
      expect(typeof rules[op], `${op} gradient rule`).toBe(isArith ? 'function' : 'undefined');
    });
  }

  for (const [id, op] of REDUCE_OPS.entries()) {
    it(`reduce ${op}: CPU kernel, WGSL id in use, front-end, gradient rule`, () => {
      const out = new Float64Array(1);
      out[0] = Number.NaN;
      reduceKernel(op, new Float64Array([1, 3, 2]), 1, 3, out);
      expect(Number.isNaN(out[0]), `${op} CPU kernel writes its output`).toBe(false);
      const name = `OP_${op.toUpperCase()}`;
      expect(SOURCES.reduce, `${op} WGSL id`).toContain(`const ${name}: u32 = ${id}u;`);
      // The kernel names the op somewhere besides the generated constant.
      expect(SOURCES.reduce.split(name).length - 1, `${op} used by kernels/reduce.wgsl`).toBeGreaterThan(1);
      expect(typeof frontEnd[op], `at.${op}`).toBe('function');
      const differentiable = !NOT_DIFFERENTIABLE_REDUCE.has(op);
      expect(typeof rules[op], `${op} gradient rule`).toBe(differentiable ? 'function' : 'undefined');
    });
  }
});

const MIXED = [-2.75, -1.5, -0.625, -0.125, 0.25, 0.75, 1.375, 2.5];
const POSITIVE = [0.125, 0.375, 0.8, 1.25, 1.9, 2.6, 3.3, 4.5];
const B_VALUES = [1.5, -1.5, 0.75, -0.125, 0.25, 2, -3, 1.375];

async function values(
  backend: at.BackendName,
  fn: (...xs: Tensor[]) => Tensor,
  inputs: number[][],
  shape: number[],
): Promise<number[]> {
  return at.scope(async () => {
    const xs = inputs.map((v) => at.tensor(v, { shape, backend }));
    return Array.from(await fn(...xs).data());
  });
}

for (const name of conformanceBackends().filter((b) => backendOf(b) !== 'cpu')) {
  const backend = backendOf(name);
  describe(`every op gives the CPU's values on ${name}`, () => {
    onBackend(name);
    const tol = { rtol: 2e-5, atol: 2e-6 };

    for (const op of UNARY_OPS) {
      it(`unary ${op}`, async () => {
        const fn = frontEnd[op];
        expect(typeof fn, `at.${op}`).toBe('function');
        const input = POSITIVE_ONLY.has(op) ? POSITIVE : MIXED;
        const want = await values('cpu', fn!, [input], [input.length]);
        const got = await values(backend, fn!, [input], [input.length]);
        expectClose(got, want, tol, `${op} on ${backend}`);
      });
    }

    for (const op of [...ARITH_OPS, ...COMPARE_OPS]) {
      it(`binary ${op}`, async () => {
        const fn = frontEnd[op];
        expect(typeof fn, `at.${op}`).toBe('function');
        const a = op === 'pow' ? POSITIVE : MIXED;
        const want = await values('cpu', fn!, [a, B_VALUES], [2, 4]);
        const got = await values(backend, fn!, [a, B_VALUES], [2, 4]);
        expectClose(got, want, tol, `${op} on ${backend}`);
      });
    }

    for (const op of REDUCE_OPS) {
      it(`reduce ${op}`, async () => {
        const fn = frontEnd[op];
        expect(typeof fn, `at.${op}`).toBe('function');
        const reduce = (x: Tensor) => fn!(x, 1);
        const want = await values('cpu', reduce, [MIXED], [2, 4]);
        const got = await values(backend, reduce, [MIXED], [2, 4]);
        expectClose(got, want, tol, `${op} on ${backend}`);
      });
    }
  });
}
