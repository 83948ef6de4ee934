import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activation, BroadcastInfo, Handle, MatmulInfo, RandomInfo } from '../../src/backends/backend.js';
import { ARITH_OPS, COMPARE_OPS, REDUCE_OPS, UNARY_OPS } from '../../src/backends/backend.js';
import { createWebGPUBackend, type WebGPUBackend } from '../../src/backends/webgpu/index.js';
import type { DType } from '../../src/core/dtype.js';
import { philoxFill } from '../../src/core/philox.js';
import { erfRef } from '../conformance/erf-reference.js';
import { broadcastShapes, broadcastStrides, sizeOf } from '../../src/core/shape.js';

/**
 * Every WebGPU primitive against a plain-loop reference computed here in float64. Without a
 * GPU this runs on SwiftShader (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json);
 * with ATTUNE_REQUIRE_WEBGPU=1 a missing adapter fails the suite instead of skipping it.
 */
const required = process.env.ATTUNE_REQUIRE_WEBGPU === '1';
let lostCalls = 0;
const created = await createWebGPUBackend(() => lostCalls++).catch((e: unknown) => e as Error);
const available = !(created instanceof Error);
const be = (available ? created : undefined) as WebGPUBackend;

afterAll(() => {
  if (available) be.destroy();
});

it('finds a WebGPU adapter whenever ATTUNE_REQUIRE_WEBGPU=1', () => {
  if (required && !available) throw created;
  expect(available || !required).toBe(true);
});

// ---- helpers ----

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randArray(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

function randInts(n: number, seed: number, lo: number, hi: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => lo + Math.floor((hi - lo) * r()));
}

const up = (values: ArrayLike<number>, dtype: DType = 'float32'): Handle =>
  be.upload(dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values), dtype);

async function take(h: Handle): Promise<number[]> {
  const v = Array.from(await be.read(h));
  be.dispose(h);
  return v;
}

function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-6,
  what = '',
): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      expect(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`).toBe(true);
      continue;
    }
    if (!Number.isFinite(e)) {
      expect(a, `${what}[${i}]`).toBe(e);
      continue;
    }
    const tol = atol + rtol * Math.abs(e);
    if (!(Math.abs(a - e) <= tol)) {
      throw new Error(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${tol})`);
    }
  }
}

function bcast(a: number[], b: number[]): BroadcastInfo {
  const outShape = broadcastShapes('test', a, b);
  return {
    outShape,
    outSize: sizeOf(outShape),
    strides: [broadcastStrides(a, outShape), broadcastStrides(b, outShape)],
  };
}

/** Reads input k of a broadcast at output element i. */
function at(values: ArrayLike<number>, info: BroadcastInfo, k: number, i: number): number {
  let rem = i;
  let off = 0;
  for (let d = info.outShape.length - 1; d >= 0; d--) {
    const n = info.outShape[d]!;
    off += (rem % n) * info.strides[k]![d]!;
    rem = Math.floor(rem / n);
  }
  return values[off]!;
}

const f32 = (x: number) => Math.fround(x);

// ---- references ----

const roundHalfEven = (v: number) => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const UNARY_REF: Record<(typeof UNARY_OPS)[number], (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => Math.max(x, 0),
  gelu,
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  sin: Math.sin,
  cos: Math.cos,
  sign: Math.sign,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  expm1: Math.expm1,
  erf: erfRef,
};

function numpyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

const ARITH_REF: Record<(typeof ARITH_OPS)[number], (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: Math.max,
  minimum: Math.min,
  mod: numpyMod,
};
const COMPARE_REF: Record<(typeof COMPARE_OPS)[number], (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};

function matmulRef(a: Float32Array, b: Float32Array, bias: Float32Array | undefined, info: MatmulInfo): Float64Array {
  const { batch, m, n, k } = info;
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = a[t * info.aBatchStride + (info.transA ? p * m + i : i * k + p)]!;
          const bv = b[t * info.bBatchStride + (info.transB ? j * k + p : p * n + j)]!;
          s += av * bv;
        }
        if (bias) s += bias[j]!;
        out[(t * m + i) * n + j] = ACT_REF[info.activation](s);
      }
    }
  }
  return out;
}

