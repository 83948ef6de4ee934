import { ValueError, fmtValue } from '../core/errors.js';
import { Rng } from '../core/random.js';
import {
  ADJECTIVES,
  AUDIENCE,
  CATEGORIES,
  PLAN_HAZARD,
  SHOP_PLANS,
  SHOP_SEGMENTS,
  type ShopEventType,
  type SyntheticCustomer,
  type SyntheticItem,
  type SyntheticShop,
  type SyntheticShopOptions,
  URGENCY,
} from './synthetic-shop-types.js';

export {
  SHOP_PLANS,
  SHOP_SEGMENTS,
  type ShopEventType,
  type SyntheticCustomer,
  type SyntheticItem,
  type SyntheticShop,
  type SyntheticShopOptions,
} from './synthetic-shop-types.js';

const DAY_MS = 86_400_000;

function normal(rng: Rng): number {
  const u = 1 - rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.float());
}

function poisson(rng: Rng, lambda: number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = rng.float();
  while (p > l) {
    k++;
    p *= rng.float();
  }
  return k;
}

function pick(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let u = rng.float() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

function count(op: string, name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min)
    throw new ValueError(`${op}: ${name} must be an integer ≥ ${min}; got ${fmtValue(v)}`);
  return v;
}

/**
 * A seeded synthetic online shop for demos and tests. The generative story:
 *
 * 1. **Catalogue.** Items fall in 8 categories with a category price level; an item's price is
 *    lognormal around it, its popularity Zipf-like (∝ 1/rank), and it has a 4-d latent vector.
 * 2. **Customers.** Each belongs to a latent segment ({@link SHOP_SEGMENTS}: loyal regulars,
 *    bargain hunters, big spenders, window shoppers) that sets its visit rate, cart and buy
 *    rates, basket size, price taste and churn hazard; a plan (basic/plus/premium) drawn per
 *    segment; a signup day in the first half of the log; a 4-d taste vector; and category
 *    preferences.
 * 3. **Churn.** A constant daily hazard = segment hazard × plan factor (1.6, 1, 0.45) × a
 *    lognormal customer factor, so churn day ~ signup + Exponential(hazard). After that day the
 *    customer does nothing. `churnProbability` is the true P(churn before the end).
 * 4. **Sessions** arrive as a Poisson process at the customer's visit rate while active. A
 *    session views 1 + Poisson(2) items (category by preference, item by popularity ×
 *    exp(taste · vector)); each view is carted with the segment's cart rate (less for items
 *    priced against its taste), and a cart is bought with the buy rate, quantity 1 + Poisson.
 *    Journeys have order, as in real shops (see `journeyOrder`): after a cart the next view is
 *    often the item's complement, views stay in a category within a session, and consumables
 *    are bought again.
 * 5. **Feedback.** 30% of purchases leave a rating round(3 + 1.5·affinity + noise) in 1..5;
 *    carts and purchases count as implicit interactions.
 * 6. **Churn table** per customer from the log (recency, frequency, monetary, sessions, ...),
 *    with label `churned`: churners stop visiting, so they show higher recency and lower
 *    frequency, and basic-plan customers churn more.
 * 7. **Subject lines** are templates filled from keywords (category, discount, urgency,
 *    audience, product noun), kept with those keywords, for keyword-to-text models.
 *
 * All draws come from one {@link Rng} stream, so a seed fixes everything.
 */
