import { describe, it, expect } from 'vitest';
import { Interactions } from '../../src/data/interactions.js';
import { IdMap } from '../../src/data/idmap.js';
import { DataError, ShapeError, ValueError } from '../../src/core/errors.js';

describe('Interactions.fromArrays', () => {
  it('encodes ids densely and defaults values to 1', () => {
    const d = Interactions.fromArrays({ users: ['u1', 'u2', 'u1'], items: [10, 20, 20] });
    expect(Array.from(d.users)).toEqual([0, 1, 0]);
    expect(Array.from(d.items)).toEqual([0, 1, 1]);
    expect(Array.from(d.values)).toEqual([1, 1, 1]);
    expect(d.times).toBeUndefined();
    expect([d.length, d.numUsers, d.numItems]).toEqual([3, 2, 2]);
    expect(d.itemIds.id(1)).toBe(20);
  });

  it('refuses empty input, NaN values and times, bad ids and ragged columns', () => {
    expect(() => Interactions.fromArrays({ users: [], items: [] })).toThrow(DataError);
    expect(() => Interactions.fromArrays({ users: [1, 2], items: [1, 2], values: [3, Number.NaN] })).toThrow(
      /row 1: value must be a finite number; got NaN/,
    );
    expect(() => Interactions.fromArrays({ users: [1], items: [1], times: [Infinity] })).toThrow(/row 0: time/);
    expect(() => Interactions.fromArrays({ users: [1, undefined as never], items: [1, 2] })).toThrow(/row 1: user id/);
    expect(() => Interactions.fromArrays({ users: [1, 2], items: [1] })).toThrow(ShapeError);
    expect(() => Interactions.fromArrays({ users: [1], items: [1] }, { duplicates: 'max' as never })).toThrow(
      ValueError,
    );
  });

  it('reports duplicate pairs with both rows by default', () => {
    const cols = {
      users: ['a', 'b', 'a', 'a'],
      items: ['x', 'x', 'x', 'y'],
      values: [1, 2, 3, 4],
      times: [5, 6, 4, 7],
    };
    expect(() => Interactions.fromArrays(cols)).toThrow(/\(user "a", item "x"\) at row 0 and row 2/);
    const named = () => Interactions.fromArrays(cols, { describeRow: (r) => `line ${r + 2}` });
    expect(named).toThrow(/at line 2 and line 4/);
  });

  it('merges duplicates by sum, mean and last, and keeps them with keep', () => {
    const cols = {
      users: ['a', 'b', 'a', 'a'],
      items: ['x', 'x', 'x', 'y'],
      values: [1, 2, 3, 4],
      times: [5, 6, 4, 7],
    };
    const sum = Interactions.fromArrays(cols, { duplicates: 'sum' });
    expect(Array.from(sum.values)).toEqual([4, 2, 4]);
    expect(Array.from(sum.times!)).toEqual([5, 6, 7]);
    expect(Array.from(Interactions.fromArrays(cols, { duplicates: 'mean' }).values)).toEqual([2, 2, 4]);
    // 'last' is latest by time: row 0 (t=5) beats row 2 (t=4).
    expect(Array.from(Interactions.fromArrays(cols, { duplicates: 'last' }).values)).toEqual([1, 2, 4]);
    const noTimes = { ...cols, times: undefined };
    expect(Array.from(Interactions.fromArrays(noTimes, { duplicates: 'last' }).values)).toEqual([3, 2, 4]);
    expect(Interactions.fromArrays(cols, { duplicates: 'keep' }).length).toBe(4);
  });

  it('encodes against existing maps without changing them', () => {
    const users = IdMap.from(['a']);
    const d = Interactions.fromArrays({ users: ['b', 'a'], items: [1, 2] }, { userIds: users });
    expect(Array.from(d.users)).toEqual([1, 0]);
    expect(users.size).toBe(1);
    expect(() =>
      Interactions.fromArrays({ users: ['b'], items: [1] }, { userIds: users, unknownIds: 'error' }),
    ).toThrow(/unknown user id "b"/);
  });
});

describe('Interactions helpers', () => {
  const d = Interactions.fromArrays({
    users: ['u1', 'u2', 'u1', 'u1', 'u3'],
    items: ['a', 'b', 'b', 'c', 'a'],
    values: [5, 4, 3, 2, 1],
    times: [30, 10, 10, 20, 5],
  });

  it('subset keeps the id maps and validates indices', () => {
    const s = d.subset([4, 0]);
    expect(s.userIds).toBe(d.userIds);
    expect(Array.from(s.values)).toEqual([1, 5]);
    expect(Array.from(s.times!)).toEqual([5, 30]);
    expect(s.numUsers).toBe(3);
    expect(d.subset([]).length).toBe(0);
    expect(() => d.subset([5])).toThrow(/indices\[0\]/);
  });

  it('byUser groups rows per user in time order', () => {
    const g = d.byUser();
    expect(Array.from(g.offsets)).toEqual([0, 3, 4, 5]);
    // u1 rows: 0 (t30), 2 (t10), 3 (t20) -> 2, 3, 0
    expect(Array.from(g.rows)).toEqual([2, 3, 0, 1, 4]);
    expect(Array.from(d.seen(0)).map((i) => d.itemIds.id(i))).toEqual(['b', 'c', 'a']);
    expect(Array.from(g.values.subarray(0, 3))).toEqual([3, 2, 5]);
    expect(d.byUser()).toBe(g);
    expect(() => d.seen(3)).toThrow(ValueError);
  });

  it('byItem mirrors byUser', () => {
    const g = d.byItem();
    expect(Array.from(g.offsets)).toEqual([0, 2, 4, 5]);
    expect(Array.from(g.users.subarray(0, 2))).toEqual([2, 0]);
  });

  it('without times, groups keep input order', () => {
    const e = Interactions.fromArrays({ users: [1, 1, 1], items: [3, 1, 2] });
    expect(Array.from(e.seen(0))).toEqual([0, 1, 2]);
  });

  it('the constructor checks index ranges and lengths', () => {
    const userIds = IdMap.from([1]);
    const itemIds = IdMap.from([1]);
    const base = {
      users: new Int32Array([0]),
      items: new Int32Array([0]),
      values: new Float32Array([1]),
      userIds,
      itemIds,
    };
    expect(() => new Interactions({ ...base, items: new Int32Array([1]) })).toThrow(/items\[0\] = 1/);
    expect(() => new Interactions({ ...base, values: new Float32Array(2) })).toThrow(ShapeError);
  });
});
