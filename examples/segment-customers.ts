/**
 * Customer segmentation: recency-frequency-monetary (RFM) features from a transaction log,
 * k-means on them, and a profile of each segment with a readable name.
 *
 *   npm run build
 *   npx tsx --tsconfig tsconfig.build.json examples/segment-customers.ts [transactions.csv]
 *
 * The CSV needs the columns customer, time (a date `Date.parse` reads, or epoch milliseconds)
 * and amount. Without a path the example uses the purchases of attune's seeded synthetic shop,
 * and also shows how the segments line up with the shop's hidden customer types.
 */
import * as at from 'attune';

export interface SegmentExampleOptions {
  /** A transactions CSV (customer, time, amount); the synthetic shop when absent. */
  path?: string;
  /** Customers in the synthetic shop (ignored with a path); default 3000. */
  customers?: number;
  /** Number of segments; default 4. */
  k?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface SegmentExampleResult {
  customers: number;
  profiles: at.models.SegmentProfile[];
  silhouette: number;
  /** Synthetic shop only: rows = k-means labels, columns = hidden customer types (SHOP_SEGMENTS), cells = customers. */
  crossTab?: number[][];
}

async function loadTransactions(path: string): Promise<at.data.TransactionColumns> {
  const table = await at.data.readCsvTable(path);
  const time = table.column('time').map((t) => (/^\d+$/.test(t) ? Number(t) : Date.parse(t)));
  return { customer: table.column('customer'), time, amount: table.numbers('amount') };
}

export async function main(options: SegmentExampleOptions = {}): Promise<SegmentExampleResult> {
  const { customers = 3000, k = 4, seed = 1, log = console.log } = options;
  const shop = options.path ? undefined : at.data.syntheticShop({ customers, seed });
  const transactions = options.path ? await loadTransactions(options.path) : shop!.transactions;

  // 1. One row per customer: days since the last purchase, number of purchases, total spend.
  //    Recency counts to the end of the log (the synthetic shop's last day) or, by default, to
  //    the day after the last transaction.
  const asOf = shop ? shop.start.getTime() + shop.days * 86_400_000 : undefined;
  const rfm = at.data.rfmFeatures(transactions, asOf === undefined ? {} : { asOf });
  log(`${rfm.customers.length} customers with ${transactions.customer.length} transactions`);

  // 2. RFM values are heavily skewed: log1p, then z-score each column, so that no feature
  //    dominates the distances k-means uses.
  const X = rfm.matrix('standardized');
  const km = await new at.models.KMeans({ k, seed, nInit: 4 }).fit(X);
  // Silhouette: +1 = tight, well separated clusters, 0 = overlapping (sampled; it is O(n²)).
  const silhouette = at.metrics.silhouetteScore(X.data, 3, km.labels, { sampleSize: 2000, seed });
  log(`k-means, k=${k}: ${km.nIter} iterations, silhouette ${silhouette.toFixed(3)}`);

  // 3. Describe each segment in the original units; names come from the mean R and F scores.
  const profiles = at.models.segmentProfiles(rfm, km.labels);
  log('\nsegment               customers   share  recency (days)  purchases    spend');
  for (const p of profiles) {
    log(
      `${p.name.padEnd(20)}  ${String(p.size).padStart(9)}  ${(100 * p.share).toFixed(1).padStart(5)}%  ${p.median.recency!.toFixed(0).padStart(14)}  ${p.median.frequency!.toFixed(0).padStart(9)}  ${p.median.monetary!.toFixed(0).padStart(7)}`,
    );
  }
  log('(medians per segment)');

  // 4. The synthetic shop knows each customer's hidden type: see how the segments recover it.
  let crossTab: number[][] | undefined;
  if (shop) {
    const types = at.data.SHOP_SEGMENTS.map((s) => s.name);
    crossTab = Array.from({ length: k }, () => types.map(() => 0));
    rfm.customers.forEach((c, row) => crossTab![km.labels[row]!]![shop.customers[c as number]!.segmentIndex]!++);
    log(`\n${''.padEnd(20)}  ${types.map((t) => t.padStart(17)).join('')}`);
    for (const p of profiles)
      log(`${p.name.padEnd(20)}  ${crossTab[p.segment]!.map((n) => String(n).padStart(17)).join('')}`);
  }
  return { customers: rfm.customers.length, profiles, silhouette, crossTab };
}

const isMain =
  typeof process !== 'undefined' &&
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  await at.ready({ backend: 'cpu' });
  await main({ path: process.argv[2] });
}
