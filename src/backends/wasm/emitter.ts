/**
 * A small WebAssembly binary emitter: enough of the module format (types, one imported memory,
 * functions with locals, exports) and of the instruction set (integer and float arithmetic,
 * structured control flow, loads and stores, and the 128-bit SIMD subset the CPU kernels use)
 * to write kernels as TypeScript that emits bytecode at run time. No toolchain, no binary in
 * the repository: a kernel is a function that calls these methods, so its loops can be
 * specialized (unrolled tiles, constant strides) for each shape family it serves.
 *
 * Encoding follows the WebAssembly core specification (binary format, section 5) and the
 * fixed-width SIMD proposal (merged into the 2.0 spec), whose opcodes sit behind the 0xfd prefix.
 */

import { LOADS, type MemOp, PLAIN, type PlainOp, SIMD, type SimdOp } from './opcodes.js';

export type { MemOp, PlainOp, SimdOp } from './opcodes.js';

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** A fixed-length tuple of N elements of T (N up to a few dozen), for destructuring locals by name. */
export type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N ? R : Tuple<T, N, [...R, T]>;

/** A local variable or parameter index, typed so kernels cannot mix up ints and vectors. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

function unsignedLeb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function signedLeb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(out: number[], text: string): void {
  const bytes = new TextEncoder().encode(text);
  unsignedLeb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

/**
 * The body of one function. Each method appends one instruction; operands come from the value
 * stack exactly as in the text format, so `f.get(a); f.get(b); f.op('i32.add')` is `a + b`.
 */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];
  private depth = 0;

  constructor(
    readonly paramTypes: readonly ValType[],
    readonly results: readonly ValType[],
  ) {}

  /** The i-th parameter. */
  param(i: number): Local {
    const type = this.paramTypes[i];
    if (type === undefined) throw new RangeError(`wasm emitter: no parameter ${i}`);
    return { index: i, type };
  }

  /**
   * All `count` parameters in order, typed as a tuple so a kernel can destructure them by name;
   * `count` must be the function's parameter count (a mismatch is an emitter bug, thrown).
   */
  params<N extends number>(count: N): Tuple<Local, N> {
    if (count !== this.paramTypes.length) {
      throw new RangeError(`wasm emitter: ${count} parameters asked, the function has ${this.paramTypes.length}`);
    }
    return this.paramTypes.map((_, i) => this.param(i)) as Tuple<Local, N>;
  }

  /** A fresh local of `type`, zero-initialized on entry as WebAssembly requires. */
  local(type: ValType): Local {
    this.locals.push(type);
    return { index: this.paramTypes.length + this.locals.length - 1, type };
  }

  /** `count` fresh locals of `type`, as a tuple (see {@link FunctionBuilder.params}). */
  localsOf<N extends number>(type: ValType, count: N): Tuple<Local, N> {
    return Array.from({ length: count }, () => this.local(type)) as Tuple<Local, N>;
  }

  get(l: Local): this {
    this.code.push(0x20);
    unsignedLeb(this.code, l.index);
    return this;
  }

  set(l: Local): this {
    this.code.push(0x21);
    unsignedLeb(this.code, l.index);
    return this;
  }

  tee(l: Local): this {
    this.code.push(0x22);
    unsignedLeb(this.code, l.index);
    return this;
  }

  i32(value: number): this {
    this.code.push(0x41);
    signedLeb(this.code, value);
    return this;
  }

  f32(value: number): this {
    this.code.push(0x43);
    for (const b of new Uint8Array(new Float32Array([value]).buffer)) this.code.push(b);
    return this;
  }

  op(name: PlainOp): this {
    this.code.push(PLAIN[name]);
    return this;
  }

  /** A scalar load or store; `offset` is added to the address operand without overflow checks. */
  mem(name: MemOp, offset = 0): this {
    const [code, align] = LOADS[name];
    this.code.push(code);
    unsignedLeb(this.code, align);
    unsignedLeb(this.code, offset);
    return this;
  }

  /** A SIMD instruction; loads and stores take a byte `offset`, lane ops take `lane`. */
  simd(name: SimdOp, immediate = 0): this {
    this.code.push(0xfd);
    unsignedLeb(this.code, SIMD[name]);
    if (name === 'v128.load' || name === 'v128.store') {
      unsignedLeb(this.code, 4); // 16-byte alignment hint; unaligned access is still legal
      unsignedLeb(this.code, immediate);
    } else if (name === 'v128.load32_splat') {
      unsignedLeb(this.code, 2);
      unsignedLeb(this.code, immediate);
    } else if (name === 'f32x4.extract_lane' || name === 'f32x4.replace_lane') {
      if (immediate < 0 || immediate > 3) throw new RangeError(`wasm emitter: lane ${immediate} of f32x4`);
      this.code.push(immediate);
    }
    return this;
  }

  /** A v128 constant with four equal f32 lanes (one `v128.const`, no splat at run time). */
  f32x4(value: number): this {
    this.code.push(0xfd);
    unsignedLeb(this.code, SIMD['v128.const']);
    const lane = new Uint8Array(new Float32Array([value]).buffer);
    for (let i = 0; i < 4; i++) for (const b of lane) this.code.push(b);
    return this;
  }

  /** `block ... end`; `br(0)` inside `body` jumps past the end. */
  block(body: () => void): this {
    return this.structured(0x02, body);
  }

  /** `loop ... end`; `br(0)` inside `body` jumps back to the start. */
  loop(body: () => void): this {
    return this.structured(0x03, body);
  }

  /** `if ... [else ...] end`, consuming an i32 condition. */
  if(then: () => void, otherwise?: () => void): this {
    this.code.push(0x04, 0x40);
    this.depth++;
    then();
    if (otherwise) {
      this.code.push(0x05);
      otherwise();
    }
    this.depth--;
    this.code.push(0x0b);
    return this;
  }

  br(label: number): this {
    this.code.push(0x0c);
    unsignedLeb(this.code, label);
    return this;
  }

  brIf(label: number): this {
    this.code.push(0x0d);
    unsignedLeb(this.code, label);
    return this;
  }

  /**
   * `for (i = start; i < end; i += step) body()` over i32 locals: a block around a loop whose
   * head exits when i >= end (signed), so an empty range runs the body zero times.
   */
  forRange(i: Local, start: () => void, end: () => void, step: number, body: () => void): this {
    start();
    this.set(i);
    return this.block(() =>
      this.loop(() => {
        this.get(i);
        end();
        this.op('i32.ge_s').brIf(1);
        body();
        this.get(i).i32(step).op('i32.add').set(i);
        this.br(0);
      }),
    );
  }

  private structured(opcode: number, body: () => void): this {
    this.code.push(opcode, 0x40);
    this.depth++;
    body();
    this.depth--;
    this.code.push(0x0b);
    return this;
  }

  /** The function body as the code section stores it: locals (run-length coded), code, end. */
  encode(): number[] {
    if (this.depth !== 0) throw new Error('wasm emitter: unclosed block');
    const body: number[] = [];
    const runs: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    unsignedLeb(body, runs.length);
    for (const [count, t] of runs) {
      unsignedLeb(body, count);
      body.push(VALTYPE[t]);
    }
    for (const b of this.code) body.push(b);
    body.push(0x0b);
    const out: number[] = [];
    unsignedLeb(out, body.length);
    for (const b of body) out.push(b);
    return out;
  }
}

