import { describe, expect, it } from 'vitest';
import * as at from '../src/index.js';
import { fmtValue, fmtValues } from '../src/core/errors.js';

describe('fmtValue keeps error messages short and safe', () => {
  it('shows a few elements of an array and its length', () => {
    const labels = Array.from({ length: 23_570 }, (_, i) => i % 5);
    expect(fmtValue(labels)).toBe('[0,1,2,3,4,0,1,2,… (23570 values)]');
    expect(fmtValues(labels, 3)).toBe('[0,1,2,… (23570 values)]');
    expect(fmtValue(new Float32Array([1.5, -2]))).toBe('Float32Array[1.5,-2]');
    expect(fmtValue([[1, 2], [3]])).toBe('[[1,2],[3]]');
  });

  it('cuts long strings, names class instances, and never throws', () => {
    expect(fmtValue('x'.repeat(500)).length).toBeLessThan(70);
    expect(fmtValue(new Map())).toBe('a Map');
    expect(fmtValue({ toString: 1 })).toBe('{"toString": 1}');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(fmtValue(cycle)).toBe('{"self": {"self": {…}}}');
    expect(fmtValue(Object.create(null))).toBe('{}');
    expect([fmtValue(undefined), fmtValue(null), fmtValue(-0), fmtValue(Number.NaN), fmtValue(3n)]).toEqual([
      'undefined',
      'null',
      '-0',
      'NaN',
      '3n',
    ]);
  });

  it('a swapped silhouetteScore argument no longer prints every label', () => {
    const labels = Array.from({ length: 23_570 }, (_, i) => i % 3);
    const x = new Float64Array(labels.length * 2);
    let message = '';
    try {
      at.metrics.silhouetteScore(x, labels as unknown as number, labels as unknown as number[]);
    } catch (e) {
      expect(e).toBeInstanceOf(at.ValueError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/dims must be a positive integer; got \[0,1,2,0,1,2,0,1,… \(23570 values\)\]/);
    expect(message.length).toBeLessThan(200);
  });

  it('an option checked by the core checks reports an object that cannot be printed as a string', () => {
    expect(() => new at.models.MatrixFactorization({ factors: { toString: 1 } as unknown as number })).toThrow(
      /factors must be an integer >= 0; got \{"toString": 1\}/,
    );
  });
});
