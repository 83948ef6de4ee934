import { describe, it, expect } from 'vitest';
import { IdMap } from '../../src/data/idmap.js';
import { ValueError } from '../../src/core/errors.js';

describe('IdMap', () => {
  it('maps ids to dense indices in first-seen order and back', () => {
    const m = IdMap.from(['b', 'a', 'b', 7]);
    expect(m.size).toBe(3);
    expect(m.index('b')).toBe(0);
    expect(m.index(7)).toBe(2);
    expect(m.id(1)).toBe('a');
    expect(m.has('7')).toBe(false);
    expect(m.get('zzz')).toBeUndefined();
  });

  it('names unknown ids and bad indices', () => {
    const m = IdMap.from([1, 2]);
    expect(() => m.index('1')).toThrow(ValueError);
    expect(() => m.index(3)).toThrow(/unknown id 3/);
    expect(() => m.id(2)).toThrow(/\[0, 2\)/);
    expect(() => m.id(-1)).toThrow(ValueError);
    expect(() => m.add(Number.NaN)).toThrow(ValueError);
  });

  it('round-trips through JSON keeping id types', () => {
    const m = IdMap.from(['x', 1, '1']);
    const back = IdMap.fromJSON(JSON.parse(JSON.stringify(m)));
    expect(back.ids()).toEqual(['x', 1, '1']);
    expect(back.index('1')).toBe(2);
    expect(() => IdMap.fromJSON({ ids: ['a', 'a'] })).toThrow(/repeats/);
    expect(() => IdMap.fromJSON({ ids: [null as unknown as string] })).toThrow(/ids\[0\]/);
    expect(() => IdMap.fromJSON({} as never)).toThrow(ValueError);
  });

  it('clone is independent', () => {
    const m = IdMap.from(['a']);
    const c = m.clone();
    c.add('b');
    expect(m.size).toBe(1);
    expect(c.size).toBe(2);
  });
});
