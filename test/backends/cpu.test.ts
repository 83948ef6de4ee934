import { describe, it, expect } from 'vitest';
import { CpuBackend, CpuHandle } from '../../src/backends/cpu/index.js';
import {
  ARITH_OPS,
  COMPARE_OPS,
  REDUCE_OPS,
  UNARY_OPS,
  type Activation,
  type BinaryOp,
  type BroadcastInfo,
  type Handle,
  type MatmulInfo,
  type UnaryOp,
} from '../../src/backends/backend.js';
import type { DType, TypedArray } from '../../src/core/dtype.js';
import { erfRef } from '../conformance/erf-reference.js';
import { broadcastShapes, broadcastStrides, sizeOf, stridesOf } from '../../src/core/shape.js';

const be = new CpuBackend();

/** Small deterministic generator so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randArray(n: number, dtype: DType, seed = 1, lo = -3, hi = 3): TypedArray {
  const r = rng(seed);
  const out = dtype === 'int32' ? new Int32Array(n) : dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = dtype === 'int32' ? Math.floor(lo + (hi - lo) * r()) : lo + (hi - lo) * r();
  return out;
}

function up(values: ArrayLike<number>, dtype: DType): Handle {
  const arr =
    dtype === 'int32'
      ? Int32Array.from(values)
      : dtype === 'float32'
        ? Float32Array.from(values)
        : Float64Array.from(values);
  return be.upload(arr, dtype);
}

function read(h: Handle): number[] {
  return Array.from(be.readSync(h));
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w)) {
      expect(g, `index ${i}`).toBeNaN();
    } else if (!Number.isFinite(w)) {
      expect(g, `index ${i}`).toBe(w);
    } else if (Math.abs(g - w) > atol + rtol * Math.abs(w)) {
      expect.fail(`index ${i}: got ${g}, want ${w}`);
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

/** Reference: element at flat out index read through broadcast strides, with div/mod. */
function gather(
  data: ArrayLike<number>,
  strides: readonly number[],
  outShape: readonly number[],
  flat: number,
): number {
  let off = 0;
  let rem = flat;
  for (let d = outShape.length - 1; d >= 0; d--) {
    const i = rem % outShape[d]!;
    rem = Math.floor(rem / outShape[d]!);
    off += i * strides[d]!;
  }
  return data[off]!;
}

const refGelu = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const refSigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

const refUnary: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  tanh: Math.tanh,
  sigmoid: refSigmoid,
  relu: (x) => Math.max(x, 0),
  gelu: refGelu,
  softplus: (x) => Math.log(1 + Math.exp(x)),
  sin: Math.sin,
  cos: Math.cos,
  sign: Math.sign,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => {
    const f = Math.floor(x);
    const d = x - f;
    return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  },
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  expm1: Math.expm1,
  erf: erfRef,
};

const refBinary: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => Math.max(a, b),
  minimum: (a, b) => Math.min(a, b),
  mod: (a, b) => a - Math.floor(a / b) * b,
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
};

describe('storage', () => {
  it('upload/read copy, alloc zeroes, fill, memory accounting', async () => {
    const before = be.memory();
    const src = new Float32Array([1, 2, 3]);
    const h = be.upload(src, 'float32');
    src[0] = 99;
    expect(read(h)).toEqual([1, 2, 3]);
    const r = be.readSync(h);
    r[1] = 42;
    expect(read(h)).toEqual([1, 2, 3]);
    expect(Array.from(await be.read(h))).toEqual([1, 2, 3]);
    const z = be.alloc(4, 'float64');
    expect(read(z)).toEqual([0, 0, 0, 0]);
    const f = be.fill(3, 7, 'int32');
    expect(read(f)).toEqual([7, 7, 7]);
    expect(be.readSync(f)).toBeInstanceOf(Int32Array);
    expect(be.memory().handles - before.handles).toBe(3);
    expect(be.memory().bytes - before.bytes).toBe(12 + 32 + 12);
    be.dispose(h);
    be.dispose(h); // double dispose is harmless
    be.dispose(z);
    be.dispose(f);
    expect(be.memory()).toEqual(before);
    expect(h).toBeInstanceOf(CpuHandle);
    await be.sync();
  });

  it('upload converts to the target dtype, truncating to int32', () => {
    expect(read(be.upload(new Float64Array([1.7, -1.7, 2.5]), 'int32'))).toEqual([1, -1, 2]);
    expect(be.readSync(be.upload(new Int32Array([1, 2]), 'float64'))).toBeInstanceOf(Float64Array);
  });

  it('describes itself', () => {
    expect(be.name).toBe('cpu');
    expect(be.dtypes).toEqual(['float32', 'int32', 'float64']);
    expect(be.description).toMatch(/CPU/);
  });
});

