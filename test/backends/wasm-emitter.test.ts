import { describe, expect, it } from 'vitest';
import { ModuleBuilder } from '../../src/backends/wasm/emitter.js';
import { emitExpX4, emitSigmoidX4, emitTanhX4, mathScratch } from '../../src/backends/wasm/simd-math.js';
import { MAX_WASM_BYTES, WasmCapacityError, WasmRuntime, simdAvailable } from '../../src/backends/wasm/runtime.js';

type Fn = (...args: number[]) => number;

function instantiate(mod: ModuleBuilder, memory = new WebAssembly.Memory({ initial: 1 })): Record<string, Fn> {
  const bytes = mod.encode();
  expect(WebAssembly.validate(bytes)).toBe(true);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<string, Fn>;
}

describe('wasm emitter', () => {
  it('encodes integer constants of every LEB128 length, signed and unsigned', () => {
    const values = [0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, -8193, 1 << 20, 2 ** 31 - 1, -(2 ** 31)];
    const mod = new ModuleBuilder();
    for (const [i, v] of values.entries()) mod.function(`c${i}`, [], ['i32']).i32(v);
    const ex = instantiate(mod);
    values.forEach((v, i) => expect(ex[`c${i}`]!()).toBe(v));
  });

  it('runs integer arithmetic, select and if/else over parameters', () => {
    const mod = new ModuleBuilder();
    const f = mod.function('mix', ['i32', 'i32'], ['i32']);
    const [a, b] = [f.param(0), f.param(1)];
    const r = f.local('i32');
    // r = a < b ? (a*b - a) : (a << 2) | b; then min(r, 1000) through select
    f.get(a).get(b).op('i32.lt_s');
    f.if(
      () => f.get(a).get(b).op('i32.mul').get(a).op('i32.sub').set(r),
      () => f.get(a).i32(2).op('i32.shl').get(b).op('i32.or').set(r),
    );
    f.get(r).i32(1000).get(r).i32(1000).op('i32.lt_s').op('select');
    const ex = instantiate(mod);
    expect(ex.mix!(3, 5)).toBe(12);
    expect(ex.mix!(5, 3)).toBe(23);
    expect(ex.mix!(40, 50)).toBe(1000);
    expect(ex.mix!(-7, -3)).toBe(28);
  });

  it('loops over memory: a float32 sum with forRange, zero trips on an empty range', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const mod = new ModuleBuilder();
    const f = mod.function('sum', ['i32', 'i32'], ['f32']);
    const [ptr, n] = [f.param(0), f.param(1)];
    const i = f.local('i32');
    const s = f.local('f32');
    f.forRange(
      i,
      () => f.i32(0),
      () => f.get(n),
      1,
      () => {
        f.get(s).get(ptr).get(i).i32(2).op('i32.shl').op('i32.add').mem('f32.load').op('f32.add').set(s);
      },
    );
    f.get(s);
    const ex = instantiate(mod, memory);
    const view = new Float32Array(memory.buffer);
    view.set([1.5, 2, -0.25, 8], 4);
    expect(ex.sum!(16, 4)).toBe(11.25);
    expect(ex.sum!(16, 0)).toBe(0);
    expect(ex.sum!(16, -3)).toBe(0);
  });

  it('runs the SIMD subset: v128 load/store, splat, f32x4 arithmetic and lanes', () => {
    expect(simdAvailable()).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const mod = new ModuleBuilder();
    // out[0..4) = max((x + y) * s - y / 2, 0) lane-wise, then return lane 2 + load32_splat of x[1]
    const f = mod.function('axpy', ['i32', 'i32', 'i32', 'f32'], ['f32']);
    const [x, y, out, s] = [f.param(0), f.param(1), f.param(2), f.param(3)];
    const v = f.local('v128');
    f.get(x).simd('v128.load').get(y).simd('v128.load').simd('f32x4.add');
    f.get(s).simd('f32x4.splat').simd('f32x4.mul');
    f.get(y).simd('v128.load').f32x4(2).simd('f32x4.div').simd('f32x4.sub');
    f.f32x4(0).simd('f32x4.max').set(v);
    f.get(out).get(v).simd('v128.store');
    f.get(v).simd('f32x4.extract_lane', 2).get(x).simd('v128.load32_splat', 4).simd('f32x4.extract_lane', 3);
    f.op('f32.add');
    const ex = instantiate(mod, memory);
    const view = new Float32Array(memory.buffer);
    view.set([1, 2, 3, 4], 0);
    view.set([4, -8, 2, 0.5], 4);
    const lane2 = ex.axpy!(0, 16, 32, 3);
    const want = [0, 1, 2, 3].map((j) => Math.max((view[j]! + view[4 + j]!) * 3 - view[4 + j]! / 2, 0));
    expect([...view.subarray(8, 12)]).toEqual(want);
    expect(lane2).toBe(want[2]! + 2);
  });

  it('rejects a lane index outside f32x4 and an unknown parameter', () => {
    const f = new ModuleBuilder().function('f', ['f32']);
    expect(() => f.simd('f32x4.extract_lane', 4)).toThrow(/lane 4/);
    expect(() => f.param(1)).toThrow(/no parameter 1/);
    expect(() => f.params(2)).toThrow(/2 parameters asked, the function has 1/);
  });

  it('hands out all parameters and fresh locals as tuples, in index order', () => {
    const mod = new ModuleBuilder();
    const f = mod.function('mad', ['i32', 'i32', 'i32'], ['i32']);
    const [a, b, c] = f.params(3);
    const [t, u] = f.localsOf('i32', 2);
    expect([a.index, b.index, c.index, t.index, u.index]).toEqual([0, 1, 2, 3, 4]);
    f.get(a).get(b).op('i32.mul').set(t).get(c).set(u).get(t).get(u).op('i32.add');
    expect(instantiate(mod).mad!(6, 7, 8)).toBe(50);
  });

  it('imports a shared memory (limits flag 0x03 with a maximum) when asked', () => {
    const mod = new ModuleBuilder();
    mod.function('one', [], ['i32']).i32(1);
    const shared = { initial: 1, maximum: 4, shared: true };
    const bytes = mod.encode(shared);
    // Import entry: "env" "memory" kind 0x02, then flags 0x03, initial 1, maximum 4.
    const at = bytes.findIndex((_, i) => bytes[i] === 0x02 && bytes[i + 1] === 0x03);
    expect([...bytes.subarray(at, at + 4)]).toEqual([0x02, 0x03, 1, 4]);
    const memory = new WebAssembly.Memory({ ...shared });
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<
      string,
      Fn
    >;
    expect(exports.one!()).toBe(1);
    // The unshared encoding does not link against a shared memory.
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env: { memory } })).toThrow();
  });
});

