import { Rng } from '../../../src/core/random.js';

/**
 * A Markov-chain item source with planted order: from item i the next item is (i + 1) mod n
 * with probability 0.5, (i + 5) mod n with 0.2, else a draw from a skewed popularity (item j
 * with weight 1/(1 + j)). Popularity sees the skew but not the order.
 */
export function markovJourneys(n: number, users: number, seed: number): number[][] {
  const rng = new Rng(seed, 'markovJourneys');
  const weights = Array.from({ length: n }, (_, j) => 1 / (1 + j));
  const total = weights.reduce((a, b) => a + b, 0);
  const popular = () => {
    let u = rng.float() * total;
    for (let j = 0; j < n; j++) if ((u -= weights[j]!) < 0) return j;
    return n - 1;
  };
  return Array.from({ length: users }, () => {
    const seq = [popular()];
    const len = 6 + rng.int(6);
    while (seq.length < len) {
      const i = seq[seq.length - 1]!;
      const u = rng.float();
      seq.push(u < 0.5 ? (i + 1) % n : u < 0.7 ? (i + 5) % n : popular());
    }
    return seq;
  });
}
