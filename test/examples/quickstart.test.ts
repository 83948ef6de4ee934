import { describe, expect, it } from 'vitest';
import { trainSpirals } from '../../examples/quickstart.js';

describe('examples/quickstart', () => {
  it('trains a 2-layer MLP on two spirals to >= 95% accuracy with a fixed seed', async () => {
    const r = await trainSpirals({ seed: 1 });
    expect(r.backend).toBe('cpu');
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! / 4);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.95);
  });
});
