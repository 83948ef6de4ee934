import { ValueError, fmtValue } from '../../core/errors.js';

/**
 * What a row says about consent: a boolean (consent to everything or nothing), a list of
 * purposes (an array, or text separated by `;`, `,` or `|`), or per-purpose flags
 * (`{ marketing: true, profiling: false }`). `undefined`/`null`/empty text means no record.
 */
export type ConsentValue = boolean | string | readonly string[] | Readonly<Record<string, boolean>> | null | undefined;

/** Options of {@link filterByConsent}. */
export interface ConsentFilterOptions<T> {
  /** The purpose the data is about to be used for, e.g. `'marketing'` or `'profiling'`. */
  purpose: string;
  /** Where the consent is: a property name of the rows, or a function of the row. */
  consent: string | ((row: T) => ConsentValue);
  /** A row without a consent record: `'drop'` (default, no consent means no processing) or `'error'`. */
  missing?: 'drop' | 'error';
}

/** The rows that may be used, and what was left out and why (nothing is dropped unreported). */
export interface ConsentFilterResult<T> {
  kept: T[];
  /** Rows whose consent record does not include the purpose. */
  refused: number;
  /** Rows without a consent record. */
  missing: number;
}

/** Whether a consent value grants `purpose`; undefined when there is no record. */
export function grants(value: ConsentValue, purpose: string): boolean | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const parts = value
      .split(/[;,|]/)
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    if (parts.length === 0) return undefined;
    return parts.includes(purpose.toLowerCase());
  }
  if (Array.isArray(value)) return value.map((s) => String(s).toLowerCase()).includes(purpose.toLowerCase());
  if (typeof value === 'object') {
    const flag = (value as Record<string, unknown>)[purpose];
    if (flag === undefined) return false;
    if (typeof flag !== 'boolean')
      throw new ValueError(
        `grants: the consent flag for ${fmtValue(purpose)} must be a boolean; got ${fmtValue(flag)}`,
      );
    return flag;
  }
  throw new ValueError(`grants: unreadable consent value ${fmtValue(value)}`);
}

/**
 * Keeps the rows whose consent covers `purpose` (opt-in: a purpose not listed is not granted)
 * and reports how many were refused or had no record at all.
 *
 * @example
 * const { kept, refused, missing } = at.privacy.filterByConsent(customers, { purpose: 'marketing', consent: 'consents' });
 */
export function filterByConsent<T>(rows: readonly T[], options: ConsentFilterOptions<T>): ConsentFilterResult<T> {
  const op = 'filterByConsent';
  if (typeof options.purpose !== 'string' || options.purpose.trim() === '')
    throw new ValueError(`${op}: purpose must be a non-empty string; got ${fmtValue(options.purpose)}`);
  const read =
    typeof options.consent === 'function'
      ? options.consent
      : (row: T) => (row as Record<string, unknown>)[options.consent as string] as ConsentValue;
  const kept: T[] = [];
  let refused = 0;
  let missing = 0;
  rows.forEach((row, i) => {
    const g = grants(read(row), options.purpose);
    if (g === undefined) {
      if (options.missing === 'error') throw new ValueError(`${op}: row ${i} has no consent record`);
      missing++;
    } else if (g) kept.push(row);
    else refused++;
  });
  return { kept, refused, missing };
}