describe('unary', () => {
  const values = [-20, -3.5, -2.5, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 1.5, 2.5, 3, 20];
  for (const op of UNARY_OPS) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${op} ${dtype}`, () => {
        const xs = ['log', 'sqrt', 'rsqrt', 'log1p'].includes(op) ? values.map(Math.abs).map((v) => v + 0.25) : values;
        const x = up(xs, dtype);
        const got = read(be.unary(op, x));
        const stored = read(x);
        const want = stored.map(refUnary[op]);
        expectClose(
          got,
          dtype === 'float32' ? Array.from(Float32Array.from(want)) : want,
          // erf is a rational approximation good to ~6e-8 relative, not a libm function.
          op === 'erf' ? 1e-7 : dtype === 'float32' ? 1e-6 : 1e-12,
          1e-7,
        );
      });
    }
  }

  it('softplus is stable for large |x|', () => {
    expectClose(read(be.unary('softplus', up([1000, -1000, 50], 'float64'))), [1000, 0, 50], 1e-12, 1e-300);
  });

  it('sigmoid does not overflow', () => {
    expectClose(read(be.unary('sigmoid', up([-1000, 1000], 'float64'))), [0, 1]);
  });

  it('round is half to even', () => {
    expect(read(be.unary('round', up([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6], 'float32')))).toEqual([
      0, 2, 2, -0, -2, -2, 2, -3,
    ]);
  });

  it('int32 neg/abs/square/sign stay int32', () => {
    const x = up([-3, 0, 4], 'int32');
    expect(read(be.unary('neg', x))).toEqual([3, -0, -4].map((v) => v | 0));
    expect(read(be.unary('abs', x))).toEqual([3, 0, 4]);
    expect(read(be.unary('square', x))).toEqual([9, 0, 16]);
    expect(read(be.unary('sign', x))).toEqual([-1, 0, 1]);
    expect(be.readSync(be.unary('relu', x))).toBeInstanceOf(Int32Array);
  });
});

describe('binary', () => {
  const shapes: [number[], number[]][] = [
    [
      [2, 3],
      [2, 3],
    ],
    [[5], []],
    [[], [4]],
    [[2, 3, 4], [4]],
    [
      [2, 1, 4],
      [3, 1],
    ],
    [
      [3, 1],
      [1, 5],
    ],
    [
      [2, 3, 4, 5],
      [2, 1, 4, 1],
    ],
    [[1], [7]],
    [[0, 3], [3]],
  ];
  for (const op of [...ARITH_OPS, ...COMPARE_OPS]) {
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      it(`${op} ${dtype} with broadcasting`, () => {
        for (const [sa, sb] of shapes) {
          const info = bcast(sa, sb);
          let av = randArray(sizeOf(sa), dtype, 3, -5, 5);
          let bv = randArray(sizeOf(sb), dtype, 4, -5, 5);
          if (op === 'pow') {
            av = av.map((v) => (dtype === 'int32' ? v : Math.abs(v) + 0.1));
            bv = bv.map((v) => (dtype === 'int32' ? Math.abs(v) % 4 : v));
          }
          if (op === 'div' || op === 'mod') bv = bv.map((v) => (v === 0 ? 2 : v));
          if (COMPARE_OPS.includes(op as never) && bv.length > 0 && av.length > 0) bv[0] = av[0]!; // ties
          const a = be.upload(av, dtype);
          const b = be.upload(bv, dtype);
          const out = be.binary(op, a, b, info);
          const isCmp = COMPARE_OPS.includes(op as never);
          expect(out.dtype).toBe(isCmp ? 'int32' : dtype);
          const want: number[] = [];
          for (let i = 0; i < info.outSize; i++) {
            const x = gather(av, info.strides[0]!, info.outShape, i);
            const y = gather(bv, info.strides[1]!, info.outShape, i);
            let v = refBinary[op](x, y);
            if (dtype === 'int32' && !isCmp) v = op === 'mul' ? Math.imul(x, y) : Math.trunc(v);
            want.push(v);
          }
          const w = dtype === 'float32' && !isCmp ? Array.from(Float32Array.from(want)) : want;
          expectClose(read(out), w, dtype === 'float32' ? 1e-6 : 1e-12, 1e-6);
        }
      });
    }
  }

  it('int32 div truncates toward zero; mod takes the divisor sign (int and float)', () => {
    const info = bcast([4], [4]);
    const a = up([7, -7, 7, -7], 'int32');
    const b = up([2, 2, -2, -2], 'int32');
    expect(read(be.binary('div', a, b, info))).toEqual([3, -3, -3, 3]);
    expect(read(be.binary('mod', a, b, info))).toEqual([1, 1, -1, -1]);
    const af = up([7.5, -7.5, 7.5, -7.5], 'float64');
    const bf = up([2, 2, -2, -2], 'float64');
    expect(read(be.binary('mod', af, bf, info))).toEqual([1.5, 0.5, -0.5, -1.5]);
  });

  it('int32 mul and add wrap like int32', () => {
    const info = bcast([2], [2]);
    const a = up([0x7fffffff, 123456789], 'int32');
    const b = up([1, 987654321], 'int32');
    expect(read(be.binary('add', a, b, info))).toEqual([-0x80000000, (123456789 + 987654321) | 0]);
    expect(read(be.binary('mul', a, b, info))).toEqual([0x7fffffff, Math.imul(123456789, 987654321)]);
  });

  it('NaN: comparisons are false except ne, maximum propagates', () => {
    const info = bcast([1], [1]);
    const a = up([NaN], 'float32');
    const b = up([1], 'float32');
    expect(read(be.binary('eq', a, b, info))).toEqual([0]);
    expect(read(be.binary('ne', a, b, info))).toEqual([1]);
    expect(read(be.binary('lt', a, b, info))).toEqual([0]);
    expect(read(be.binary('maximum', a, b, info))[0]).toBeNaN();
  });
});

describe('where, cast, clamp', () => {
  it('where with three-way broadcasting', () => {
    const cs = [3, 1];
    const as = [1, 4];
    const bs: number[] = [];
    const outShape = [3, 4];
    const info: BroadcastInfo = {
      outShape,
      outSize: 12,
      strides: [broadcastStrides(cs, outShape), broadcastStrides(as, outShape), broadcastStrides(bs, outShape)],
    };
    const cv = [1, 0, 5];
    const av = [1, 2, 3, 4];
    const out = be.where(up(cv, 'int32'), up(av, 'float64'), up([-1], 'float64'), info);
    const want: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) want.push(cv[i] !== 0 ? av[j]! : -1);
    expect(read(out)).toEqual(want);
    expect(out.dtype).toBe('float64');
  });

  it('cast truncates toward zero into int32 and widens exactly', () => {
    const x = up([1.9, -1.9, 0.5, -0.5, 3], 'float32');
    const i = be.cast(x, 'int32');
    expect(i.dtype).toBe('int32');
    expect(read(i).map((v) => v | 0)).toEqual([1, -1, 0, 0, 3]);
    const d = be.cast(x, 'float64');
    expect(read(d)).toEqual(Array.from(Float32Array.from([1.9, -1.9, 0.5, -0.5, 3])));
    expect(read(be.cast(up([NaN], 'float64'), 'int32'))).toEqual([0]);
  });

  it('clamp, NaN passes through', () => {
    const out = read(be.clamp(up([-5, 0.5, 5, NaN], 'float64'), -1, 1));
    expect(out.slice(0, 3)).toEqual([-1, 0.5, 1]);
    expect(out[3]).toBeNaN();
  });
});

describe('reduce and softmax', () => {
  for (const op of REDUCE_OPS) {
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      if (op === 'logsumexp' && dtype === 'int32') continue;
      it(`${op} ${dtype}`, () => {
        for (const [outer, inner] of [
          [1, 1],
          [3, 7],
          [5, 64],
          [2, 1000],
        ] as const) {
          const xv = randArray(outer * inner, dtype, outer * 31 + inner, -3, 3);
          const out = be.reduce(op, be.upload(xv, dtype), outer, inner);
          expect(out.dtype).toBe(op.startsWith('arg') ? 'int32' : dtype);
          const want: number[] = [];
          for (let o = 0; o < outer; o++) {
            const row = Array.from(xv.subarray(o * inner, (o + 1) * inner));
            switch (op) {
              case 'sum':
                want.push(row.reduce((p, v) => p + v, 0));
                break;
              case 'prod':
                want.push(
                  dtype === 'int32' ? row.reduce((p, v) => Math.imul(p, v), 1) : row.reduce((p, v) => p * v, 1),
                );
                break;
              case 'max':
                want.push(Math.max(...row));
                break;
              case 'min':
                want.push(Math.min(...row));
                break;
              case 'argmax':
                want.push(row.indexOf(Math.max(...row)));
                break;
              case 'argmin':
                want.push(row.indexOf(Math.min(...row)));
                break;
              case 'logsumexp':
                want.push(Math.log(row.reduce((p, v) => p + Math.exp(v), 0)));
                break;
            }
          }
          const w = dtype === 'float32' ? Array.from(Float32Array.from(want)) : want;
          expectClose(read(out), w, dtype === 'float32' ? 2e-6 : 1e-10, 1e-5);
        }
      });
    }
  }

  it('argmax returns the first extreme; max propagates NaN', () => {
    const x = up([1, 3, 3, 2, 0, 0, -1, 0], 'float32');
    expect(read(be.reduce('argmax', x, 2, 4))).toEqual([1, 0]);
    expect(read(be.reduce('argmin', x, 2, 4))).toEqual([0, 2]);
    expect(read(be.reduce('max', up([1, NaN, 2], 'float32'), 1, 3))[0]).toBeNaN();
    expect(read(be.reduce('min', up([1, NaN, 2], 'float32'), 1, 3))[0]).toBeNaN();
  });

  it('logsumexp is stable and handles -Inf rows', () => {
    const out = read(be.reduce('logsumexp', up([1000, 1000, -Infinity, -Infinity], 'float64'), 2, 2));
    expectClose(out, [1000 + Math.log(2), -Infinity]);
  });

  for (const log of [false, true]) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${log ? 'log-' : ''}softmax ${dtype}`, () => {
        const rows = 4;
        const cols = 33;
        const xv = randArray(rows * cols, dtype, 9, -10, 10);
        xv[0] = 500; // would overflow exp without the max shift
        const got = read(be.softmax(be.upload(xv, dtype), rows, cols, log));
        const want: number[] = [];
        for (let r = 0; r < rows; r++) {
          const row = Array.from(xv.subarray(r * cols, (r + 1) * cols));
          const m = Math.max(...row);
          const s = row.reduce((p, v) => p + Math.exp(v - m), 0);
          for (const v of row) want.push(log ? v - m - Math.log(s) : Math.exp(v - m) / s);
        }
        expectClose(got, want, dtype === 'float32' ? 1e-5 : 1e-12, 1e-7);
      });
    }
  }
});