export function syntheticShop(options: SyntheticShopOptions = {}): SyntheticShop {
  const op = 'syntheticShop';
  const nCust = count(op, 'customers', options.customers ?? 1000, 1);
  const nItems = count(op, 'items', options.items ?? 200, 1);
  const days = count(op, 'days', options.days ?? 180, 1);
  const nSubjects = count(op, 'subjects', options.subjects ?? 200, 0);
  const start = options.start ?? new Date(Date.UTC(2024, 0, 1));
  if (!(start instanceof Date) || Number.isNaN(start.getTime()))
    throw new ValueError(`${op}: start must be a valid Date; got ${fmtValue(start)}`);
  const rng = new Rng(options.seed ?? 0, op);
  const categories = Object.keys(CATEGORIES);

  // 1. Catalogue.
  const items: SyntheticItem[] = [];
  const rankPerm = rng.permutation(nItems);
  for (let i = 0; i < nItems; i++) {
    const category = categories[rng.int(categories.length)]!;
    const info = CATEGORIES[category]!;
    const price = Math.round(info.price * Math.exp(0.5 * normal(rng)) * 100) / 100;
    const name = `${ADJECTIVES[rng.int(ADJECTIVES.length)]} ${info.nouns[rng.int(info.nouns.length)]}`;
    items.push({
      id: i,
      name,
      category,
      price: Math.max(0.99, price),
      popularity: 1 / (1 + rankPerm[i]!),
      vector: [0, 1, 2, 3].map(() => normal(rng) * 0.7),
      complement: -1, // set with the journeys' order below
    });
  }
  const byCategory = categories.map((c) => items.filter((it) => it.category === c));

  // 2-3. Customers and churn.
  const customers: SyntheticCustomer[] = [];
  const catPrefs: number[][] = [];
  for (let c = 0; c < nCust; c++) {
    const s = pick(
      rng,
      SHOP_SEGMENTS.map((x) => x.share),
    );
    const seg = SHOP_SEGMENTS[s]!;
    const plan = pick(rng, seg.plans);
    const signupDay = rng.float() * days * 0.5;
    const hazard = seg.churnHazard * PLAN_HAZARD[plan]! * Math.exp(0.4 * normal(rng));
    const life = -Math.log(1 - rng.float()) / hazard;
    const churnDay = signupDay + life < days ? signupDay + life : null;
    customers.push({
      id: c,
      segment: seg.name,
      segmentIndex: s,
      plan: SHOP_PLANS[plan]!,
      signupDay,
      visitRate: seg.visitsPerDay * Math.exp(0.4 * normal(rng)),
      taste: [0, 1, 2, 3].map(() => normal(rng)),
      churnDay,
      churnProbability: 1 - Math.exp(-hazard * (days - signupDay)),
    });
    catPrefs.push(categories.map((_, k) => (byCategory[k]!.length === 0 ? 0 : Math.exp(normal(rng)))));
  }

  // 4-5. Sessions, events, feedback.
  type Ev = { c: number; i: number; t: ShopEventType; time: number; q: number; a: number };
  const evs: Ev[] = [];
  const ratings: { u: number; i: number; r: number; time: number }[] = [];
  const sessions = new Int32Array(nCust);
  const order = journeyOrder(items, byCategory, options.seed ?? 0);
  items.forEach((it, i) => {
    it.complement = order.complement[i]!;
  });
  for (const cu of customers) {
    const seg = SHOP_SEGMENTS[cu.segmentIndex]!;
    const end = cu.churnDay ?? days;
    const itemWeights = byCategory.map((list) => list.map((it) => it.popularity * Math.exp(dot(cu.taste, it.vector))));
    const bought: number[] = [];
    let lastCart = -1;
    let t = cu.signupDay;
    for (;;) {
      t += -Math.log(1 - rng.float()) / cu.visitRate;
      if (t >= end) break;
      sessions[cu.id]!++;
      const views = 1 + poisson(rng, 2);
      let clock = t;
      // A session that runs past the end of the log is cut there.
      let prevCategory = -1;
      for (let v = 0; v < views; v++) {
        const drawn = pick(rng, catPrefs[cu.id]!);
        const k = prevCategory >= 0 && order.rng.float() < order.stayInCategory ? prevCategory : drawn;
        const it = order.next(byCategory[k]![pick(rng, itemWeights[k]!)]!, lastCart, bought);
        prevCategory = order.categoryOf[it.id]!;
        lastCart = -1;
        clock += (1 + rng.float() * 4) / 1440;
        if (clock >= days) break;
        evs.push({ c: cu.id, i: it.id, t: 'view', time: clock, q: 0, a: 0 });
        const rel = Math.log(it.price / CATEGORIES[it.category]!.price);
        const cartP = seg.cartRate * Math.exp(Math.min(0, seg.priceTaste * rel));
        if (rng.float() >= cartP) continue;
        clock += (1 + rng.float() * 2) / 1440;
        if (clock >= days) break;
        evs.push({ c: cu.id, i: it.id, t: 'cart', time: clock, q: 1, a: 0 });
        lastCart = it.id;
        if (rng.float() >= seg.buyRate) continue;
        clock += (1 + rng.float() * 3) / 1440;
        if (clock >= days) break;
        const q = 1 + poisson(rng, seg.quantity);
        evs.push({ c: cu.id, i: it.id, t: 'purchase', time: clock, q, a: Math.round(it.price * q * 100) / 100 });
        if (CONSUMABLES.has(it.category)) bought.push(it.id);
        if (rng.float() < 0.3) {
          const aff = dot(cu.taste, it.vector);
          const r = Math.min(5, Math.max(1, Math.round(3 + 1.5 * aff + 0.7 * normal(rng))));
          ratings.push({ u: cu.id, i: it.id, r, time: clock });
        }
      }
    }
  }
  evs.sort((x, y) => x.time - y.time || x.c - y.c);
  const n = evs.length;
  const events = {
    customer: Int32Array.from(evs, (e) => e.c),
    item: Int32Array.from(evs, (e) => e.i),
    type: evs.map((e) => e.t),
    time: Float64Array.from(evs, (e) => e.time),
    quantity: Int32Array.from(evs, (e) => e.q),
    amount: Float64Array.from(evs, (e) => e.a),
  };
  const t0 = start.getTime();
  const transactions = { customer: [] as number[], time: [] as number[], amount: [] as number[] };
  const implicitMap = new Map<number, number>();
  const freq = new Float64Array(nCust),
    money = new Float64Array(nCust),
    views = new Float64Array(nCust),
    carts = new Float64Array(nCust);
  const lastBuy = new Float64Array(nCust).fill(Number.NaN);
  for (let e = 0; e < n; e++) {
    const c = events.customer[e]!;
    const type = events.type[e]!;
    if (type === 'view') views[c]!++;
    else {
      const key = c * nItems + events.item[e]!;
      implicitMap.set(key, (implicitMap.get(key) ?? 0) + 1);
      if (type === 'cart') carts[c]!++;
      else {
        transactions.customer.push(c);
        transactions.time.push(t0 + events.time[e]! * DAY_MS);
        transactions.amount.push(events.amount[e]!);
        freq[c]!++;
        money[c]! += events.amount[e]!;
        lastBuy[c] = events.time[e]!;
      }
    }
  }
  const keys = [...implicitMap.keys()].sort((a, b) => a - b);
  ratings.sort((x, y) => x.time - y.time || x.u - y.u);

  // 6. Churn table: recency counts from the end of the log to the last purchase (or signup).
  const columns = {
    plan: customers.map((c) => c.plan),
    tenure: customers.map((c) => round2(days - c.signupDay)),
    recency: customers.map((c, i) => round2(days - (Number.isNaN(lastBuy[i]!) ? c.signupDay : lastBuy[i]!))),
    frequency: Array.from(freq),
    monetary: Array.from(money, round2),
    sessions: Array.from(sessions),
    views: Array.from(views),
    carts: Array.from(carts),
    segment: customers.map((c) => c.segment),
  };
  const label = Uint8Array.from(customers, (c) => (c.churnDay === null ? 0 : 1));

  // 7. Subject lines.
  const subjects: SyntheticShop['subjects'] = [];
  const discounts = [10, 15, 20, 25, 30, 40, 50];
  for (let s = 0; s < nSubjects; s++) {
    const category = categories[rng.int(categories.length)]!;
    const discount = discounts[rng.int(discounts.length)]!;
    const urgency = URGENCY[rng.int(URGENCY.length)]!;
    const audience = AUDIENCE[rng.int(AUDIENCE.length)]!;
    const noun = CATEGORIES[category]!.nouns[rng.int(4)]!;
    const adj = ADJECTIVES[rng.int(ADJECTIVES.length)]!;
    const templates: [string, string[]][] = [
      [`${discount}% off ${category} ${urgency}`, [`${discount}%`, category, urgency]],
      [`${cap(urgency)}: save ${discount}% on ${category}`, [urgency, `${discount}%`, category]],
      [`New ${adj} ${noun} picked for ${audience}`, [adj, noun, audience]],
      [`${cap(category)} deals for ${audience}: up to ${discount}% off`, [category, audience, `${discount}%`]],
      [`Your ${noun} is waiting, ${discount}% off ${urgency}`, [noun, `${discount}%`, urgency]],
      [`Just for ${audience}: the ${adj} ${noun}`, [audience, adj, noun]],
    ];
    const [text, keywords] = templates[rng.int(templates.length)]!;
    subjects.push({ keywords, text, category, discount });
  }

  return {
    customers,
    items,
    categories,
    events,
    transactions,
    ratings: {
      user: Int32Array.from(ratings, (r) => r.u),
      item: Int32Array.from(ratings, (r) => r.i),
      rating: Float32Array.from(ratings, (r) => r.r),
      time: Float64Array.from(ratings, (r) => r.time),
    },
    implicit: {
      user: Int32Array.from(keys, (k) => Math.floor(k / nItems)),
      item: Int32Array.from(keys, (k) => k % nItems),
      count: Float32Array.from(keys, (k) => implicitMap.get(k)!),
    },
    churn: { columns, label },
    subjects,
    start,
    days,
  };
}

