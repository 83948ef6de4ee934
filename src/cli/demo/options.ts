import type { ReadyInfo } from '../../backends/registry.js';
import { ValueError, fmtValue } from '../../core/errors.js';
import type { ChurnReport } from '../../models/churn.js';
import type { SegmentProfile } from '../../models/segmentation.js';

/** Options of {@link runDemo} (and of `attune demo`). */
export interface DemoOptions {
  /** `'auto'` (default): WebGPU when an adapter answers, else the CPU; or force one. */
  backend?: 'auto' | 'cpu' | 'webgpu';
  /** Seeds the shop and every model; default 7. */
  seed?: number;
  /** Customers in the synthetic shop; default 5000 (1500 with `quick`). */
  customers?: number;
  /** A smaller shop (1500 customers, 150 items, 150 days) and fewer epochs, for tests and a first look. */
  quick?: boolean;
  /** Train the sequence models (next item, subject lines), the slowest part on a CPU; default true. */
  sequences?: boolean;
  /** Write the HTML report (`at.report`) of what the demo measured to this path. */
  report?: string;
}

/** A recommended item with its catalogue entry, as the demo prints it. */
export interface DemoItem {
  item: number;
  name: string;
  category: string;
  score: number;
}

/** The figures {@link runDemo} prints, for tests and for callers that want them as data. */
export interface DemoResult {
  backend: ReadyInfo;
  data: {
    customers: number;
    items: number;
    events: number;
    purchases: number;
    /** First and last event as ISO dates (YYYY-MM-DD). */
    from: string;
    to: string;
    /** Distinct (customer, item) pairs with a cart or purchase: the implicit interactions. */
    interactions: number;
  };
  recommend: {
    k: number;
    /** Customers evaluated by leave-last-out. */
    testUsers: number;
    bpr: { hitRate: number; ndcg: number };
    popularity: { hitRate: number; ndcg: number };
    /** The customer whose top 5 are shown, and the item held out for them. */
    customer: number;
    heldOut: number;
    top: DemoItem[];
    /** "Customers who bought `anchor` also bought": ItemKNN neighbours. */
    anchor: DemoItem;
    alsoBought: DemoItem[];
  };
  segments: {
    k: number;
    /** Customers with at least one purchase (RFM is defined for buyers only). */
    customers: number;
    silhouette: number;
    profiles: SegmentProfile[];
  };
  churn: {
    trainRows: number;
    testRows: number;
    features: string[];
    /** Test-set report on calibrated probabilities. */
    report: ChurnReport;
    /** ECE of the raw (uncalibrated) probabilities on the same rows, for comparison. */
    eceUncalibrated: number;
    platt: { a: number; b: number } | null;
  };
  /** Null when `sequences: false`. */
  sequences: {
    /** Customers whose last event was held out (each has at least 3 events). */
    users: number;
    /** HR@10 of the next-item transformer and of popularity on the held-out next event. */
    nextItem: { hitRate: number };
    popularity: { hitRate: number };
    /** Held-out subject lines: the keywords, the line written from them, and the real one. */
    subjects: { keywords: string[]; generated: string; reference: string }[];
  } | null;
  /** Wall time of each section in seconds. */
  seconds: { data: number; recommend: number; segments: number; churn: number; sequences: number; total: number };
}

export const DAY_MS = 86_400_000;

/** Shop size and epochs of each section, from {@link DemoOptions}. */
export interface DemoSizes {
  customers: number;
  items: number;
  days: number;
  bprEpochs: number;
  churnEpochs: number;
  sequences: number;
  seqEpochs: number;
  subjectEpochs: number;
}

export function sizes(o: DemoOptions): DemoSizes {
  const quick = o.quick === true;
  const customers = o.customers ?? (quick ? 1500 : 5000);
  if (!Number.isInteger(customers) || customers < 50)
    throw new ValueError(`demo: customers must be an integer ≥ 50; got ${fmtValue(customers)}`);
  return quick
    ? {
        customers,
        items: 150,
        days: 150,
        bprEpochs: 25,
        churnEpochs: 40,
        sequences: 1000,
        seqEpochs: 8,
        subjectEpochs: 10,
      }
    : {
        customers,
        items: 200,
        days: 180,
        bprEpochs: 30,
        churnEpochs: 60,
        sequences: 3000,
        seqEpochs: 10,
        subjectEpochs: 15,
      };
}