/** Reference matmul with explicit op(a), op(b) indexing. */
function refMatmul(
  av: ArrayLike<number>,
  bv: ArrayLike<number>,
  biasv: ArrayLike<number> | undefined,
  info: MatmulInfo,
): number[] {
  const { batch, m, n, k, transA, transB, aBatchStride, bBatchStride, activation } = info;
  const out: number[] = [];
  const act: Record<Activation, (x: number) => number> = {
    none: (x) => x,
    relu: (x) => Math.max(0, x),
    gelu: refGelu,
    tanh: Math.tanh,
    sigmoid: refSigmoid,
  };
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const x = av[bi * aBatchStride + (transA ? p * m + i : i * k + p)]!;
          const y = bv[bi * bBatchStride + (transB ? j * k + p : p * n + j)]!;
          s += x * y;
        }
        if (biasv) s += biasv[j]!;
        out.push(act[activation](s));
      }
    }
  }
  return out;
}

describe('matmul', () => {
  const cases: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [1, 3, 5, 2],
    [1, 1, 64, 17],
    [1, 37, 1, 29],
    [2, 5, 7, 9],
    [1, 64, 64, 64],
    [3, 33, 47, 300],
    [2, 70, 5, 130],
    [1, 130, 67, 257],
  ];
  for (const [batch, m, n, k] of cases) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`[${batch}] ${m}x${k} @ ${k}x${n} transA=${transA} transB=${transB}`, () => {
          for (const [dtype, shareA, shareB] of [
            ['float32', false, false],
            ['float64', false, true],
            ['float32', true, false],
          ] as const) {
            const aStride = shareA ? 0 : m * k;
            const bStride = shareB ? 0 : k * n;
            const av = randArray((shareA ? 1 : batch) * m * k, dtype, m + 7 * k, -1, 1);
            const bv = randArray((shareB ? 1 : batch) * k * n, dtype, n + 11 * k, -1, 1);
            const info: MatmulInfo = {
              batch,
              m,
              n,
              k,
              transA,
              transB,
              aBatchStride: aStride,
              bBatchStride: bStride,
              activation: 'none',
            };
            const out = be.matmul(be.upload(av, dtype), be.upload(bv, dtype), info);
            expect(out.size).toBe(batch * m * n);
            expectClose(read(out), refMatmul(av, bv, undefined, info), dtype === 'float32' ? 1e-5 : 1e-12, 1e-5);
          }
        });
      }
    }
  }

  for (const activation of ['none', 'relu', 'gelu', 'tanh', 'sigmoid'] as const) {
    it(`bias + ${activation} epilogue, small and blocked paths`, () => {
      for (const [m, n, k] of [
        [3, 5, 4],
        [40, 36, 50],
      ] as const) {
        const av = randArray(2 * m * k, 'float64', 1, -1, 1);
        const bv = randArray(k * n, 'float64', 2, -1, 1);
        const biasv = randArray(n, 'float64', 3, -2, 2);
        const info: MatmulInfo = {
          batch: 2,
          m,
          n,
          k,
          transA: false,
          transB: false,
          aBatchStride: m * k,
          bBatchStride: 0,
          bias: be.upload(biasv, 'float64'),
          activation,
        };
        const out = be.matmul(be.upload(av, 'float64'), be.upload(bv, 'float64'), info);
        expectClose(read(out), refMatmul(av, bv, biasv, info), 1e-12, 1e-12);
      }
    });
  }

  it('int32 matmul is exact', () => {
    const av = randArray(6 * 8, 'int32', 5, -10, 10);
    const bv = randArray(8 * 7, 'int32', 6, -10, 10);
    const info: MatmulInfo = {
      batch: 1,
      m: 6,
      n: 7,
      k: 8,
      transA: false,
      transB: false,
      aBatchStride: 0,
      bBatchStride: 0,
      activation: 'none',
    };
    const out = be.matmul(be.upload(av, 'int32'), be.upload(bv, 'int32'), info);
    expect(out.dtype).toBe('int32');
    expect(read(out)).toEqual(refMatmul(av, bv, undefined, info));
  });
});

