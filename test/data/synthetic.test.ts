import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

const { syntheticShop } = at.data;

describe('syntheticShop', () => {
  const shop = syntheticShop({ customers: 400, items: 60, days: 120, seed: 7, subjects: 50 });

  it('is deterministic per seed and differs across seeds', () => {
    const again = syntheticShop({ customers: 400, items: 60, days: 120, seed: 7, subjects: 50 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(shop));
    const other = syntheticShop({ customers: 400, items: 60, days: 120, seed: 8, subjects: 50 });
    expect(Array.from(other.events.item.subarray(0, 50))).not.toEqual(Array.from(shop.events.item.subarray(0, 50)));
  });

  it('has the requested sizes and a time-ordered, consistent event log', () => {
    expect(shop.customers).toHaveLength(400);
    expect(shop.items).toHaveLength(60);
    expect(shop.subjects).toHaveLength(50);
    const { time, type, amount, customer, item } = shop.events;
    expect(time.length).toBeGreaterThan(5000);
    for (let e = 1; e < time.length; e++) expect(time[e]).toBeGreaterThanOrEqual(time[e - 1]!);
    for (let e = 0; e < time.length; e++) {
      expect(time[e]).toBeLessThan(120);
      expect(item[e]).toBeLessThan(60);
      const c = shop.customers[customer[e]!]!;
      expect(time[e]).toBeGreaterThanOrEqual(c.signupDay);
      if (c.churnDay !== null) expect(time[e]).toBeLessThan(c.churnDay + 0.1);
      expect(amount[e]! > 0).toBe(type[e] === 'purchase');
    }
    const counts = { view: 0, cart: 0, purchase: 0 };
    for (const t of type) counts[t]++;
    expect(counts.view).toBeGreaterThan(counts.cart);
    expect(counts.cart).toBeGreaterThan(counts.purchase);
    expect(shop.transactions.customer).toHaveLength(counts.purchase);
    for (const r of shop.ratings.rating) expect(r >= 1 && r <= 5 && Number.isInteger(r)).toBe(true);
    expect(shop.implicit.user.length).toBeGreaterThan(0);
  });

  it('churners have higher recency and lower frequency; basic plans churn more than premium', () => {
    const { columns, label } = shop.churn;
    const mean = (xs: number[], keep: (i: number) => boolean): number => {
      const v = xs.filter((_, i) => keep(i));
      return v.reduce((s, x) => s + x, 0) / v.length;
    };
    expect(mean(columns.recency, (i) => label[i] === 1)).toBeGreaterThan(
      2 * mean(columns.recency, (i) => label[i] === 0),
    );
    expect(mean(columns.frequency, (i) => label[i] === 1)).toBeLessThan(mean(columns.frequency, (i) => label[i] === 0));
    const rate = (plan: string): number => mean(Array.from(label), (i) => columns.plan[i] === plan);
    expect(rate('basic')).toBeGreaterThan(rate('premium'));
    const churned = label.reduce((s, v) => s + v, 0) / label.length;
    expect(churned).toBeGreaterThan(0.1);
    expect(churned).toBeLessThan(0.7);
  });

  it('feeds the RFM and churn pipelines, and subject lines contain their keywords', async () => {
    const rfm = at.data.rfmFeatures(shop.transactions);
    expect(rfm.customers.length).toBeGreaterThan(200);
    for (const s of shop.subjects) for (const k of s.keywords) expect(s.text.toLowerCase()).toContain(k.toLowerCase());
    expect(() => syntheticShop({ customers: 0 })).toThrow(/customers must be an integer ≥ 1; got 0/);
  });
});
