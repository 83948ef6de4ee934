/**
 * A churn pipeline that never lets a raw id or a piece of personal data reach the model:
 *   1. consent: keep only customers who agreed to profiling (churn scoring is profiling);
 *   2. pseudonyms: replace each email id by a keyed HMAC-SHA-256 pseudonym (Web Crypto);
 *   3. PII: redact emails, phone numbers, card numbers, IBANs and IP addresses from the support
 *      notes, then check the redacted notes are clean; the model only sees whether a note
 *      mentions cancelling;
 *   4. k-anonymity: widen the tenure bands of the shared table until every (plan, tenure band)
 *      is shared by at least 5 customers;
 *   5. train and score the ChurnClassifier on that table, report the riskiest customers by
 *      pseudonym with their reasons;
 *   6. rotate the key: the scores are re-keyed with a rotation map, never with raw ids.
 *
 *   npx tsx --tsconfig tsconfig.build.json examples/privacy-churn.ts
 *
 * The customers come from attune's seeded synthetic shop; their emails, consent records and
 * support notes (with phone, card, IBAN and IP details written in) are generated here.
 */
import * as at from 'attune';

export interface PrivacyChurnOptions {
  customers?: number;
  epochs?: number;
  seed?: number;
  /** The pseudonymisation key (≥ 16 bytes); a fixed demo key when absent. Keep a real one in a secret store. */
  key?: string;
  log?: (line: string) => void;
}

export interface PrivacyChurnResult {
  customers: number;
  kept: number;
  refused: number;
  missing: number;
  /** Redactions per PII type over all notes. */
  redacted: Record<string, number>;
  /** PII left in the redacted notes (0 when the redaction worked). */
  leftover: number;
  kAnonymity: at.privacy.KAnonymityReport;
  rocAuc: number;
  /** The rows the model saw: pseudonym, features and label, no raw id, no note text. */
  table: Record<string, (string | number)[]>;
  /** Pseudonym → churn probability, under the first key and after rotation. */
  scores: Map<string, number>;
  rotated: Map<string, number>;
}

const NOTES = [
  (c: Contact) => `Customer wrote from ${c.email} about a late parcel.`,
  (c: Contact) => `Asked us to call back on ${c.phone} after 6pm.`,
  (c: Contact) => `Card ${c.card} was declined twice; payment retried.`,
  (c: Contact) => `Refund sent to IBAN ${c.iban}.`,
  (c: Contact) => `Login from ${c.ip} flagged, password reset sent.`,
  () => 'Happy with the last order, no action needed.',
];

interface Contact {
  email: string;
  phone: string;
  card: string;
  iban: string;
  ip: string;
}

/** A Luhn-valid 16-digit Visa-style number: the check digit makes the weighted digit sum a multiple of 10. */
function cardNumber(rng: at.data.Rng): string {
  const d = [4, ...Array.from({ length: 14 }, () => rng.int(10))];
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const v = i % 2 === 0 ? d[i]! * 2 : d[i]!;
    sum += v > 9 ? v - 9 : v;
  }
  d.push((10 - (sum % 10)) % 10);
  return d.join('').replace(/(\d{4})(?=\d)/g, '$1 ');
}