/** Memory import: `env.memory`, shared when `shared` (then `maximum` is required). */
export interface MemoryImport {
  readonly initial: number;
  readonly maximum?: number;
  readonly shared?: boolean;
}

/** A module of exported functions over one imported memory. */
export class ModuleBuilder {
  private readonly functions: { name: string; fn: FunctionBuilder }[] = [];

  constructor(private readonly memory: MemoryImport = { initial: 1 }) {}

  /** Adds an exported function; fill its body through the returned builder. */
  function(exportName: string, params: readonly ValType[], results: readonly ValType[] = []): FunctionBuilder {
    const fn = new FunctionBuilder(params, results);
    this.functions.push({ name: exportName, fn });
    return fn;
  }

  /** The module's bytes; `memory` overrides the constructor's import (the runtime's shared memory). */
  encode(memory: MemoryImport = this.memory): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, content: number[]): void => {
      out.push(id);
      unsignedLeb(out, content.length);
      for (const b of content) out.push(b);
    };
    // One type per function keeps indices trivial; duplicates are legal.
    const types: number[] = [];
    unsignedLeb(types, this.functions.length);
    for (const { fn } of this.functions) {
      types.push(0x60);
      unsignedLeb(types, fn.paramTypes.length);
      for (const p of fn.paramTypes) types.push(VALTYPE[p]);
      unsignedLeb(types, fn.results.length);
      for (const r of fn.results) types.push(VALTYPE[r]);
    }
    section(1, types);

    const imports: number[] = [1];
    name(imports, 'env');
    name(imports, 'memory');
    imports.push(0x02);
    const { initial, maximum, shared } = memory;
    imports.push(shared ? 0x03 : maximum === undefined ? 0x00 : 0x01);
    unsignedLeb(imports, initial);
    if (maximum !== undefined || shared) unsignedLeb(imports, maximum ?? initial);
    section(2, imports);

    const funcs: number[] = [];
    unsignedLeb(funcs, this.functions.length);
    this.functions.forEach((_, i) => unsignedLeb(funcs, i));
    section(3, funcs);

    const exports: number[] = [];
    unsignedLeb(exports, this.functions.length);
    this.functions.forEach(({ name: n }, i) => {
      name(exports, n);
      exports.push(0x00);
      unsignedLeb(exports, i);
    });
    section(7, exports);

    const code: number[] = [];
    unsignedLeb(code, this.functions.length);
    for (const { fn } of this.functions) for (const b of fn.encode()) code.push(b);
    section(10, code);
    return new Uint8Array(out);
  }
}
