import { describe, expect, it } from 'vitest';
import { main } from '../../examples/next-item.js';

describe('examples/next-item', () => {
  it('trains on synthetic journeys with validation, recommends with its attention, predicts the next action, cold-starts', {
    timeout: 120_000,
  }, async () => {
    const lines: string[] = [];
    const r = await main({ customers: 200, epochs: 3, log: (l) => lines.push(l) });
    expect(r.model.users).toBeGreaterThan(100);
    expect(r.model.sampled.hitRate).toBeGreaterThan(0);
    expect(r.recommended).toHaveLength(5);
    // The attention over the customer's past events is a distribution.
    expect(r.attention.length).toBeGreaterThan(0);
    expect(r.attention.reduce((a, e) => a + e.weight, 0)).toBeCloseTo(1, 4);
    expect(r.coldStart).toHaveLength(3);
    for (let j = 1; j < 3; j++) expect(r.coldStart[j]!.score).toBeLessThanOrEqual(r.coldStart[j - 1]!.score);
    expect(lines.join('\n')).toMatch(/validation NDCG@10 0\.\d{3}/);
    expect(['view', 'cart', 'purchase']).toContain(r.nextAction);
    expect(lines.join('\n')).toMatch(/reloaded: same top item true/);
  });
});