describe('f32x4 exp, sigmoid and tanh (simd-math)', () => {
  it('match Math within float32 accuracy, saturate at the ends and never give NaN', () => {
    const mod = new ModuleBuilder();
    const f = mod.function('math', ['i32']);
    const [n] = [f.param(0)];
    const [i, x] = [f.local('i32'), f.local('v128')];
    const t = mathScratch(f);
    // For every f32x4 at 0..n: exp to n, sigmoid to 2n, tanh to 3n (byte offsets i + k·n).
    f.forRange(
      i,
      () => f.i32(0),
      () => f.get(n),
      16,
      () => {
        f.get(i).simd('v128.load').set(x);
        f.get(i).get(n).op('i32.add').get(x);
        emitExpX4(f, t);
        f.simd('v128.store');
        f.get(i).get(n).op('i32.add').get(n).op('i32.add');
        emitSigmoidX4(f, x, t);
        f.simd('v128.store');
        f.get(i).get(n).op('i32.add').get(n).op('i32.add').get(n).op('i32.add');
        emitTanhX4(f, x, t);
        f.simd('v128.store');
      },
    );
    const memory = new WebAssembly.Memory({ initial: 1 });
    const ex = instantiate(mod, memory);
    const xs = [0, 1e-6, -1e-6, 0.5, -0.5, 1, -1, 3.3, -3.3, 10, -10, 20, -20, 87, -87, 100, -100, 1e30, -1e30];
    while (xs.length % 4) xs.push(0.25);
    for (let v = -8; v <= 8; v += 0.37) xs.push(v, -v / 3, v * 2, v / 7);
    const len = xs.length;
    const view = new Float32Array(memory.buffer);
    view.set(xs);
    ex.math!(len * 4);
    const relExp = (got: number, want: number) => Math.abs(got - want) / Math.max(want, 1e-30);
    xs.forEach((v, k) => {
      const c = Math.min(88, Math.max(-87, Math.fround(v)));
      if (c > -80) expect(relExp(view[len + k]!, Math.exp(c))).toBeLessThan(3e-7);
      const sig = 1 / (1 + Math.exp(-v));
      expect(Math.abs(view[2 * len + k]! - sig)).toBeLessThan(2e-7);
      expect(Math.abs(view[3 * len + k]! - Math.tanh(v))).toBeLessThan(3e-7);
    });
    expect(view.subarray(len, 4 * len).every(Number.isFinite)).toBe(true);
    expect(view[2 * len + xs.indexOf(1e30)]).toBe(1);
    expect(view[3 * len + xs.indexOf(-1e30)]).toBe(-1);
  });
});

