import { ValueError, fmtValue } from './errors.js';
import { philoxBlock, seedToKey } from './philox.js';

/**
 * The streams a seed is split into, one per purpose, so that (for example) drawing more
 * negatives never shifts the shuffle order, and no host draw coincides with a tensor random op
 * (`rand`/`randn` use the third counter word 0). The value is the third Philox counter word.
 */
export const RNG_STREAMS = {
  /** Shuffles, splits, subsamples and data generation: the default. */
  data: 0xda7a5e7,
  /** Initial weights drawn on the host (factor tables). */
  init: 0x1e17,
  /** The order of training examples in each epoch. */
  shuffle: 0x5f1e,
  /** Sampled negatives, in training and in evaluation. */
  negatives: 0x9e6a,
  /** Sampling during generation (decoding with a temperature). */
  sample: 0x5a3b1e,
} as const;
export type RngStream = keyof typeof RNG_STREAMS;

/**
 * The one seeded generator for host-side randomness: shuffles, splits, negatives, initial
 * weights. It draws from the same Philox4x32-10 counter-based generator as tensor random ops,
 * so there is one kind of randomness in the library and a seed means the same thing everywhere;
 * `stream` picks one of {@link RNG_STREAMS}, so each purpose has its own sequence.
 */
export class Rng {
  private readonly k0: number;
  private readonly k1: number;
  private readonly streamWord: number;
  private block = 0;
  private lane = 4;
  private readonly words = new Uint32Array(4);

  /**
   * @param seed a non-negative safe integer; `op` names the caller in the error for a bad seed.
   * @param stream the purpose these draws serve (default `'data'`).
   */
  constructor(seed: number, op = 'Rng', stream: RngStream = 'data') {
    [this.k0, this.k1] = seedToKey(op, seed);
    this.streamWord = RNG_STREAMS[stream];
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    if (this.lane === 4) {
      const lo = (this.block % 0x100000000) >>> 0;
      const hi = Math.floor(this.block / 0x100000000) >>> 0;
      philoxBlock(lo, hi, this.streamWord, 0, this.k0, this.k1, this.words);
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
      throw new ValueError(`Rng.int: n must be an integer in [1, 2^32]; got ${fmtValue(n)}`);
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

  /** `n` Normal(0, std) values (Box-Muller), so every backend starts from the same weights. */
  normalArray(n: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = 1 - this.float();
      const u2 = this.float();
      const r = Math.sqrt(-2 * Math.log(u1)) * std;
      out[i] = r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }
}
