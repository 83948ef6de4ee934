import { Rng } from '../core/random.js';

/** Row indices split per class, `testFraction` of each class to test (seeded), each part sorted. */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  testFraction: number,
  seed: number,
): { train: number[]; test: number[] } {
  const rng = new Rng(seed, 'demo.split');
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) rows.push(i);
    rng.shuffle(rows);
    const n = Math.round(rows.length * testFraction);
    test.push(...rows.slice(0, n));
    train.push(...rows.slice(n));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}