describe('copy', () => {
  /** Reference strided copy by enumerating index vectors with div/mod. */
  function refCopy(
    src: number[],
    dst: number[],
    shape: number[],
    ss: number[],
    so: number,
    ds: number[],
    dOff: number,
  ): number[] {
    const out = dst.slice();
    const n = sizeOf(shape);
    for (let f = 0; f < n; f++) {
      let rem = f;
      let si = so;
      let di = dOff;
      for (let d = shape.length - 1; d >= 0; d--) {
        const i = rem % shape[d]!;
        rem = Math.floor(rem / shape[d]!);
        si += i * ss[d]!;
        di += i * ds[d]!;
      }
      out[di] = src[si]!;
    }
    return out;
  }

  it('transpose, slice with steps, expand, concat into offset, scalar', () => {
    const src = Array.from({ length: 60 }, (_, i) => i);
    const s = be.upload(Float32Array.from(src), 'float32');
    const cases: { shape: number[]; ss: number[]; so: number; ds: number[]; dOff: number; dstSize: number }[] = [
      // transpose [3,4,5] -> [5,4,3]
      { shape: [5, 4, 3], ss: [1, 5, 20], so: 0, ds: stridesOf([5, 4, 3]), dOff: 0, dstSize: 60 },
      // slice [1:3, ::2, 4:0:-1]
      { shape: [2, 2, 4], ss: [20, 10, -1], so: 20 + 4, ds: stridesOf([2, 2, 4]), dOff: 0, dstSize: 16 },
      // expand row 2 of a [3, 20] view to [4, 20]
      { shape: [4, 20], ss: [0, 1], so: 40, ds: [20, 1], dOff: 0, dstSize: 80 },
      // contiguous block written into columns 3..7 of a [6, 10] destination (concat / pad)
      { shape: [6, 5], ss: [5, 1], so: 0, ds: [10, 1], dOff: 3, dstSize: 60 },
      // contiguous whole copy (fast path)
      { shape: [3, 4, 5], ss: [20, 5, 1], so: 0, ds: [20, 5, 1], dOff: 0, dstSize: 60 },
      // rank 0
      { shape: [], ss: [], so: 17, ds: [], dOff: 2, dstSize: 4 },
      // empty
      { shape: [0, 3], ss: [3, 1], so: 0, ds: [3, 1], dOff: 0, dstSize: 2 },
    ];
    for (const c of cases) {
      const init = Array.from({ length: c.dstSize }, () => -1);
      const d = be.upload(Float32Array.from(init), 'float32');
      be.copy(s, d, { shape: c.shape, srcStrides: c.ss, srcOffset: c.so, dstStrides: c.ds, dstOffset: c.dOff });
      expect(read(d)).toEqual(refCopy(src, init, c.shape, c.ss, c.so, c.ds, c.dOff));
    }
  });
});

