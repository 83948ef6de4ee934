import { ValueError, fmtValue } from './errors.js';

/** Counter-based Philox4x32-10 stream; the exact mapping is below. */
export interface RandomInfo {
  readonly kind: 'uniform' | 'normal' | 'int';
  /** 64-bit key as two u32 words. */
  readonly key: readonly [number, number];
  /** 64-bit starting block counter as two u32 words. */
  readonly counter: readonly [number, number];
  /** For kind 'int': values in [low, high). */
  readonly low?: number;
  readonly high?: number;
}

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"). It is counter
 * based: element i's bits depend only on (key, counter, i), so every backend computes the same
 * stream with no shared state. The WGSL twin in kernels/random.wgsl follows this file line by
 * line, including the 16-bit split of the 32x32->64 multiply (WGSL has no 64-bit integers).
 *
 * Mapping from a tensor element to bits:
 * - uniform and int: element i reads lane i%4 of block counter+floor(i/4);
 * - normal: element i reads lanes 2(i%2) and 2(i%2)+1 of block counter+floor(i/2)
 *   (Box-Muller, cosine branch).
 */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32 values, using only 32-bit-safe steps. */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lolo = al * bl;
  const hilo = ah * bl;
  const lohi = al * bh;
  const hihi = ah * bh;
  const cross = (lolo >>> 16) + (hilo & 0xffff) + (lohi & 0xffff);
  return (hihi + (hilo >>> 16) + (lohi >>> 16) + (cross >>> 16)) >>> 0;
}

/** One Philox4x32-10 block; writes the 4 output words into `out`. */
export function philoxBlock(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** 24 random bits mapped to [0, 1); exactly representable in float32. */
export function bitsToUniform(bits: number): number {
  return (bits >>> 8) * 5.9604644775390625e-8;
}

/** Blocks a call of `size` elements consumes, so the global stream can advance past them. */
export function blocksUsed(kind: RandomInfo['kind'], size: number): number {
  return kind === 'normal' ? Math.ceil(size / 2) : Math.ceil(size / 4);
}

/** Splits a seed into the 64-bit key; refuses NaN, negatives, fractions and unsafe integers. */
export function seedToKey(op: string, seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueError(`${op}: seed must be a non-negative safe integer; got ${fmtValue(seed)}`);
  }
  return [(seed % 0x100000000) >>> 0, Math.floor(seed / 0x100000000) >>> 0];
}

/** Adds a block offset to a 64-bit counter held as two u32 words. */
export function addCounter(counter: readonly [number, number], blocks: number): [number, number] {
  const lo = counter[0] + (blocks % 0x100000000);
  const carry = lo >= 0x100000000 ? 1 : 0;
  return [lo >>> 0, (counter[1] + Math.floor(blocks / 0x100000000) + carry) >>> 0];
}

/** Reference generator used by the CPU backend; fills `out` per the mapping above. */
export function philoxFill(out: Float32Array | Float64Array | Int32Array, info: RandomInfo): void {
  const [k0, k1] = info.key;
  const words = new Uint32Array(4);
  const n = out.length;
  if (info.kind === 'normal') {
    for (let b = 0; 2 * b < n; b++) {
      const [c0, c1] = addCounter(info.counter, b);
      philoxBlock(c0, c1, 0, 0, k0, k1, words);
      for (let lane = 0; lane < 2 && 2 * b + lane < n; lane++) {
        const u1 = ((words[2 * lane]! >>> 8) + 1) * 5.9604644775390625e-8;
        const u2 = bitsToUniform(words[2 * lane + 1]!);
        out[2 * b + lane] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      }
    }
    return;
  }
  const low = info.low ?? 0;
  const range = (info.high ?? 0) - low;
  for (let b = 0; 4 * b < n; b++) {
    const [c0, c1] = addCounter(info.counter, b);
    philoxBlock(c0, c1, 0, 0, k0, k1, words);
    for (let lane = 0; lane < 4 && 4 * b + lane < n; lane++) {
      const bits = words[lane]!;
      out[4 * b + lane] = info.kind === 'int' ? low + mulhi32(bits, range) : bitsToUniform(bits);
    }
  }
}