describe('wasm runtime', () => {
  it('compiles a kernel once per key and reuses it', () => {
    const rt = new WasmRuntime();
    let builds = 0;
    const build = () => {
      builds++;
      const mod = new ModuleBuilder();
      mod.function('one', [], ['i32']).i32(1);
      return mod;
    };
    const a = rt.kernel('one', build);
    const b = rt.kernel('one', build);
    expect(a).toBe(b);
    expect(builds).toBe(1);
    expect(a.one!()).toBe(1);
    expect(rt.compiledKernels()).toEqual(['one']);
  });

  it('grows the arena on demand and hands out fresh views after a grow', () => {
    const rt = new WasmRuntime();
    const before = rt.arenaBytes();
    const small = rt.reserve(64, 'test').f32;
    const big = rt.reserve(before + 200_000, 'test').f32;
    expect(rt.arenaBytes()).toBeGreaterThanOrEqual(before + 200_000);
    expect(big.buffer).toBe(rt.memory.buffer);
    // The engine detaches views of the old buffer; nothing may keep using one.
    expect(small.length).toBe(0);
  });

  it('with threads, runs on a shared memory whose views survive a grow', () => {
    const rt = new WasmRuntime({ threads: 2 });
    expect(rt.threads).toBe(2);
    expect(rt.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const small = rt.reserve(64, 'test').f32;
    small[3] = 7;
    const big = rt.reserve(rt.arenaBytes() + 200_000, 'test').f32;
    // A shared memory never moves: the old view still reads the same bytes, only shorter.
    expect(small.length).toBeGreaterThan(0);
    expect(big[3]).toBe(7);
    expect(big.length).toBe(rt.arenaBytes() / 4);
    rt.dispose();
  });

  it('falls back to TypeScript when the engine refuses a synchronous compile (browser main thread), and uses the module once an asynchronous compile lands', async () => {
    const { WasmKernels } = await import('../../src/backends/wasm/index.js');
    const kernels = new WasmKernels(1);
    const Real = WebAssembly.Module;
    // What Chromium throws on a page's main thread for a module over its limit (8 MB in 156, 4 KB
    // in older releases); here any module over 100 bytes is refused.
    const refuse = function (this: unknown, bytes: BufferSource) {
      if ((bytes as Uint8Array).length > 100)
        throw new RangeError(
          'WebAssembly.Compile is disallowed on the main thread, if the buffer size is larger than 8MB.',
        );
      return new Real(bytes);
    };
    (WebAssembly as { Module: unknown }).Module = refuse;
    try {
      const info = {
        batch: 1,
        m: 2,
        n: 2,
        k: 2,
        transA: false,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 0,
        activation: 'none',
      } as const;
      const out = new Float32Array(4);
      expect(kernels.matmul(new Float32Array(4).fill(1), new Float32Array(4).fill(1), undefined, info, out)).toBe(
        false,
      );
      expect(kernels.fallbackReason).toMatch(
        /refused to compile WebAssembly kernel gemm:4x8 .*synchronously.*disallowed on the main thread.*compiled asynchronously.*TypeScript/,
      );
      // Until the asynchronous compile lands, calls fall back without compiling again...
      expect(kernels.matmul(new Float32Array(4).fill(1), new Float32Array(4).fill(1), undefined, info, out)).toBe(
        false,
      );
      expect(kernels.fallbackReason).toMatch(/gemm:4x8 is still compiling asynchronously/);
      // ...and after it, they run the compiled module, while synchronous compiles are still refused.
      await kernels.runtime.compilesSettled();
      out.fill(0);
      expect(kernels.matmul(new Float32Array(4).fill(1), new Float32Array(4).fill(2), undefined, info, out)).toBe(true);
      expect([...out]).toEqual([4, 4, 4, 4]);
      expect(kernels.runtime.compiledKernels()).toContain('gemm:4x8');
    } finally {
      (WebAssembly as { Module: unknown }).Module = Real;
    }
  });

  it('refuses more than the 4 GiB address space with a capacity error', () => {
    const rt = new WasmRuntime();
    expect(() => rt.reserve(MAX_WASM_BYTES + 4, 'matmul 1x2x3')).toThrow(WasmCapacityError);
    expect(() => rt.reserve(MAX_WASM_BYTES + 4, 'matmul 1x2x3')).toThrow(/matmul 1x2x3 needs .* 4 GiB/);
  });
});