describe('indexing', () => {
  it('indexSelect on [outer, axisLen, inner] with repeats', () => {
    for (const [outer, axisLen, inner] of [
      [1, 5, 1],
      [2, 4, 3],
      [3, 6, 40],
    ] as const) {
      const xv = randArray(outer * axisLen * inner, 'float32', 2);
      const idx = [axisLen - 1, 0, 2, 2, 1];
      const out = be.indexSelect(be.upload(xv, 'float32'), up(idx, 'int32'), {
        outer,
        axisLen,
        inner,
        count: idx.length,
      });
      const want: number[] = [];
      for (let o = 0; o < outer; o++)
        for (const j of idx) for (let i = 0; i < inner; i++) want.push(xv[(o * axisLen + j) * inner + i]!);
      expect(read(out)).toEqual(want);
    }
  });

  it('indexAdd accumulates duplicates and leaves base untouched', () => {
    for (const [outer, axisLen, inner] of [
      [1, 5, 1],
      [2, 4, 3],
    ] as const) {
      const baseV = randArray(outer * axisLen * inner, 'float64', 4);
      const idx = [1, 3, 1, 0, 1];
      const srcV = randArray(outer * idx.length * inner, 'float64', 5);
      const base = be.upload(baseV, 'float64');
      const out = be.indexAdd(base, up(idx, 'int32'), be.upload(srcV, 'float64'), {
        outer,
        axisLen,
        inner,
        count: idx.length,
      });
      const want = Array.from(baseV);
      for (let o = 0; o < outer; o++) {
        idx.forEach((j, jj) => {
          for (let i = 0; i < inner; i++)
            want[(o * axisLen + j) * inner + i]! += srcV[(o * idx.length + jj) * inner + i]!;
        });
      }
      expectClose(read(out), want, 1e-12, 1e-12);
      expect(read(base)).toEqual(Array.from(baseV));
    }
  });
});

