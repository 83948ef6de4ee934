import { describe, it, expect } from 'vitest';
import { silhouetteScore } from '../../src/metrics/clustering.js';
import { ShapeError, ValueError } from '../../src/core/errors.js';

describe('silhouetteScore', () => {
  it('matches a hand-computed 1-D example', () => {
    const x = new Float32Array([0, 1, 10, 11]);
    const s = (9.5 / 10.5 + 8.5 / 9.5) / 2;
    expect(silhouetteScore(x, 1, [0, 0, 5, 5])).toBeCloseTo(s, 6);
  });

  it('scores singletons 0 and handles 2-D rows', () => {
    // Cluster 1 is a singleton; the others: a = 1, b = distance to the far point.
    const x = [0, 0, 0, 1, 5, 5];
    const a = 1;
    const b0 = Math.hypot(5, 5);
    const b1 = Math.hypot(5, 4);
    expect(silhouetteScore(x, 2, [0, 0, 1])).toBeCloseTo(((b0 - a) / b0 + (b1 - a) / b1 + 0) / 3, 12);
  });

  it('is near 1 for well-separated clusters and subsampling is seeded', () => {
    const x: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 200; i++) {
      const c = i % 2;
      x.push(c * 100 + (i % 7) * 0.01, c * 100 + (i % 5) * 0.01);
      labels.push(c);
    }
    expect(silhouetteScore(x, 2, labels)).toBeGreaterThan(0.99);
    const a = silhouetteScore(x, 2, labels, { sampleSize: 50, seed: 1 });
    expect(a).toBe(silhouetteScore(x, 2, labels, { sampleSize: 50, seed: 1 }));
    expect(a).toBeGreaterThan(0.99);
  });

  it('checks arguments', () => {
    expect(() => silhouetteScore([0, 1, 2], 2, [0, 1])).toThrow(ShapeError);
    expect(() => silhouetteScore([0, 1, 2], 1, [0, 0, 0])).toThrow(/between 2 and 2 clusters/);
    expect(() => silhouetteScore([0, 1], 1, [0, 1])).toThrow(ValueError);
    expect(() => silhouetteScore([0, Number.NaN, 2], 1, [0, 1, 1])).toThrow(/x\[1\]/);
    expect(() => silhouetteScore([0, 1, 2], 1, [0, 0.5, 1])).toThrow(/labels\[1\]/);
  });
});
