import { ValueError } from '../core/errors.js';
import { philoxBlock, seedToKey } from '../core/philox.js';

/**
 * A small seeded generator for data handling (shuffles, splits, subsamples). It draws from the
 * same Philox4x32-10 counter-based stream as tensor random ops, so there is one kind of
 * randomness in the library and a seed means the same thing everywhere; the third counter word
 * is fixed to a data-specific constant so these draws never coincide with a tensor stream that
 * uses the same seed.
 */
export class Rng {
  private readonly k0: number;
  private readonly k1: number;
  private block = 0;
  private lane = 4;
  private readonly words = new Uint32Array(4);

  /** @param seed a non-negative safe integer; `op` names the caller in the error for a bad seed. */
  constructor(seed: number, op = 'Rng') {
    [this.k0, this.k1] = seedToKey(op, seed);
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    if (this.lane === 4) {
      const lo = (this.block % 0x100000000) >>> 0;
      const hi = Math.floor(this.block / 0x100000000) >>> 0;
      philoxBlock(lo, hi, 0xda7a5e7, 0, this.k0, this.k1, this.words);
      this.block++;
      this.lane = 0;
    }
    return this.words[this.lane++]!;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  float(): number {
    const a = this.uint32() >>> 5;
    const b = this.uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias; `n` must be an integer in [1, 2^32]. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) {
      throw new ValueError(`Rng.int: n must be an integer in [1, 2^32]; got ${n}`);
    }
    const limit = Math.floor(0x100000000 / n) * n;
    for (;;) {
      const u = this.uint32();
      if (u < limit) return u % n;
    }
  }

  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }
}
