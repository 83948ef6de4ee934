import { rfmFromTransactions } from '../../data/transactions.js';
import { silhouetteScore } from '../../metrics/clustering.js';
import { KMeans } from '../../models/kmeans.js';
import { segmentProfiles } from '../../models/segmentation.js';
import { COMMON_HELP, COMMON_OPTIONS, intOption, parseCommand, required } from '../args.js';
import { column, readTable, withFile, writeRows } from '../files.js';
import { type CommandIO, commonSettings, standardIO, writeExtras } from './common.js';

export const SEGMENT_HELP = `attune segment — customer segments from a transaction log (RFM + k-means)

usage: attune segment --transactions FILE --customer COL --date COL --value COL [options]

  --transactions FILE  one row per order: who, when, how much
  --customer COL       the customer id column
  --date COL           the order date: YYYY-MM-DD, YYYYMMDD or ISO date-time
  --value COL          the order value
  --k N                segments; default 4
  --as-of DATE         the day recency counts from; default the day after the last order
  --out FILE           default segments.csv: customer, segment, name, recency, frequency, monetary, rfm score
${COMMON_HELP}
example:
  attune segment --transactions CDNOW_master.txt --delimiter whitespace --customer customer_id --date date --value dollar_value
`;

/** `attune segment`: RFM features per customer, k-means on them, one named segment per customer. */
export async function segmentCommand(
  argv: readonly string[],
  ioOverride?: CommandIO,
): Promise<Record<string, unknown>> {
  const cmd = 'segment';
  const v = parseCommand(cmd, argv, {
    ...COMMON_OPTIONS,
    transactions: { type: 'string' },
    customer: { type: 'string' },
    date: { type: 'string' },
    value: { type: 'string' },
    k: { type: 'string' },
    'as-of': { type: 'string' },
  });
  const file = required(cmd, 'transactions', v.transactions);
  const names = {
    customer: required(cmd, 'customer', v.customer),
    date: required(cmd, 'date', v.date),
    value: required(cmd, 'value', v.value),
  };
  const k = intOption(cmd, 'k', v.k, 4, 2, 50);
  const s = await commonSettings(cmd, v);
  const io = ioOverride ?? standardIO(s);
  const out = s.out ?? 'segments.csv';
  const t0 = performance.now();

  const table = await readTable(file, s.delimiter, s.header);
  for (const [option, name] of Object.entries(names)) column(table, file, name, option);
  const rfm = await withFile(file, () =>
    rfmFromTransactions(table, { ...names, ...(v['as-of'] === undefined ? {} : { asOf: v['as-of'] }) }),
  );
  io.log(
    `${file}: ${table.rowCount.toLocaleString('en-US')} orders of ${rfm.customers.length.toLocaleString('en-US')} customers, as of ${new Date(rfm.asOf).toISOString().slice(0, 10)}`,
  );
  const X = rfm.matrix('standardized');
  const bar = io.progress('k-means');
  const km = await new KMeans({ k, seed: s.seed, nInit: 4 }).fit(X);
  bar.done(`inertia ${km.inertia.toFixed(1)}`);
  const profiles = segmentProfiles(rfm, km.labels);
  const silhouette = silhouetteScore(X.data, 3, km.labels, { sampleSize: 2000, seed: s.seed });
  const nameOf = new Map(profiles.map((p) => [p.segment, p.name]));
  const rows = rfm.customers.map((c, i) => [
    String(c),
    km.labels[i]!,
    nameOf.get(km.labels[i]!) ?? '',
    rfm.recency[i]!,
    rfm.frequency[i]!,
    rfm.monetary[i]!,
    rfm.rfmScore[i]!,
  ]);
  await writeRows(out, ['customer', 'segment', 'name', 'recency', 'frequency', 'monetary', 'rfm_score'], rows);
  io.log(
    `${out}: ${rows.length.toLocaleString('en-US')} customers in ${k} segments (silhouette ${silhouette.toFixed(3)})`,
  );
  for (const p of profiles)
    io.log(
      `  ${p.name.padEnd(22)} ${String(p.size).padStart(7)} customers (${(100 * p.share).toFixed(1)}%): median ${p.median.recency!.toFixed(0)} days since last order, ${p.median.frequency!.toFixed(0)} orders, spend ${p.median.monetary!.toFixed(2)}`,
    );
  const written = await writeExtras(
    s,
    {
      title: `Customer segments from ${file}`,
      summary: [`${rfm.customers.length} customers, k = ${k}.`],
      segments: profiles,
    },
    km,
    io,
  );
  return {
    command: cmd,
    customers: rfm.customers.length,
    k,
    silhouette,
    segments: profiles.map((p) => ({ name: p.name, size: p.size, share: p.share, median: p.median })),
    out,
    seconds: (performance.now() - t0) / 1000,
    ...written,
  };
}
