import { silhouetteScore } from '../../metrics/clustering.js';
import { rfmFeatures } from '../../data/rfm.js';
import type { SyntheticShop } from '../../data/synthetic.js';
import { KMeans } from '../../models/kmeans.js';
import { segmentProfiles } from '../../models/segmentation.js';
import type { ReportInput } from '../../report/types.js';
import { fmt, fmtInt, fmtPct, section, table } from './format.js';
import { DAY_MS, type DemoResult } from './options.js';

/** RFM features of the buyers, k-means with k = 4, and a profile of each segment. */
export async function segmentSection(
  shop: SyntheticShop,
  seed: number,
  dateOf: (day: number) => string,
  log: (line: string) => void,
  charts: ReportInput,
): Promise<DemoResult['segments']> {
  section(log, 'Segmentation');
  const asOf = shop.start.getTime() + shop.days * DAY_MS;
  const rfm = rfmFeatures(shop.transactions, { asOf });
  const X = rfm.matrix('standardized');
  const km = await new KMeans({ k: 4, seed, nInit: 4 }).fit(X);
  const profiles = segmentProfiles(rfm, km.labels);
  charts.segments = profiles;
  const silhouette = silhouetteScore(X.data, 3, km.labels, { sampleSize: 1000, seed });
  log(
    `RFM features of ${fmtInt(rfm.customers.length)} buyers as of ${dateOf(shop.days)} (log1p, z-scored), k-means k=4 (k-means++, 4 restarts)`,
  );
  table(
    log,
    ['segment', 'customers', 'share', 'recency (d)', 'orders', 'spend', 'R F M'],
    profiles.map((p) => [
      p.name,
      fmtInt(p.size),
      fmtPct(p.share),
      fmt(p.median.recency!, 0),
      fmt(p.median.frequency!, 0),
      fmt(p.median.monetary!, 0),
      `${fmt(p.mean.rScore!, 1)} ${fmt(p.mean.fScore!, 1)} ${fmt(p.mean.mScore!, 1)}`,
    ]),
    'lrrrrrr',
  );
  log(
    `medians per segment; R F M = mean quintile scores (5 = best); silhouette ${fmt(silhouette, 3)}, inertia ${fmt(km.inertia, 1)}`,
  );
  return { k: 4, customers: rfm.customers.length, silhouette, profiles };
}