const ACT_REF: Record<Activation, (x: number) => number> = {
  none: (x) => x,
  relu: (x) => Math.max(x, 0),
  gelu,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

async function runMatmul(info: Omit<MatmulInfo, 'bias'> & { withBias?: boolean }, seed: number): Promise<void> {
  const aLen = (info.aBatchStride === 0 ? 1 : info.batch) * info.m * info.k;
  const bLen = (info.bBatchStride === 0 ? 1 : info.batch) * info.k * info.n;
  const a = randArray(aLen, seed);
  const b = randArray(bLen, seed + 1);
  const bias = info.withBias ? randArray(info.n, seed + 2) : undefined;
  const ha = up(a);
  const hb = up(b);
  const hbias = bias ? up(bias) : undefined;
  const full: MatmulInfo = { ...info, bias: hbias };
  const out = await take(be.matmul(ha, hb, full));
  be.dispose(ha);
  be.dispose(hb);
  if (hbias) be.dispose(hbias);
  expectClose(out, matmulRef(a, b, bias, full), 1e-4, 1e-4 * Math.sqrt(info.k + 1), `matmul ${JSON.stringify(info)}`);
}

function mmInfo(
  batch: number,
  m: number,
  k: number,
  n: number,
  o: Partial<MatmulInfo> = {},
): MatmulInfo & { withBias?: boolean } {
  return {
    batch,
    m,
    n,
    k,
    transA: false,
    transB: false,
    aBatchStride: m * k,
    bBatchStride: k * n,
    activation: 'none',
    ...o,
  };
}

// ---- tests ----

describe.runIf(available)('webgpu backend', () => {
  it('describes its adapter and supports float32 and int32 only', () => {
    expect(be.name).toBe('webgpu');
    expect(be.description.length).toBeGreaterThan(0);
    expect([...be.dtypes]).toEqual(['float32', 'int32']);
    expect('readSync' in be).toBe(false);
    expect(() => be.alloc(4, 'float64')).toThrow(/float64/);
  });

  it('uploads, fills and reads back both dtypes', async () => {
    expect(await take(up([1.5, -2, 3.25]))).toEqual([1.5, -2, 3.25]);
    expect(await take(up([7, -8, 2147483647], 'int32'))).toEqual([7, -8, 2147483647]);
    expect(await take(be.upload(new Float64Array([1.9, -1.9]), 'int32'))).toEqual([1, -1]);
    expect(await take(be.fill(1000, 0.5, 'float32'))).toEqual(new Array(1000).fill(0.5));
    expect(await take(be.fill(5, -3.7, 'int32'))).toEqual(new Array(5).fill(-3));
    expect(await take(be.fill(0, 1, 'float32'))).toEqual([]);
  });

  it('unary float32 ops match float64 references', async () => {
    const x = randArray(1000, 1, -6, 6);
    x.set([0, -0.5, 0.5, 1.5, -2.5, 1e-6, -1e-6, 20, -20, 2.4999998]);
    const positive = randArray(1000, 2, 1e-3, 50);
    positive.set([1, 1 + 2 ** -20, 0.999, 1e-30]);
    for (const op of UNARY_OPS) {
      const input = ['log', 'sqrt', 'rsqrt'].includes(op) ? positive : op === 'log1p' ? randArray(1000, 3, -0.9, 5) : x;
      const h = up(input);
      const got = await take(be.unary(op, h));
      be.dispose(h);
      const want = Array.from(input, (v) => UNARY_REF[op](v));
      expectClose(got, want, 2e-6, op === 'sin' || op === 'cos' ? 1e-6 : 1e-7, op);
    }
  });

  it('unary int32 ops', async () => {
    const x = [-7, -1, 0, 1, 5, 40000];
    for (const op of ['neg', 'abs', 'relu', 'sign', 'square', 'floor', 'round'] as const) {
      const h = up(x, 'int32');
      const got = await take(be.unary(op, h));
      be.dispose(h);
      expect(got, op).toEqual(Array.from(Int32Array.from(x, (v) => UNARY_REF[op](v))));
    }
  });

  it('binary float32 ops with broadcasting', async () => {
    const shapes: [number[], number[]][] = [
      [
        [3, 1, 5],
        [4, 1],
      ],
      [
        [2, 3],
        [2, 3],
      ],
      [[6], []],
      [
        [1, 7],
        [5, 1],
      ],
      [
        [2, 3, 4, 5],
        [3, 1, 5],
      ],
    ];
    for (const [sa, sb] of shapes) {
      const info = bcast(sa, sb);
      const a = randArray(sizeOf(sa), 10, -3, 3);
      const b = randArray(sizeOf(sb), 11, -3, 3).map((v) => (Math.abs(v) < 0.1 ? 0.5 : v));
      for (const op of ARITH_OPS) {
        const [ha, hb] = [up(a), up(b)];
        const got = await take(be.binary(op, ha, hb, info));
        be.dispose(ha);
        be.dispose(hb);
        const want = Array.from({ length: info.outSize }, (_, i) =>
          f32(ARITH_REF[op](at(a, info, 0, i), at(b, info, 1, i))),
        );
        expectClose(got, want, 1e-5, 1e-6, `${op} ${JSON.stringify([sa, sb])}`);
      }
      for (const op of COMPARE_OPS) {
        const [ha, hb] = [up(a), up(b)];
        const out = be.binary(op, ha, hb, info);
        expect(out.dtype).toBe('int32');
        const got = await take(out);
        be.dispose(ha);
        be.dispose(hb);
        expect(got, op).toEqual(
          Array.from({ length: info.outSize }, (_, i) =>
            COMPARE_REF[op](at(a, info, 0, i), at(b, info, 1, i)) ? 1 : 0,
          ),
        );
      }
    }
  });

  it('pow handles negative bases, integer exponents and zero', async () => {
    const a = [-2, -2, 2, 0, 0, 4, -8, 1.5, 3];
    const b = [3, 2, -1, 2, 0, 0.5, 1 / 3, 2.5, 10];
    const info = bcast([9], [9]);
    const [ha, hb] = [up(a), up(b)];
    const got = await take(be.binary('pow', ha, hb, info));
    be.dispose(ha);
    be.dispose(hb);
    expectClose(
      got,
      a.map((v, i) => f32(f32(v) ** f32(b[i]!))),
      1e-5,
      0,
      'pow',
    );
  });

  it('binary int32 ops: truncating div, numpy mod, wrapping, compare', async () => {
    const a = [7, -7, 7, -7, 0, 5, -2147483648, 123456, 3, -3];
    const b = [2, 2, -2, -2, 3, 0, -1, 1000, 4, 3];
    const info = bcast([a.length], [b.length]);
    const ref: Record<string, (x: number, y: number) => number> = {
      add: (x, y) => x + y,
      sub: (x, y) => x - y,
      mul: (x, y) => Math.imul(x, y),
      div: (x, y) => Math.trunc(x / y),
      maximum: Math.max,
      minimum: Math.min,
      mod: numpyMod,
      pow: (x, y) => x ** y,
    };
    for (const op of ARITH_OPS) {
      const [ha, hb] = [up(a, 'int32'), up(b, 'int32')];
      const out = be.binary(op, ha, hb, info);
      expect(out.dtype).toBe('int32');
      const got = await take(out);
      be.dispose(ha);
      be.dispose(hb);
      const want = Array.from(Int32Array.from(a, (x, i) => ref[op]!(x, b[i]!)));
      if (op === 'pow') {
        // Only compare the entries whose exact result fits an int32.
        a.forEach((x, i) => {
          const e = x ** b[i]!;
          if (Number.isFinite(e) && Math.abs(e) < 2 ** 31) expect(got[i], `pow ${x} ${b[i]}`).toBe(Math.trunc(e) | 0);
        });
      } else {
        expect(got, op).toEqual(want);
      }
    }
    for (const op of COMPARE_OPS) {
      const [ha, hb] = [up(a, 'int32'), up(b, 'int32')];
      const got = await take(be.binary(op, ha, hb, info));
      be.dispose(ha);
      be.dispose(hb);
      expect(got, op).toEqual(a.map((x, i) => (COMPARE_REF[op](x, b[i]!) ? 1 : 0)));
    }
  });

  it('where with three-way broadcasting, both dtypes', async () => {
    const sc = [4, 1];
    const sa = [1, 5];
    const sb: number[] = [];
    const outShape = [4, 5];
    const info: BroadcastInfo = {
      outShape,
      outSize: 20,
      strides: [broadcastStrides(sc, outShape), broadcastStrides(sa, outShape), broadcastStrides(sb, outShape)],
    };
    const cond = [1, 0, 3, 0];
    for (const dtype of ['float32', 'int32'] as const) {
      const a = [1, 2, 3, 4, 5];
      const [hc, ha, hb] = [up(cond, 'int32'), up(a, dtype), up([-9], dtype)];
      const out = be.where(hc, ha, hb, info);
      expect(out.dtype).toBe(dtype);
      const got = await take(out);
      [hc, ha, hb].forEach((h) => be.dispose(h));
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => (cond[Math.floor(i / 5)] ? a[i % 5]! : -9)));
    }
  });

  it('cast truncates toward zero and clamp works on both dtypes', async () => {
    const x = [1.9, -1.9, 0.5, -0.5, 1e6 + 0.5, -3, Number.NaN];
    let h = up(x);
    const toInt = be.cast(h, 'int32');
    expect(toInt.dtype).toBe('int32');
    expect(await take(toInt)).toEqual([1, -1, 0, 0, 1000000, -3, 0]);
    expect(await take(be.cast(h, 'float32'))).toEqual(Array.from(Float32Array.from(x)));
    be.dispose(h);
    h = up([-5, 0, 7, 2147483647], 'int32');
    expect(await take(be.cast(h, 'float32'))).toEqual([-5, 0, 7, 2147483648]);
    expect(await take(be.clamp(h, -1.5, 3.5))).toEqual([-1, 0, 3, 3]);
    be.dispose(h);
    h = up([-5, 0.25, 7]);
    expect(await take(be.clamp(h, -1.5, 3.5))).toEqual([-1.5, 0.25, 3.5]);
    be.dispose(h);
  });

  it('NaN semantics follow the CPU backend', async () => {
    const nan = Number.NaN;
    let h = up([nan, -1, 2]);
    expect(await take(be.unary('relu', h))).toEqual([nan, 0, 2]);
    expect(await take(be.clamp(h, 0, 1))).toEqual([nan, 0, 1]);
    const [a, b] = [up([nan, 1, 2]), up([0, nan, 1])];
    expect(await take(be.binary('maximum', a, b, bcast([3], [3])))).toEqual([nan, nan, 2]);
    expect(await take(be.binary('minimum', a, b, bcast([3], [3])))).toEqual([nan, nan, 1]);
    expect(await take(be.binary('eq', a, a, bcast([3], [3])))).toEqual([0, 1, 1]);
    [a, b, h].forEach((x) => be.dispose(x));
    // NaN is the extreme for argmax/argmin (first NaN wins); max/min propagate it.
    for (const inner of [6, 500]) {
      const x = new Float32Array(inner).fill(1);
      x[3] = nan;
      x[4] = 7;
      x[inner - 1] = nan;
      h = up(x);
      expect(await take(be.reduce('argmax', h, 1, inner))).toEqual([3]);
      expect(await take(be.reduce('argmin', h, 1, inner))).toEqual([3]);
      expect(await take(be.reduce('max', h, 1, inner))).toEqual([nan]);
      expect(await take(be.reduce('logsumexp', h, 1, inner))).toEqual([nan]);
      be.dispose(h);
    }
    h = up([-Infinity, -Infinity, 1, Infinity]);
    expect(await take(be.reduce('logsumexp', h, 2, 2))).toEqual([-Infinity, Infinity]);
    be.dispose(h);
  });

  it('reductions over short and long rows (float32)', async () => {
    for (const [outer, inner] of [
      [37, 7],
      [5, 1000],
      [3, 257],
      [1, 1],
      [300, 65],
    ] as const) {
      const x = randArray(outer * inner, outer + inner, -3, 3);
      for (const op of REDUCE_OPS) {
        const input = op === 'prod' ? x.map((v) => 0.5 + Math.abs(v) / 6) : x;
        const h = up(input);
        const out = be.reduce(op, h, outer, inner);
        expect(out.dtype).toBe(op.startsWith('arg') ? 'int32' : 'float32');
        const got = await take(out);
        be.dispose(h);
        const want = Array.from({ length: outer }, (_, o) => {
          const row = Array.from(input.subarray(o * inner, (o + 1) * inner));
          switch (op) {
            case 'sum':
              return row.reduce((s, v) => s + v, 0);
            case 'prod':
              return row.reduce((s, v) => s * v, 1);
            case 'max':
              return Math.max(...row);
            case 'min':
              return Math.min(...row);
            case 'argmax':
              return row.indexOf(Math.max(...row));
            case 'argmin':
              return row.indexOf(Math.min(...row));
            case 'logsumexp': {
              const m = Math.max(...row);
              return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
            }
          }
        });
        expectClose(got, want, 1e-4, 1e-5, `${op} [${outer},${inner}]`);
      }
    }
  });

  it('grids wider than 65535 workgroups spill into y', async () => {
    const size = 65536 * 256 + 1000; // 65540 workgroups of 256
    const x = be.fill(size, 2, 'float32');
    const y = be.unary('neg', x);
    be.dispose(x);
    const got = await be.read(y);
    be.dispose(y);
    expect(got.length).toBe(size);
    let bad = 0;
    for (let i = 0; i < size; i++) if (got[i] !== -2) bad++;
    expect(bad).toBe(0);
  });

  it('many medium rows take the thread-per-row reduction', async () => {
    const [outer, inner] = [5000, 100];
    const x = new Float32Array(outer * inner);
    for (let o = 0; o < outer; o++) x[o * inner + (o % inner)] = o + 1;
    const h = up(x);
    expect(await take(be.reduce('sum', h, outer, inner))).toEqual(Array.from({ length: outer }, (_, o) => o + 1));
    expect(await take(be.reduce('argmax', h, outer, inner))).toEqual(
      Array.from({ length: outer }, (_, o) => o % inner),
    );
    be.dispose(h);
  });

  it('argmax/argmin return the first extreme; int32 reductions are exact', async () => {
    const inner = 600;
    const x = new Float32Array(2 * inner);
    x[17] = 5;
    x[300] = 5;
    x[599] = 5; // row 0: ties
    x[inner + 450] = -1;
    x[inner + 3] = -1; // row 1: min ties
    let h = up(x);
    expect(await take(be.reduce('argmax', h, 2, inner))).toEqual([17, 0]);
    expect(await take(be.reduce('argmin', h, 2, inner))).toEqual([0, 3]);
    be.dispose(h);
    h = up([3, 1, 3, 2, 3], 'float32');
    expect(await take(be.reduce('argmax', h, 1, 5))).toEqual([0]);
    be.dispose(h);
    for (const [outer, inner2] of [
      [4, 9],
      [2, 1000],
    ] as const) {
      const xi = randInts(outer * inner2, 99, -50, 50);
      h = up(xi, 'int32');
      const rows = Array.from({ length: outer }, (_, o) => Array.from(xi.subarray(o * inner2, (o + 1) * inner2)));
      expect(await take(be.reduce('sum', h, outer, inner2))).toEqual(rows.map((r) => r.reduce((s, v) => s + v, 0)));
      expect(await take(be.reduce('max', h, outer, inner2))).toEqual(rows.map((r) => Math.max(...r)));
      expect(await take(be.reduce('min', h, outer, inner2))).toEqual(rows.map((r) => Math.min(...r)));
      expect(await take(be.reduce('argmax', h, outer, inner2))).toEqual(rows.map((r) => r.indexOf(Math.max(...r))));
      expect(await take(be.reduce('argmin', h, outer, inner2))).toEqual(rows.map((r) => r.indexOf(Math.min(...r))));
      be.dispose(h);
    }
    h = up([2, -3, 4, 1, 5, 6], 'int32');
    expect(await take(be.reduce('prod', h, 2, 3))).toEqual([-24, 30]);
    be.dispose(h);
  });

  it('softmax and log-softmax over short and long rows', async () => {
    for (const [rows, cols] of [
      [33, 10],
      [4, 700],
      [2, 1],
    ] as const) {
      const x = randArray(rows * cols, rows * cols, -30, 30);
      for (const log of [false, true]) {
        const h = up(x);
        const got = await take(be.softmax(h, rows, cols, log));
        be.dispose(h);
        const want: number[] = [];
        for (let r = 0; r < rows; r++) {
          const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
          const m = Math.max(...row);
          const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
          for (const v of row) want.push(log ? v - m - Math.log(s) : Math.exp(v - m) / s);
        }
        expectClose(got, want, 1e-5, 1e-6, `softmax log=${log} [${rows},${cols}]`);
      }
    }
  });

  for (const layout of ['hardware', 'software'] as const) {
    describe(`matmul with the ${layout} layout (tiled, or direct below the work threshold)`, () => {
      beforeAll(() => {
        be.layout = layout;
      });
      afterAll(() => {
        be.layout = 'auto';
      });
      it('matmul: tiled (scalar and vec4), GEMV, transposes, batch strides', async () => {
        const cases: (MatmulInfo & { withBias?: boolean })[] = [
          mmInfo(1, 64, 64, 64),
          mmInfo(1, 37, 45, 29),
          mmInfo(1, 128, 96, 80),
          mmInfo(1, 65, 17, 130),
          mmInfo(1, 3, 1, 5),
          mmInfo(1, 5, 0, 3),
          mmInfo(2, 33, 20, 12),
          mmInfo(3, 20, 8, 16, { bBatchStride: 0 }),
          mmInfo(3, 21, 9, 15, { aBatchStride: 0 }),
          mmInfo(1, 1, 300, 70),
          mmInfo(1, 1, 128, 256, { transB: true }),
          mmInfo(4, 1, 33, 7, { transA: true, bBatchStride: 0 }),
        ];
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            cases.push(mmInfo(2, 40, 24, 36, { transA, transB }));
            cases.push(mmInfo(2, 19, 23, 31, { transA, transB }));
          }
        }
        let seed = 100;
        for (const c of cases) await runMatmul(c, seed++);
      });

      it('matmul fused bias + activation epilogue', async () => {
        const acts: Activation[] = ['none', 'relu', 'gelu', 'tanh', 'sigmoid'];
        let seed = 200;
        for (const activation of acts) {
          await runMatmul({ ...mmInfo(1, 48, 32, 64, { activation }), withBias: true }, seed++);
          await runMatmul({ ...mmInfo(2, 13, 11, 7, { activation, transB: true }), withBias: true }, seed++);
          await runMatmul({ ...mmInfo(1, 1, 40, 30, { activation }), withBias: true }, seed++);
        }
      });
    });
  }

  it('matmul at 256x256 (vec4 path)', async () => {
    await runMatmul(mmInfo(1, 256, 256, 256), 300);
  });

  it('50 matmuls of varying shapes compile no new pipelines', async () => {
    // Warm up each entry point once: vec4-aligned, unaligned, GEMV, and the direct kernel.
    for (const layout of ['hardware', 'software'] as const) {
      be.layout = layout;
      await runMatmul(mmInfo(1, 8, 8, 8), 1);
      await runMatmul(mmInfo(1, 7, 5, 3), 2);
      await runMatmul(mmInfo(1, 1, 5, 3), 3);
    }
    const before = be.pipelineCount;
    const r = rng(7);
    for (let i = 0; i < 100; i++) {
      be.layout = i % 2 === 0 ? 'hardware' : 'software';
      const m = 1 + Math.floor(r() * 70);
      const k = 1 + Math.floor(r() * 70);
      const n = 1 + Math.floor(r() * 70);
      const h1 = be.alloc(m * k, 'float32');
      const h2 = be.alloc(k * n, 'float32');
      be.dispose(be.matmul(h1, h2, mmInfo(1, m, k, n)));
      be.dispose(h1);
      be.dispose(h2);
    }
    be.layout = 'auto';
    await be.sync();
    expect(be.pipelineCount).toBe(before);
  });

  it('strided copy: transpose, stepped and reversed slices, offsets, in place', async () => {
    const src = Float32Array.from({ length: 24 }, (_, i) => i);
    const hs = up(src);
    // Transpose [2,3,4] -> [4,3,2].
    let dst: Handle = be.alloc(24, 'float32');
    be.copy(hs, dst, { shape: [4, 3, 2], srcStrides: [1, 4, 12], srcOffset: 0, dstStrides: [6, 2, 1], dstOffset: 0 });
    const t = await take(dst);
    const want: number[] = [];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 2; c++) want.push(c * 12 + b * 4 + a);
    expect(t).toEqual(want);
    // Reversed, stepped slice of a row into the middle of a zero buffer.
    dst = be.fill(10, 0, 'float32');
    be.copy(hs, dst, { shape: [3], srcStrides: [-2], srcOffset: 11, dstStrides: [1], dstOffset: 4 });
    expect(await take(dst)).toEqual([0, 0, 0, 0, 11, 9, 7, 0, 0, 0]);
    // Contiguous run (plain buffer copy) with offsets, like concat.
    dst = be.fill(30, -1, 'float32');
    be.copy(hs, dst, { shape: [2, 12], srcStrides: [12, 1], srcOffset: 0, dstStrides: [12, 1], dstOffset: 6 });
    expect(await take(dst)).toEqual([...new Array(6).fill(-1), ...src]);
    // Expand (stride 0) of int32.
    const hi = up([5, 6], 'int32');
    dst = be.alloc(6, 'int32');
    be.copy(hi, dst, { shape: [3, 2], srcStrides: [0, 1], srcOffset: 0, dstStrides: [2, 1], dstOffset: 0 });
    expect(await take(dst)).toEqual([5, 6, 5, 6, 5, 6]);
    be.dispose(hi);
    // In place: reverse a buffer into itself.
    const hr = up([1, 2, 3, 4]);
    be.copy(hr, hr, { shape: [4], srcStrides: [-1], srcOffset: 3, dstStrides: [1], dstOffset: 0 });
    expect(await take(hr)).toEqual([4, 3, 2, 1]);
    be.dispose(hs);
  });

  it('indexSelect gathers along the middle axis, both dtypes', async () => {
    const [outer, axisLen, inner] = [2, 5, 3];
    const x = Float32Array.from({ length: outer * axisLen * inner }, (_, i) => i);
    const idx = [4, 0, 4, 2];
    for (const dtype of ['float32', 'int32'] as const) {
      const [hx, hidx] = [up(x, dtype), up(idx, 'int32')];
      const out = be.indexSelect(hx, hidx, { outer, axisLen, inner, count: idx.length });
      expect(out.dtype).toBe(dtype);
      const got = await take(out);
      be.dispose(hx);
      be.dispose(hidx);
      const want: number[] = [];
      for (let o = 0; o < outer; o++)
        for (const j of idx) for (let i = 0; i < inner; i++) want.push(x[(o * axisLen + j) * inner + i]!);
      expect(got).toEqual(want);
    }
  });

  it('indexAdd accumulates duplicate indices, both dtypes', async () => {
    const [outer, axisLen, inner] = [3, 6, 4];
    const count = 40;
    const idx = randInts(count, 5, 0, axisLen);
    idx.set([2, 2, 2, 2]);
    for (const dtype of ['float32', 'int32'] as const) {
      const base =
        dtype === 'int32' ? randInts(outer * axisLen * inner, 6, -10, 10) : randArray(outer * axisLen * inner, 6);
      const src = dtype === 'int32' ? randInts(outer * count * inner, 7, -10, 10) : randArray(outer * count * inner, 7);
      const [hb, hi, hs] = [up(base, dtype), up(idx, 'int32'), up(src, dtype)];
      const info = { outer, axisLen, inner, count };
      const out = be.indexAdd(hb, hi, hs, info);
      const got = await take(out);
      // base itself is untouched.
      expect(await be.read(hb)).toEqual(base);
      [hb, hi, hs].forEach((h) => be.dispose(h));
      const want = Array.from(base, Number);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < count; j++) {
          for (let i = 0; i < inner; i++)
            want[(o * axisLen + idx[j]!) * inner + i]! += src[(o * count + j) * inner + i]!;
        }
      }
      if (dtype === 'int32') expect(got).toEqual(want);
      else expectClose(got, want, 1e-5, 1e-5, 'indexAdd');
    }
  });

  it('random uniform and int streams are bit-identical to philoxFill; normal within 1e-5', async () => {
    const cases: { info: RandomInfo; dtype: DType; size: number }[] = [
      { info: { kind: 'uniform', key: [42, 0], counter: [0, 0] }, dtype: 'float32', size: 1001 },
      {
        info: { kind: 'uniform', key: [0xdeadbeef, 0x12345678], counter: [0xfffffffe, 7] },
        dtype: 'float32',
        size: 37,
      },
      { info: { kind: 'int', key: [9, 1], counter: [5, 0], low: -3, high: 17 }, dtype: 'int32', size: 999 },
      {
        info: { kind: 'int', key: [9, 1], counter: [5, 0], low: -2147483648, high: 2147483647 },
        dtype: 'int32',
        size: 64,
      },
      { info: { kind: 'int', key: [3, 3], counter: [0, 0], low: 0, high: 1000 }, dtype: 'float32', size: 50 },
    ];
    for (const { info, dtype, size } of cases) {
      const got = await be.read(be.random(size, dtype, info));
      const want = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
      philoxFill(want, info);
      expect(got, JSON.stringify(info)).toEqual(want);
    }
    for (const counter of [
      [0, 0],
      [0xffffffff, 0],
    ] as [number, number][]) {
      const info: RandomInfo = { kind: 'normal', key: [1234, 5], counter };
      const size = 2001;
      const got = await take(be.random(size, 'float32', info));
      const want = new Float64Array(size);
      philoxFill(want, info);
      expectClose(got, want, 1e-5, 1e-6, 'normal');
    }
  });

  it('repeated alloc/dispose keeps memory() flat', async () => {
    const start = be.memory();
    for (let step = 0; step < 3; step++) {
      for (let i = 0; i < 40; i++) {
        const a = be.fill(1000 + i, 1, 'float32');
        const b = be.unary('exp', a);
        be.dispose(a);
        be.dispose(b);
      }
      await be.sync();
    }
    const warm = be.memory();
    expect(warm.handles).toBe(start.handles);
    expect(warm.bytes).toBe(start.bytes);
    for (let i = 0; i < 40; i++) {
      const a = be.fill(1000 + i, 1, 'float32');
      const b = be.unary('exp', a);
      be.dispose(a);
      be.dispose(b);
    }
    await be.sync();
    const end = be.memory();
    expect(end).toEqual(warm);
    expect(end.pooledBuffers).toBeGreaterThan(0);
  });

  it('a lost device calls onLost and later calls say to call ready() again', async () => {
    let lost = 0;
    const other = (await createWebGPUBackend(() => lost++)) as WebGPUBackend;
    const h = other.upload(new Float32Array([1, 2]), 'float32');
    expect(Array.from(await other.read(h))).toEqual([1, 2]);
    other.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(lost).toBe(1);
    expect(() => other.alloc(4, 'float32')).toThrow(/device was lost.*ready\(\)/);
    await expect(other.read(h)).rejects.toThrow(/device was lost/);
    expect(lostCalls).toBe(0);
  });
});
