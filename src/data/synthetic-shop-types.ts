// The synthetic shop's vocabulary: its options, latent segments, plans, categories and the
// shapes of what it generates. The generative story itself is in synthetic.ts.

/** Options of `syntheticShop`. */
export interface SyntheticShopOptions {
  /** Number of customers; default 1000. */
  customers?: number;
  /** Number of catalogue items; default 200. */
  items?: number;
  /** Length of the event log in days; default 180. */
  days?: number;
  /** Seed; the same options give the same shop, byte for byte. Default 0. */
  seed?: number;
  /** Subject-line examples to generate; default 200. */
  subjects?: number;
  /** Calendar date of day 0 (for `transactions.time`); default 2024-01-01 UTC. */
  start?: Date;
}

/** The four latent customer segments and their behaviour. */
export const SHOP_SEGMENTS = [
  {
    name: 'loyal regulars',
    share: 0.3,
    visitsPerDay: 0.45,
    cartRate: 0.35,
    buyRate: 0.75,
    quantity: 0.3,
    priceTaste: 0,
    churnHazard: 0.0012,
    plans: [0.2, 0.5, 0.3],
  },
  {
    name: 'bargain hunters',
    share: 0.3,
    visitsPerDay: 0.3,
    cartRate: 0.25,
    buyRate: 0.55,
    quantity: 0.6,
    priceTaste: -1,
    churnHazard: 0.004,
    plans: [0.6, 0.35, 0.05],
  },
  {
    name: 'big spenders',
    share: 0.15,
    visitsPerDay: 0.15,
    cartRate: 0.4,
    buyRate: 0.8,
    quantity: 1.2,
    priceTaste: 1,
    churnHazard: 0.0018,
    plans: [0.1, 0.3, 0.6],
  },
  {
    name: 'window shoppers',
    share: 0.25,
    visitsPerDay: 0.25,
    cartRate: 0.12,
    buyRate: 0.35,
    quantity: 0.1,
    priceTaste: -0.3,
    churnHazard: 0.007,
    plans: [0.7, 0.25, 0.05],
  },
] as const;

/** Subscription plans; the churn hazard is multiplied by the plan's factor. */
export const SHOP_PLANS = ['basic', 'plus', 'premium'] as const;
export const PLAN_HAZARD = [1.6, 1.0, 0.45];

export const CATEGORIES: Record<string, { price: number; nouns: string[] }> = {
  electronics: { price: 120, nouns: ['headphones', 'charger', 'speaker', 'smartwatch'] },
  books: { price: 15, nouns: ['novel', 'cookbook', 'thriller', 'biography'] },
  home: { price: 45, nouns: ['lamp', 'blanket', 'mug set', 'candle'] },
  fashion: { price: 40, nouns: ['sneakers', 'jacket', 'scarf', 'jeans'] },
  beauty: { price: 22, nouns: ['serum', 'lipstick', 'face mask', 'perfume'] },
  sports: { price: 55, nouns: ['yoga mat', 'dumbbells', 'running shorts', 'water bottle'] },
  toys: { price: 25, nouns: ['puzzle', 'board game', 'plush bear', 'building set'] },
  grocery: { price: 8, nouns: ['coffee', 'tea', 'chocolate', 'olive oil'] },
};
export const ADJECTIVES = ['classic', 'premium', 'everyday', 'compact', 'deluxe', 'eco', 'vintage', 'smart'];
export const URGENCY = ['today only', 'this weekend', 'ends tonight', 'limited time', 'while stocks last'];
export const AUDIENCE = ['you', 'members', 'our regulars', 'new customers', 'VIPs'];

/** Kinds of events in the shop's log. */
export type ShopEventType = 'view' | 'cart' | 'purchase';

/** A generated customer with its latent parameters (the ground truth behind the log). */
export interface SyntheticCustomer {
  id: number;
  segment: string;
  segmentIndex: number;
  plan: (typeof SHOP_PLANS)[number];
  /** Day the customer joined (activity starts then). */
  signupDay: number;
  /** Sessions per day while active. */
  visitRate: number;
  /** Latent taste vector (4 dims); item affinity is its dot product with the item's vector. */
  taste: number[];
  /** Day the customer churned (stopped all activity), or null when still active at the end. */
  churnDay: number | null;
  /** True probability of churning before the end of the log given segment, plan and signup. */
  churnProbability: number;
}

/** A catalogue item. */
export interface SyntheticItem {
  id: number;
  name: string;
  category: string;
  price: number;
  /** Relative popularity (Zipf-like within the catalogue). */
  popularity: number;
  vector: number[];
  /** The item's complement: right after a cart of this item, the next view is often it. */
  complement: number;
}

/** A synthetic shop: see `syntheticShop` for the story behind each part. */
export interface SyntheticShop {
  customers: SyntheticCustomer[];
  items: SyntheticItem[];
  categories: string[];
  /** Time-ordered events (ties broken by customer). `time` is in fractional days since day 0. */
  events: {
    customer: Int32Array;
    item: Int32Array;
    type: ShopEventType[];
    time: Float64Array;
    quantity: Int32Array;
    amount: Float64Array;
  };
  /** Purchases only, in the `rfmFeatures` shape (time as epoch ms). */
  transactions: { customer: number[]; time: number[]; amount: number[] };
  /** Explicit 1-5 ratings left after some purchases (for explicit MF). */
  ratings: { user: Int32Array; item: Int32Array; rating: Float32Array; time: Float64Array };
  /** Implicit feedback: per (customer, item) counts of carts and purchases (for implicit MF / BPR). */
  implicit: { user: Int32Array; item: Int32Array; count: Float32Array };
  /**
   * One row per customer for churn models, as columns (feed to TabularEncoder): plan, segment
   * (latent; leave it out for realistic models), tenure, recency, frequency, monetary, sessions,
   * views, carts, and the label `churned` (1 = churned before the end of the log).
   */
  churn: {
    columns: {
      plan: string[];
      tenure: number[];
      recency: number[];
      frequency: number[];
      monetary: number[];
      sessions: number[];
      views: number[];
      carts: number[];
      segment: string[];
    };
    label: Uint8Array;
  };
  /** Marketing subject lines with the keywords they were written from. */
  subjects: { keywords: string[]; text: string; category: string; discount: number }[];
  /** Day 0 as a Date. */
  start: Date;
  days: number;
}
