import { Interactions } from '../../data/interactions.js';
import { type SyntheticShop, syntheticShop } from '../../data/synthetic.js';
import { fmtInt, fmtPct, section } from './format.js';
import { DAY_MS, type DemoResult, type DemoSizes } from './options.js';

/** The synthetic shop, its implicit interactions, and the figures the Data section prints. */
export interface DemoData {
  shop: SyntheticShop;
  interactions: Interactions;
  /** Day number since the start of the log as an ISO date (YYYY-MM-DD). */
  dateOf: (day: number) => string;
  data: DemoResult['data'];
}

/** Generates the shop and prints its size, event mix and date range. */
export function dataSection(size: DemoSizes, seed: number, log: (line: string) => void): DemoData {
  section(log, 'Data');
  const shop = syntheticShop({ customers: size.customers, items: size.items, days: size.days, seed, subjects: 200 });
  const ev = shop.events;
  const nEvents = ev.time.length;
  const dateOf = (day: number): string => new Date(shop.start.getTime() + day * DAY_MS).toISOString().slice(0, 10);
  const from = dateOf(ev.time[0] ?? 0);
  const to = dateOf(ev.time[nEvents - 1] ?? 0);
  const typeCount = { view: 0, cart: 0, purchase: 0 };
  for (const ty of ev.type) typeCount[ty]++;
  // Carts and purchases are the implicit positives; a repeated pair keeps its latest time, so
  // leave-last-out holds out each customer's most recent new item.
  const rows: number[] = [];
  for (let e = 0; e < nEvents; e++) if (ev.type[e] !== 'view') rows.push(e);
  const interactions = Interactions.fromArrays(
    {
      users: rows.map((e) => ev.customer[e]!),
      items: rows.map((e) => ev.item[e]!),
      times: rows.map((e) => ev.time[e]!),
    },
    { duplicates: 'sum' },
  );
  const churned = shop.churn.label.reduce((s, v) => s + v, 0);
  log(
    `customers      ${fmtInt(shop.customers.length)}  (${fmtPct(churned / shop.customers.length)} churned before the end of the log)`,
  );
  log(`items          ${fmtInt(shop.items.length)} in ${shop.categories.length} categories`);
  log(
    `events         ${fmtInt(nEvents)}: ${fmtInt(typeCount.view)} views, ${fmtInt(typeCount.cart)} carts, ${fmtInt(typeCount.purchase)} purchases`,
  );
  log(`date range     ${from} to ${to} (${shop.days} days)`);
  log(
    `interactions   ${fmtInt(interactions.length)} distinct (customer, item) carts/purchases from ${fmtInt(interactions.numUsers)} customers`,
  );
  const data = {
    customers: shop.customers.length,
    items: shop.items.length,
    events: nEvents,
    purchases: typeCount.purchase,
    from,
    to,
    interactions: interactions.length,
  };
  return { shop, interactions, dateOf, data };
}
