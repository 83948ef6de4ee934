import { describe, expect, it } from 'vitest';
import * as at from '../../../src/index.js';
import { conformanceBackends, onBackend } from '../../helpers/backends.js';

const { NextItemModel } = at.models;

/** Item i is followed by item (i + 1) mod n. */
function cycles(n: number, users: number): number[][] {
  return Array.from({ length: users }, (_, u) => Array.from({ length: 3 + (u % 5) }, (_, t) => (u + t) % n));
}

const small = () => new NextItemModel({ numItems: 10, dim: 8, layers: 1, heads: 1, maxLen: 8, dropout: 0, seed: 3 });

for (const backend of conformanceBackends()) {
  describe(`sequence fit lrSchedule on ${backend}`, () => {
    onBackend(backend);

    it('scales lr per epoch: a factor of 0 leaves the weights as the epoch before left them', {
      timeout: 120_000,
    }, async () => {
      const m = small();
      const asked: number[] = [];
      const weights: Float32Array[] = [];
      await m.fit(cycles(10, 32), {
        epochs: 3,
        batchSize: 8,
        lr: 1e-2,
        lrSchedule: (epoch) => {
          asked.push(epoch);
          return epoch === 2 ? 0 : 1;
        },
        onEpoch: async () => {
          weights.push(Float32Array.from((await m.items.weight.data()) as Float32Array));
        },
      });
      expect(asked).toEqual([1, 2, 3]);
      const changed = (a: Float32Array, b: Float32Array) => a.some((v, i) => v !== b[i]);
      expect(changed(weights[0]!, weights[1]!)).toBe(false);
      expect(changed(weights[1]!, weights[2]!)).toBe(true);
      m.dispose();
    });

    it('a bad schedule is a ValueError naming it', async () => {
      const m = small();
      await expect(m.fit(cycles(10, 8), { epochs: 1, lrSchedule: () => -1 })).rejects.toThrow(/lrSchedule/);
      await expect(m.fit(cycles(10, 8), { epochs: 1, lrSchedule: 0.5 as unknown as () => number })).rejects.toThrow(
        at.ValueError,
      );
      m.dispose();
    });
  });
}
