import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

const { TabularEncoder, binaryTarget, parseCsvTable } = at.data;

const csv = `id,tenure,TotalCharges,Contract,Churn
a,1,29.85,Month-to-month,No
b,34,1889.5,One year,No
c,0, ,Two year,Yes
d,45,1840.75,One year,Yes
`;

describe('TabularEncoder', () => {
  it('standardizes numerics and one-hots categoricals (sorted categories)', () => {
    const enc = new TabularEncoder({ numeric: ['tenure'], categorical: ['Contract'] });
    const t = parseCsvTable(csv);
    const out = enc.fitTransform(t);
    expect(out.names).toEqual(['tenure', 'Contract=Month-to-month', 'Contract=One year', 'Contract=Two year']);
    expect(out.rows).toBe(4);
    expect(out.cols).toBe(4);
    const tenure = [0, 1, 2, 3].map((r) => out.data[r * 4]!);
    expect(tenure.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 5);
    expect(Array.from(out.data.subarray(4, 8))).toEqual([expect.closeTo(tenure[1]!, 6), 0, 1, 0]);
  });

  it('a blank numeric cell is a DataError with its line under the default policy', () => {
    const enc = new TabularEncoder({ numeric: ['TotalCharges'] });
    expect(() => enc.fit(parseCsvTable(csv))).toThrow(/"TotalCharges" line 4 is missing/);
  });

  it("missing: 'median' imputes the training median and adds an indicator column", () => {
    const enc = new TabularEncoder({ numeric: ['TotalCharges'], missing: 'median', standardize: false });
    const out = enc.fitTransform(parseCsvTable(csv));
    expect(out.names).toEqual(['TotalCharges', 'TotalCharges=missing']);
    expect(out.data[4]).toBeCloseTo(1840.75, 2);
    expect(out.data[5]).toBe(1);
    expect(out.data[1]).toBe(0);
    for (const v of out.data) expect(Number.isFinite(v)).toBe(true);
  });

  it('column input: NaN and null count as missing; unknown categories ignored or rejected', () => {
    const enc = new TabularEncoder({ numeric: ['x'], categorical: ['c'], missing: 'mean', standardize: false });
    enc.fit({ x: [1, Number.NaN, 3], c: ['u', 'v', null] });
    expect(enc.names).toEqual(['x', 'x=missing', 'c=(missing)', 'c=u', 'c=v']);
    const out = enc.transform({ x: [null, 5], c: ['w', 'u'] });
    expect(Array.from(out.data)).toEqual([2, 1, 0, 0, 0, 5, 0, 0, 1, 0]);
    const strict = new TabularEncoder({ categorical: ['c'], unknown: 'error' }).fit({ c: ['u'] });
    expect(() => strict.transform({ c: ['w'] })).toThrow(/category "w" was not seen in fit/);
    expect(() => new TabularEncoder({ numeric: ['x'] }).fit({ x: ['abc'] })).toThrow(/"abc" is not a number/);
    expect(() => new TabularEncoder({ numeric: ['nope'] }).fit({ x: [1] })).toThrow(/no column "nope"/);
    expect(() => new TabularEncoder({})).toThrow(/at least one/);
    expect(() => new TabularEncoder({ numeric: ['x'] }).transform({ x: [1] })).toThrow(/not fitted/);
  });

  it('round-trips through JSON', () => {
    const enc = new TabularEncoder({ numeric: ['tenure'], categorical: ['Contract'] }).fit(parseCsvTable(csv));
    const back = TabularEncoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
    expect(Array.from(back.transform(parseCsvTable(csv)).data)).toEqual(
      Array.from(enc.transform(parseCsvTable(csv)).data),
    );
  });

  it('binaryTarget maps the positive label to 1 and rejects missing or unexpected values', () => {
    expect(Array.from(binaryTarget(['No', 'Yes', ' Yes'], 'Yes'))).toEqual([0, 1, 1]);
    expect(() => binaryTarget(['Yes', ''], 'Yes')).toThrow(/values\[1\] is missing/);
    expect(() => binaryTarget(['Yes', 'Maybe'], 'Yes', 'No')).toThrow(/values\[1\] is "Maybe"/);
  });
});
