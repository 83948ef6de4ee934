import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

const { Pseudonymizer, rotationMap, detectPii, redactPii, luhnValid, ibanValid, filterByConsent, kAnonymity } =
  at.privacy;
type PiiType = at.privacy.PiiType;

// The labelled set: each text with the personal data in it (type and exact text). Positives
// cover the usual formats; the negatives are the look-alikes a shop's free text is full of.
const LABELLED: { text: string; pii: [PiiType, string][] }[] = [
  { text: 'Contact jane.doe+news@example.co.uk about the refund', pii: [['email', 'jane.doe+news@example.co.uk']] },
  {
    text: 'FROM: ALICE@EXAMPLE.COM, cc x_y@sub.domain.io.',
    pii: [
      ['email', 'ALICE@EXAMPLE.COM'],
      ['email', 'x_y@sub.domain.io'],
    ],
  },
  { text: 'Card 4111 1111 1111 1111 was declined', pii: [['card', '4111 1111 1111 1111']] },
  { text: 'paid with 5555555555554444 yesterday', pii: [['card', '5555555555554444']] },
  { text: 'Card:4111111111111111.', pii: [['card', '4111111111111111']] },
  { text: 'Amex 3782-822463-10005 on file', pii: [['card', '3782-822463-10005']] },
  {
    text: 'new MC 2223003122003222 and Discover 6011000990139424',
    pii: [
      ['card', '2223003122003222'],
      ['card', '6011000990139424'],
    ],
  },
  {
    text: 'JCB 3530111333300000, Diners 30569309025904',
    pii: [
      ['card', '3530111333300000'],
      ['card', '30569309025904'],
    ],
  },
  { text: 'IBAN DE89 3704 0044 0532 0130 00 please', pii: [['iban', 'DE89 3704 0044 0532 0130 00']] },
  {
    text: 'Send to GB82WEST12345698765432 or NL91ABNA0417164300',
    pii: [
      ['iban', 'GB82WEST12345698765432'],
      ['iban', 'NL91ABNA0417164300'],
    ],
  },
  { text: 'FR14 2004 1010 0505 0001 3M02 606 is my account', pii: [['iban', 'FR14 2004 1010 0505 0001 3M02 606']] },
  {
    text: 'login from 192.168.1.20 and 10.0.0.1',
    pii: [
      ['ip', '192.168.1.20'],
      ['ip', '10.0.0.1'],
    ],
  },
  {
    text: 'IPv6 2001:db8::ff00:42:8329 / fe80::1',
    pii: [
      ['ip', '2001:db8::ff00:42:8329'],
      ['ip', 'fe80::1'],
    ],
  },
  {
    text: 'host 2001:0db8:85a3:0000:0000:8a2e:0370:7334 blocked',
    pii: [['ip', '2001:0db8:85a3:0000:0000:8a2e:0370:7334']],
  },
  { text: 'Call +44 20 7946 0958 after 5', pii: [['phone', '+44 20 7946 0958']] },
  { text: 'US office: +1 (555) 123-4567', pii: [['phone', '+1 (555) 123-4567']] },
  {
    text: 'or (555) 123-4567 or 555-123-4567 or 555.123.4567',
    pii: [
      ['phone', '(555) 123-4567'],
      ['phone', '555-123-4567'],
      ['phone', '555.123.4567'],
    ],
  },
  { text: 'mon portable: 06 12 34 56 78', pii: [['phone', '06 12 34 56 78']] },
  {
    text: 'London 020 7946 0958, Berlin +49 30 123456',
    pii: [
      ['phone', '020 7946 0958'],
      ['phone', '+49 30 123456'],
    ],
  },
  { text: 'whatsapp +33612345678', pii: [['phone', '+33612345678']] },
  { text: 'tel: 5551234567', pii: [['phone', '5551234567']] },
  { text: 'Call me at 555-1234 tonight', pii: [['phone', '555-1234']] },
  // Tricky negatives.
  { text: 'order 4111111111111112 shipped', pii: [] }, // fails Luhn
  { text: 'tracking number 1234567812345670', pii: [] }, // passes Luhn, no card network
  { text: 'pseudonym k1:9f4111111111111111ab3c', pii: [] }, // a Luhn-valid Visa run inside a hex hash
  { text: 'ref ORD4111111111111111X', pii: [] },
  { text: 'IBAN DE89 3704 0044 0532 0130 01 is wrong', pii: [] }, // bad mod-97 checksum
  { text: 'code GB00ABCD1234567890 expired', pii: [] },
  { text: 'invoice dated 2024-01-15, due 15.01.2024 or 12/05/2023', pii: [] },
  { text: 'meeting at 10:30:00, then 12:45', pii: [] },
  { text: 'total 1,234,567.89 EUR, zip 90210', pii: [] },
  { text: 'Windows version 10.0.19041.1 and app v2.10.3', pii: [] },
  { text: 'bad address 999.10.10.10 and 1.2.3.4.5', pii: [] },
  { text: 'ISBN 978-3-16-148410-0', pii: [] },
  { text: 'Order 123-456-789 and SKU 12-345-678', pii: [] },
  { text: 'ref #5551234567 closed', pii: [] },
  { text: 'mail me at user@localhost or foo@bar', pii: [] },
  { text: 'follow @shop_news and name at example dot com', pii: [] },
  { text: 'ticket no. 202401150001 resolved', pii: [] },
  { text: 'we sold 4,000,000 units; 3 x 250 ml', pii: [] },
  { text: 'use std::vector, a::b::c and Foo::Bar', pii: [] },
  { text: 'loopback ::1 answered', pii: [['ip', '::1']] },
  { text: 'Customer since 2019 bought 12 items for 345.50', pii: [] },
  { text: 'my phone is an iPhone 15 Pro with 256 GB', pii: [] },
  { text: 'Call center hours 9-17, order 20240115 arrived', pii: [] },
  { text: 'GPS 48.8584, 2.2945 and ratio 3.14.15', pii: [] },
];