export async function main(options: PrivacyChurnOptions = {}): Promise<PrivacyChurnResult> {
  const { customers = 3000, epochs = 40, seed = 1, log = console.log } = options;
  const shop = at.data.syntheticShop({ customers, seed });
  const cols = shop.churn.columns;
  const rng = new at.data.Rng(seed);
  // The system of record: raw email ids, consent records and free-text support notes.
  const records = Array.from(shop.churn.label, (churned, i) => {
    const contact: Contact = {
      email: `customer${i}@example.com`,
      phone: `+44 20 7946 ${String(1000 + rng.int(9000))}`,
      card: cardNumber(rng),
      iban: 'GB82 WEST 1234 5698 7654 32',
      ip: `10.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`,
    };
    // Churners mention cancelling more often: a weak signal the model may use, once the note is clean.
    const cancel = rng.float() < (churned ? 0.4 : 0.1) ? ' Mentioned cancelling the plan.' : '';
    const note = NOTES[rng.int(NOTES.length)]!(contact) + cancel;
    const r = rng.float();
    const consent = r < 0.8 ? 'service;profiling' : r < 0.95 ? 'service' : undefined;
    return { id: contact.email, consent, note, row: i, churned };
  });

  // 1. Consent for the purpose at hand; rows without a record are dropped, and counted.
  const { kept, refused, missing } = at.privacy.filterByConsent(records, { purpose: 'profiling', consent: 'consent' });
  log(
    `${records.length} customers: ${kept.length} consent to profiling, ${refused} refused, ${missing} have no record`,
  );

  // 2. Keyed pseudonyms: without the key nobody can recompute them from a guessed email.
  const key = options.key ?? 'demo key: keep a real one in a secret store';
  const pseudo = await at.privacy.Pseudonymizer.create(key, { keyId: 'k1' });
  const ids = await pseudo.pseudonymizeAll(kept.map((r) => r.id));

  // 3. Redact the notes, then make sure nothing is left; keep only what the model needs.
  const redacted: Record<string, number> = {};
  let leftover = 0;
  const mentionsCancel = kept.map((r) => {
    for (const m of at.privacy.detectPii(r.note)) redacted[m.type] = (redacted[m.type] ?? 0) + 1;
    const clean = at.privacy.redactPii(r.note);
    leftover += at.privacy.detectPii(clean).length;
    return /\bcancel/i.test(clean) ? 1 : 0;
  });
  log(`redacted from the notes: ${JSON.stringify(redacted)}; PII left after redaction: ${leftover}`);

  // 4. Generalise the quasi-identifiers until every (plan, tenure band) is shared by ≥ 5 customers:
  //    monthly bands first, then wider ones.
  const tenureDays = kept.map((r) => cols.tenure[r.row]!);
  const bands = (months: number) =>
    tenureDays.map((d) => {
      const lo = months * Math.floor(d / (30 * months));
      return `${lo}-${lo + months} months`;
    });
  let tenureBand: string[] = [];
  let kAnonymity: at.privacy.KAnonymityReport | undefined;
  for (const months of [1, 3, 6, 12]) {
    tenureBand = bands(months);
    const quasi = kept.map((r, i) => ({ plan: cols.plan[r.row]!, tenureBand: tenureBand[i]! }));
    kAnonymity = at.privacy.kAnonymity(quasi, ['plan', 'tenureBand'], { k: 5 });
    log(
      `k-anonymity over (plan, ${months}-month tenure band): k = ${kAnonymity.k}, ${kAnonymity.classes} classes, ${kAnonymity.rowsAtRisk} rows in classes under 5`,
    );
    if (kAnonymity.satisfies) break;
  }
  // The shared table: pseudonym, plan, tenure band, behaviour, the note flag and the label.
  const table: Record<string, (string | number)[]> = {
    customer: ids,
    plan: kept.map((r) => cols.plan[r.row]!),
    tenureBand,
    recency: kept.map((r) => cols.recency[r.row]!),
    frequency: kept.map((r) => cols.frequency[r.row]!),
    monetary: kept.map((r) => cols.monetary[r.row]!),
    sessions: kept.map((r) => cols.sessions[r.row]!),
    mentionsCancel,
    churned: kept.map((r) => r.churned),
  };

  // 5. Train on the pseudonymised table: the id is a key, never a feature.
  const encoder = new at.data.TabularEncoder({
    numeric: ['recency', 'frequency', 'monetary', 'sessions', 'mentionsCancel'],
    categorical: ['plan', 'tenureBand'],
  });
  const X = encoder.fitTransform(table as Record<string, at.data.Cell[]>);
  const y = Uint8Array.from(table.churned as number[]);
  const test = [...y.keys()].filter((i) => i % 4 === 0);
  const train = [...y.keys()].filter((i) => i % 4 !== 0);
  const take = (rows: number[]) => ({
    data: Float32Array.from(rows.flatMap((r) => Array.from(X.data.subarray(r * X.cols, (r + 1) * X.cols)))),
    cols: X.cols,
  });
  const clf = await new at.models.ChurnClassifier({ epochs, lr: 0.02, seed }).fit(
    take(train),
    Uint8Array.from(train, (r) => y[r]!),
  );
  clf.encoder = encoder;
  const pAll = await clf.predictProba(X);
  const rocAuc = at.metrics.rocAuc(
    Uint8Array.from(test, (r) => y[r]!),
    test.map((r) => pAll[r]!),
  );
  log(`churn model on pseudonymised rows: test ROC-AUC ${rocAuc.toFixed(3)}`);
  const scores = new Map(ids.map((id, i) => [id, pAll[i]!]));
  const riskiest = [...pAll.keys()].sort((a, b) => pAll[b]! - pAll[a]!).slice(0, 3);
  const explained = await clf.explain(
    { data: riskiest.flatMap((r) => Array.from(X.data.subarray(r * X.cols, (r + 1) * X.cols))), cols: X.cols },
    { top: 2 },
  );
  log('riskiest customers, by pseudonym:');
  explained.forEach((e, j) => log(`  ${ids[riskiest[j]!]!.slice(0, 14)}…  ${e.summary}`));
  clf.dispose();

  // 6. Key rotation: the system of record builds old → new; the scores are re-keyed with it.
  const next = await at.privacy.Pseudonymizer.create(`${key} (rotated)`, { keyId: 'k2' });
  const map = await at.privacy.rotationMap(
    pseudo,
    next,
    kept.map((r) => r.id),
  );
  const rotated = new Map([...scores].map(([id, p]) => [map.get(id)!, p]));
  log(`rotated ${rotated.size} pseudonyms from key k1 to k2 without a raw id leaving the system of record`);

  return {
    customers: records.length,
    kept: kept.length,
    refused,
    missing,
    redacted,
    leftover,
    kAnonymity: kAnonymity!,
    rocAuc,
    table,
    scores,
    rotated,
  };
}

const isMain =
  typeof process !== 'undefined' &&
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  await at.ready({ backend: 'cpu' });
  await main();
}