/** Categories whose items customers buy again (repeat purchases). */
const CONSUMABLES = new Set(['grocery', 'beauty']);

/**
 * The order in journeys, of the kinds real shops show. Every item has one complement (in its
 * own category half the time, like a charger after headphones); right after a cart the next
 * view is the carted item's complement with probability 0.5. Otherwise, with probability 0.1, a
 * view returns to a consumable (grocery, beauty) the customer bought before (repeat purchase).
 * Within a session a view stays in the previous view's category with probability 0.5 (category
 * affinity). These draws come from their own stream ('sample'), so they never shift the shop's
 * other draws for a seed.
 */
function journeyOrder(items: readonly SyntheticItem[], byCategory: readonly SyntheticItem[][], seed: number) {
  const rng = new Rng(seed, 'syntheticShop', 'sample');
  const categoryOf = new Int32Array(items.length);
  byCategory.forEach((list, k) => {
    for (const it of list) categoryOf[it.id] = k;
  });
  const complement = items.map((it) => {
    const same = byCategory[categoryOf[it.id]!]!;
    const pool = rng.float() < 0.5 && same.length > 1 ? same : items;
    let c = pool[rng.int(pool.length)]!;
    while (c.id === it.id && items.length > 1) c = pool[rng.int(pool.length)]!;
    return c.id;
  });
  return {
    rng,
    categoryOf,
    complement,
    stayInCategory: 0.5,
    /** The item viewed next: `drawn` (by taste and popularity) unless the journey's order says otherwise. */
    next(drawn: SyntheticItem, lastCart: number, bought: readonly number[]): SyntheticItem {
      const u = rng.float();
      if (lastCart >= 0 && u < 0.5) return items[complement[lastCart]!]!;
      if (bought.length > 0 && u > 0.9) return items[bought[rng.int(bought.length)]!]!;
      return drawn;
    },
  };
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
function cap(s: string): string {
  return s[0]!.toUpperCase() + s.slice(1);
}
