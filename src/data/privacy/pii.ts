import { checkOneOf } from '../../core/checks.js';
import { ValueError } from '../../core/errors.js';

/** The kinds of personal data {@link detectPii} finds. */
export const PII_TYPES = ['email', 'iban', 'card', 'ip', 'phone'] as const;
export type PiiType = (typeof PII_TYPES)[number];

/** One match: its kind, where it is (UTF-16 offsets, end exclusive) and the text. */
export interface PiiMatch {
  type: PiiType;
  start: number;
  end: number;
  text: string;
}

/** Options of {@link detectPii} and {@link redactPii}. */
export interface PiiOptions {
  /** Which kinds to look for; default all of {@link PII_TYPES}. */
  types?: readonly PiiType[];
}

const EMAIL =
  /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w@-])/g;
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])/g;
// Not inside a word: a digit run in a hex hash or an id like ORD4111... is not a card.
const CARD = /(?<![\w.,-])\d(?:[ -]?\d){11,18}(?!\w)/g;
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const IPV6 = /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;
const PHONE = /(?<![\w+#/.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,12}(?:[ .-]\d{1,12}){0,5}(?![\w])/g;
const NOT_PHONE_CONTEXT =
  /(?:order|invoice|ref|reference|sku|item|id|no|number|account|acct|ticket|case|tracking|isbn|serial)\W{0,3}$/i;
const PHONE_CONTEXT = /(?:phone|tel|mobile|cell|call|fax|whatsapp|sms|ring)\W{0,3}(?:\w+\W{1,3}){0,2}$/i;

// IBAN lengths of the SEPA countries and a few more (ISO 13616 registry); others 15..34.
const IBAN_LENGTH: Record<string, number> = {
  AD: 24,
  AT: 20,
  BE: 16,
  BG: 22,
  CH: 21,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  EE: 20,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  GI: 23,
  GR: 27,
  HR: 21,
  HU: 28,
  IE: 22,
  IS: 26,
  IT: 27,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MT: 31,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  RO: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  TR: 26,
  VA: 22,
};

/** The Luhn (mod 10) check of a digit string, which every payment card number passes. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The ISO 7064 mod-97 check of an IBAN (spaces ignored) and its country's length. */
export function ibanValid(text: string): boolean {
  const s = text.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s)) return false;
  const want = IBAN_LENGTH[s.slice(0, 2)];
  if (want !== undefined ? s.length !== want : s.length < 15 || s.length > 34) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const v = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** Issuer prefixes and lengths of the major card networks, so a Luhn-valid order number is not a card. */
function cardNetwork(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || p2 === 62) return n >= 16 && n <= 19; // Discover, UnionPay
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if (p2 === 36 || p2 === 38 || (p3 >= 300 && p3 <= 305)) return n === 14; // Diners Club
  return false;
}

function cardValid(text: string): boolean {
  const seps = text.replace(/\d/g, '');
  if (seps.length > 0 && new Set(seps).size > 1) return false; // mixed separators: not one number
  if (
    seps.length > 0 &&
    !/^\d{4}(?:[ -]\d{4,6}){1,3}(?:[ -]\d{1,4})?$/.test(text) &&
    !/^\d{4}[ -]\d{6}[ -]\d{4,5}$/.test(text)
  )
    return false;
  const d = text.replace(/[ -]/g, '');
  return cardNetwork(d) && luhnValid(d);
}

function ipv4Valid(text: string): boolean {
  return text.split('.').every((p) => Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
}

function ipv6Valid(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (groups.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  if (halves.length === 2) return groups.length >= 1 && groups.length <= 7; // '::' alone is no address
  return groups.length === 8;
}

function phoneValid(text: string, before: string): boolean {
  const digits = text.replace(/\D/g, '');
  const D = digits.length;
  if (text.startsWith('+')) return D >= 8 && D <= 15;
  if (NOT_PHONE_CONTEXT.test(before)) return false; // an order or account number, not a phone
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(text)) return false; // a dotted quad (an invalid IPv4), not a phone
  const groups = text.split(/[ .()-]+/).filter(Boolean);
  if (text.includes('(')) return D >= 9 && D <= 12 && groups.length >= 2;
  if (groups.length >= 2) {
    const seps = new Set(text.replace(/[\d()]/g, ''));
    if (seps.size > 1) return false;
    if (groups.some((g) => g.length < 2)) return false;
    if (/^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/.test(text)) return false; // a date
    if (D >= 9 && D <= 12) return true;
    return D >= 7 && D <= 8 && PHONE_CONTEXT.test(before);
  }
  return D >= 7 && D <= 12 && PHONE_CONTEXT.test(before);
}

const RULES: { type: PiiType; pattern: RegExp; valid: (text: string, before: string) => boolean }[] = [
  { type: 'email', pattern: EMAIL, valid: () => true },
  { type: 'iban', pattern: IBAN, valid: ibanValid },
  { type: 'card', pattern: CARD, valid: cardValid },
  { type: 'ip', pattern: IPV4, valid: ipv4Valid },
  { type: 'ip', pattern: IPV6, valid: ipv6Valid },
  { type: 'phone', pattern: PHONE, valid: phoneValid },
];

/**
 * Finds personal data in free text: email addresses, IBANs (mod-97 checksum and country
 * length), payment card numbers (network prefix, length and the Luhn check), IPv4 and IPv6
 * addresses (each part in range) and phone numbers (international `+` numbers of 8-15 digits,
 * grouped national numbers of 9-12 digits, and shorter or ungrouped ones only after a word such
 * as "phone" or "call"). Checksums and shape rules keep order numbers, dates, amounts, version
 * numbers and times out. Earlier kinds win where matches overlap, in the order of {@link PII_TYPES}.
 */
export function detectPii(text: string, options: PiiOptions = {}): PiiMatch[] {
  if (typeof text !== 'string') throw new ValueError(`detectPii: text must be a string; got ${typeof text}`);
  const types = new Set((options.types ?? PII_TYPES).map((t) => checkOneOf('detectPii', 'types', t, PII_TYPES)));
  const found: PiiMatch[] = [];
  const taken: [number, number][] = [];
  const free = (s: number, e: number) => taken.every(([a, b]) => e <= a || s >= b);
  for (const rule of RULES) {
    if (!types.has(rule.type)) continue;
    rule.pattern.lastIndex = 0;
    for (const m of text.matchAll(rule.pattern)) {
      const start = m.index!;
      const end = start + m[0].length;
      if (!free(start, end) || !rule.valid(m[0], text.slice(Math.max(0, start - 40), start))) continue;
      found.push({ type: rule.type, start, end, text: m[0] });
      taken.push([start, end]);
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * Replaces the personal data {@link detectPii} finds with a placeholder: `[EMAIL]`, `[IBAN]`,
 * `[CARD]`, `[IP]`, `[PHONE]` by default, or what `replacement` returns for a match.
 */
export function redactPii(
  text: string,
  options: PiiOptions & { replacement?: (match: PiiMatch) => string } = {},
): string {
  const matches = detectPii(text, options);
  const replace = options.replacement ?? ((m: PiiMatch) => `[${m.type.toUpperCase()}]`);
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + replace(m);
    at = m.end;
  }
  return out + text.slice(at);
}