function score(types: readonly PiiType[]) {
  const rows = types.map((type) => ({ type, tp: 0, fp: 0, fn: 0 }));
  for (const { text, pii } of LABELLED) {
    const found = detectPii(text).map((m) => `${m.type}|${m.text}`);
    const want = pii.map(([t, s]) => `${t}|${s}`);
    for (const r of rows) {
      const f = found.filter((x) => x.startsWith(`${r.type}|`));
      const w = want.filter((x) => x.startsWith(`${r.type}|`));
      r.tp += f.filter((x) => w.includes(x)).length;
      r.fp += f.filter((x) => !w.includes(x)).length;
      r.fn += w.filter((x) => !f.includes(x)).length;
    }
  }
  return rows.map((r) => ({ ...r, precision: r.tp / (r.tp + r.fp || 1), recall: r.tp / (r.tp + r.fn || 1) }));
}

describe('PII detection on the labelled set', () => {
  it('precision and recall per type and overall', () => {
    const rows = score(at.privacy.PII_TYPES);
    const all = rows.reduce((s, r) => ({ tp: s.tp + r.tp, fp: s.fp + r.fp, fn: s.fn + r.fn }), { tp: 0, fp: 0, fn: 0 });
    const precision = all.tp / (all.tp + all.fp);
    const recall = all.tp / (all.tp + all.fn);
    console.log(
      [
        `PII detector on ${LABELLED.length} labelled texts (${all.tp + all.fn} positives):`,
        ...rows.map(
          (r) =>
            `  ${r.type.padEnd(6)} precision ${r.precision.toFixed(3)} recall ${r.recall.toFixed(3)} (tp ${r.tp}, fp ${r.fp}, fn ${r.fn})`,
        ),
        `  all    precision ${precision.toFixed(3)} recall ${recall.toFixed(3)}`,
      ].join('\n'),
    );
    for (const r of rows) {
      expect(r.tp + r.fn, r.type).toBeGreaterThanOrEqual(3); // every type has positives in the set
      expect(r.precision, r.type).toBeGreaterThanOrEqual(0.9);
      expect(r.recall, r.type).toBeGreaterThanOrEqual(0.9);
    }
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it('redacts with placeholders or a custom replacement, and can look for some types only', () => {
    expect(redactPii('Mail jane@example.com or call +44 20 7946 0958.')).toBe('Mail [EMAIL] or call [PHONE].');
    expect(redactPii('card 4111111111111111', { replacement: (m) => `<${m.type}:${m.text.slice(-4)}>` })).toBe(
      'card <card:1111>',
    );
    expect(detectPii('jane@example.com 10.0.0.1', { types: ['ip'] }).map((m) => m.type)).toEqual(['ip']);
    expect(() => detectPii('x', { types: ['ssn' as never] })).toThrow(/types must be one of/);
  });

  it('Luhn and IBAN checks', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(ibanValid('DE89 3704 0044 0532 0130 0')).toBe(false); // German IBANs have 22 characters
    expect(ibanValid('CH9300762011623852957')).toBe(true);
  });
});

describe('Pseudonymizer', () => {
  const key = new Uint8Array(32).map((_, i) => (i * 37 + 11) % 256);

  it('is HMAC-SHA-256 of the id (same as node:crypto), truncated, with the key id in front', async () => {
    const p = await Pseudonymizer.create(key, { keyId: 'k1' });
    const want = createHmac('sha256', key).update('alice@example.com').digest('hex').slice(0, 32);
    expect(await p.pseudonymize('alice@example.com')).toBe(`k1:${want}`);
    const full = await Pseudonymizer.create(key, { bytes: 32 });
    expect(await full.pseudonymize(42)).toBe(createHmac('sha256', key).update('42').digest('hex'));
    expect(await p.pseudonymizeAll(['a', 'b', 'a'])).toEqual([
      await p.pseudonymize('a'),
      await p.pseudonymize('b'),
      await p.pseudonymize('a'),
    ]);
  });

  it('rotation: a new key gives new pseudonyms and rotationMap links old to new', async () => {
    const old = await Pseudonymizer.create(key, { keyId: 'k1' });
    const next = await Pseudonymizer.create(
      key.map((b) => b ^ 0xff),
      { keyId: 'k2' },
    );
    const ids = ['c1', 'c2', 'c3'];
    const map = await rotationMap(old, next, ids);
    expect(map.size).toBe(3);
    for (const id of ids) {
      const o = await old.pseudonymize(id);
      expect(map.get(o)).toBe(await next.pseudonymize(id));
      expect(map.get(o)).not.toBe(o.replace('k1:', 'k2:'));
    }
  });

  it('rejects short keys and bad options', async () => {
    await expect(Pseudonymizer.create('short')).rejects.toThrow(/at least 16 bytes/);
    await expect(Pseudonymizer.create(key, { bytes: 4 })).rejects.toThrow(/bytes must be/);
    await expect(Pseudonymizer.create(key, { keyId: 'has space' })).rejects.toThrow(/keyId/);
    const p = await Pseudonymizer.create(key);
    await expect(p.pseudonymize(Number.NaN)).rejects.toThrow(/finite number/);
  });
});

describe('filterByConsent and kAnonymity', () => {
  const rows = [
    { id: 1, consent: 'marketing;analytics' },
    { id: 2, consent: 'analytics' },
    { id: 3, consent: null },
    { id: 4, consent: true },
    { id: 5, consent: { marketing: false } },
    { id: 6, consent: ['Marketing'] },
  ];

  it('keeps rows whose consent covers the purpose and counts refusals and missing records', () => {
    const r = filterByConsent(rows, { purpose: 'marketing', consent: 'consent' });
    expect(r.kept.map((x) => x.id)).toEqual([1, 4, 6]);
    expect(r.refused).toBe(2);
    expect(r.missing).toBe(1);
    expect(() => filterByConsent(rows, { purpose: 'marketing', consent: (x) => x.consent, missing: 'error' })).toThrow(
      /row 2 has no consent record/,
    );
    expect(() => filterByConsent(rows, { purpose: ' ', consent: 'consent' })).toThrow(/purpose/);
  });

  it('finds the smallest equivalence class over the quasi-identifiers', () => {
    const people = [
      { zip: '021', decade: '1980s', sex: 'F' },
      { zip: '021', decade: '1980s', sex: 'F' },
      { zip: '021', decade: '1980s', sex: 'M' },
      { zip: '021', decade: '1980s', sex: 'M' },
      { zip: '100', decade: '1990s', sex: 'F' },
    ];
    const r = kAnonymity(people, ['zip', 'decade', 'sex'], { k: 2 });
    expect(r.k).toBe(1);
    expect(r.satisfies).toBe(false);
    expect(r.rowsAtRisk).toBe(1);
    expect(r.smallest[0]).toEqual({ values: ['100', '1990s', 'F'], count: 1 });
    const coarse = kAnonymity(people, ['decade'], { k: 1 });
    expect(coarse.k).toBe(1);
    expect(kAnonymity(people.slice(0, 4), ['zip', 'sex'], { k: 2 }).satisfies).toBe(true);
    const table = at.data.parseCsvTable('zip,sex\n021,F\n021,F\n');
    expect(kAnonymity(table, ['zip', 'sex']).k).toBe(2);
    expect(() => kAnonymity(people, ['age'])).toThrow(/no column "age"/);
  });
});
