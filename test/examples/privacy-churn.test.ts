import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { main } from '../../examples/privacy-churn.js';

describe('examples/privacy-churn', () => {
  it('trains on consenting, pseudonymised rows with PII-free notes, k-anonymous, and rotates the key', async () => {
    const lines: string[] = [];
    const r = await main({ customers: 800, epochs: 20, log: (l) => lines.push(l) });
    expect(r.kept + r.refused + r.missing).toBe(800);
    expect(r.refused).toBeGreaterThan(0);
    expect(r.missing).toBeGreaterThan(0);
    // Every kind of PII was written into some note, and none survives redaction.
    for (const type of at.privacy.PII_TYPES) expect(r.redacted[type]).toBeGreaterThan(0);
    expect(r.leftover).toBe(0);
    expect(r.kAnonymity.satisfies).toBe(true);
    // The modelling table holds pseudonyms, never a raw email, and no text with PII in it.
    const ids = r.table.customer as string[];
    expect(ids).toHaveLength(r.kept);
    expect(new Set(ids).size).toBe(r.kept);
    for (const id of ids) expect(id).toMatch(/^k1:[0-9a-f]{32}$/);
    for (const column of Object.values(r.table))
      for (const v of column) if (typeof v === 'string') expect(at.privacy.detectPii(v)).toEqual([]);
    expect(r.rocAuc).toBeGreaterThan(0.8);
    // Rotation re-keys every score one to one.
    expect(r.rotated.size).toBe(r.scores.size);
    for (const id of r.rotated.keys()) expect(id).toMatch(/^k2:/);
    expect([...r.rotated.values()].sort()).toEqual([...r.scores.values()].sort());
    expect(lines.join('\n')).toMatch(/riskiest customers, by pseudonym/);
  });
});
