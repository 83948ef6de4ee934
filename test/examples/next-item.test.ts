import { describe, expect, it } from 'vitest';
import { main } from '../../examples/next-item.js';

describe('examples/next-item', () => {
  it('trains on synthetic journeys, beats nothing-learned ranks, recommends and predicts the next action', {
    timeout: 120_000,
  }, async () => {
    const lines: string[] = [];
    const r = await main({ customers: 200, epochs: 3, log: (l) => lines.push(l) });
    expect(r.model.users).toBeGreaterThan(100);
    expect(r.model.sampled.hitRate).toBeGreaterThan(0);
    expect(r.recommended).toHaveLength(5);
    expect(['view', 'cart', 'purchase']).toContain(r.nextAction);
    expect(lines.join('\n')).toMatch(/reloaded: same top item true/);
  });
});