describe('random', () => {
  const key: [number, number] = [1234, 5678];
  const counter: [number, number] = [0, 0];

  it('uniform is in [0, 1) with mean 1/2 and is reproducible', () => {
    const n = 100_000;
    const h = be.random(n, 'float32', { kind: 'uniform', key, counter });
    const v = be.readSync(h);
    let mean = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const x of v) {
      mean += x / n;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Array.from(be.readSync(be.random(n, 'float32', { kind: 'uniform', key, counter })))).toEqual(Array.from(v));
    const other = be.readSync(be.random(8, 'float32', { kind: 'uniform', key, counter: [1, 0] }));
    // Counter +1 block skips the first 4 elements of the same stream.
    expect(Array.from(other.subarray(0, 4))).toEqual(Array.from(v.subarray(4, 8)));
    const otherKey = be.readSync(be.random(8, 'float32', { kind: 'uniform', key: [1, 2], counter }));
    expect(Array.from(otherKey)).not.toEqual(Array.from(v.subarray(0, 8)));
  });

  it('normal has mean ~0 and std ~1 over 1e5 samples', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const n = 100_000;
      const v = be.readSync(be.random(n, dtype, { kind: 'normal', key, counter }));
      let mean = 0;
      for (const x of v) mean += x / n;
      let varr = 0;
      for (const x of v) varr += (x - mean) ** 2 / n;
      expect(Math.abs(mean)).toBeLessThan(0.02);
      expect(Math.abs(Math.sqrt(varr) - 1)).toBeLessThan(0.02);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Array.from(be.readSync(be.random(1000, dtype, { kind: 'normal', key, counter })))).toEqual(
        Array.from(v.subarray(0, 1000)),
      );
    }
  });

  it('int values cover [low, high) and nothing else', () => {
    const n = 20_000;
    const v = be.readSync(be.random(n, 'int32', { kind: 'int', key, counter, low: -3, high: 4 }));
    expect(v).toBeInstanceOf(Int32Array);
    const seen = new Set(v);
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });
});
