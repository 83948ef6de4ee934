import { DataError, ValueError, fmtValue } from '../core/errors.js';
import { parseNumber } from './csv.js';
import { CsvTable } from './table.js';

/** A cell as the encoder takes it. null, undefined, NaN and the `missingValues` strings are missing. */
export type Cell = string | number | boolean | null | undefined;

/** Columns by name (all the same length), or a {@link CsvTable} (its line numbers go into errors). */
export type TableInput = CsvTable | Readonly<Record<string, ArrayLike<Cell>>>;

/** Options of {@link TabularEncoder}. */
export interface TabularEncoderOptions {
  /** Columns read as numbers and standardized. */
  numeric?: readonly string[];
  /** Columns one-hot encoded, one output column per category seen in fit (sorted). */
  categorical?: readonly string[];
  /**
   * Missing numeric cells: `'error'` (default) throws a DataError naming column and row;
   * `'mean'` or `'median'` impute the training statistic (computed on the non-missing training
   * cells) and add a 0/1 `<column>=missing` indicator column for each numeric column that had
   * missing cells in fit. A missing categorical cell is an error under `'error'`, else it is
   * its own category `(missing)`. Either way nothing missing reaches the output as NaN.
   */
  missing?: 'error' | 'mean' | 'median';
  /** Strings (after trimming) that mean missing; default `['']` (Telco's blank TotalCharges). */
  missingValues?: readonly string[];
  /** A category not seen in fit: `'ignore'` (default) encodes all zeros; `'error'` throws. */
  unknown?: 'ignore' | 'error';
  /** z-score the numeric columns with the training mean and sd (default true). */
  standardize?: boolean;
}

/** The output of {@link TabularEncoder.transform}: a row-major float matrix with column names. */
export interface EncodedTable {
  data: Float32Array;
  rows: number;
  cols: number;
  names: string[];
}

/** Fitted state of one numeric column. */
export interface NumericState {
  name: string;
  mean: number;
  sd: number;
  fill: number;
  indicator: boolean;
}
/** Fitted state of one categorical column. */
export interface CategoricalState {
  name: string;
  categories: string[];
}

const MISSING_CATEGORY = '(missing)';

/**
 * Turns a table of mixed columns into a numeric matrix for a model: numeric columns
 * standardized, categorical columns one-hot, missing values handled by an explicit policy
 * (error by default; see {@link TabularEncoderOptions.missing}). Fit on the training rows only,
 * then transform train and test alike; the state serializes with `toJSON`.
 *
 * Output column order: each numeric column, then its `=missing` indicator if any, then each
 * categorical column's `<column>=<category>` one-hots, in the order the options list them.
 *
 * @example
 * const table = await at.data.readCsvTable('WA_Fn-UseC_-Telco-Customer-Churn.csv');
 * const enc = new at.data.TabularEncoder({
 *   numeric: ['tenure', 'MonthlyCharges', 'TotalCharges'],
 *   categorical: ['Contract', 'InternetService', 'PaymentMethod'],
 *   missing: 'median',
 * });
 * const X = enc.fitTransform(table);   // { data, rows, cols, names }
 * const y = at.data.binaryTarget(table.column('Churn'), 'Yes');
 */
export class TabularEncoder {
  readonly options: Readonly<TabularEncoderOptions>;
  private numeric: NumericState[] = [];
  private categorical: CategoricalState[] = [];
  private fitted = false;
  private readonly missingSet: Set<string>;

  constructor(options: TabularEncoderOptions) {
    const op = 'TabularEncoder';
    const numeric = options.numeric ?? [];
    const categorical = options.categorical ?? [];
    if (numeric.length + categorical.length === 0)
      throw new ValueError(`${op}: name at least one numeric or categorical column`);
    const all = [...numeric, ...categorical];
    const dup = all.find((c, i) => all.indexOf(c) !== i);
    if (dup !== undefined) throw new ValueError(`${op}: column ${fmtValue(dup)} is listed more than once`);
    const missing = options.missing ?? 'error';
    if (!['error', 'mean', 'median'].includes(missing))
      throw new ValueError(`${op}: missing must be 'error', 'mean' or 'median'; got ${fmtValue(missing)}`);
    const unknown = options.unknown ?? 'ignore';
    if (unknown !== 'ignore' && unknown !== 'error')
      throw new ValueError(`${op}: unknown must be 'ignore' or 'error'; got ${fmtValue(unknown)}`);
    this.options = {
      numeric,
      categorical,
      missing,
      unknown,
      standardize: options.standardize ?? true,
      missingValues: options.missingValues ?? [''],
    };
    this.missingSet = new Set(this.options.missingValues);
  }

  /** Output column names (after fit). */
  get names(): string[] {
    this.check('TabularEncoder.names');
    const out: string[] = [];
    for (const s of this.numeric) {
      out.push(s.name);
      if (s.indicator) out.push(`${s.name}=missing`);
    }
    for (const s of this.categorical) for (const c of s.categories) out.push(`${s.name}=${c}`);
    return out;
  }

  /** Learns means, sds, fill values and categories from the training table. */
  fit(table: TableInput): this {
    const op = 'TabularEncoder.fit';
    const { rows, column, line } = view(op, table);
    if (rows === 0) throw new ValueError(`${op}: the table has no rows`);
    this.numeric = this.options.numeric!.map((name) => {
      const vals = this.numbers(op, name, column(name), line);
      const present = Array.from(vals).filter((v) => !Number.isNaN(v));
      if (present.length === 0)
        throw new DataError(`${op}: numeric column ${fmtValue(name)} has no non-missing values`);
      const mean = present.reduce((s, v) => s + v, 0) / present.length;
      const sd = Math.sqrt(present.reduce((s, v) => s + (v - mean) ** 2, 0) / present.length) || 1;
      const fill = this.options.missing === 'median' ? medianOf(present) : mean;
      return { name, mean, sd, fill, indicator: present.length < vals.length };
    });
    this.categorical = this.options.categorical!.map((name) => {
      const cats = new Set(this.strings(op, name, column(name), line));
      return { name, categories: [...cats].sort() };
    });
    this.fitted = true;
    return this;
  }

  /** Encodes a table with the fitted state; see the class doc for the column order. */
  transform(table: TableInput): EncodedTable {
    const op = 'TabularEncoder.transform';
    this.check(op);
    const { rows, column, line } = view(op, table);
    const names = this.names;
    const cols = names.length;
    const data = new Float32Array(rows * cols);
    let at = 0;
    for (const s of this.numeric) {
      const vals = this.numbers(op, s.name, column(s.name), line);
      for (let r = 0; r < rows; r++) {
        const miss = Number.isNaN(vals[r]!);
        const v = miss ? s.fill : vals[r]!;
        data[r * cols + at] = this.options.standardize ? (v - s.mean) / s.sd : v;
        if (s.indicator) data[r * cols + at + 1] = miss ? 1 : 0;
      }
      at += s.indicator ? 2 : 1;
    }
    for (const s of this.categorical) {
      const vals = this.strings(op, s.name, column(s.name), line);
      const idx = new Map(s.categories.map((c, i) => [c, i]));
      for (let r = 0; r < rows; r++) {
        const j = idx.get(vals[r]!);
        if (j !== undefined) data[r * cols + at + j] = 1;
        else if (this.options.unknown === 'error') {
          throw new DataError(
            `${op}: column ${fmtValue(s.name)} ${line(r)}: category ${fmtValue(vals[r])} was not seen in fit (pass unknown: 'ignore' to encode it as all zeros)`,
          );
        }
      }
      at += s.categories.length;
    }
    return { data, rows, cols, names };
  }

  /** fit then transform on the same table. */
  fitTransform(table: TableInput): EncodedTable {
    return this.fit(table).transform(table);
  }

  /** The fitted state as JSON; restore with {@link TabularEncoder.fromJSON}. */
  toJSON(): { options: TabularEncoderOptions; numeric: NumericState[]; categorical: CategoricalState[] } {
    this.check('TabularEncoder.toJSON');
    return { options: { ...this.options }, numeric: this.numeric, categorical: this.categorical };
  }

  /** Rebuilds a fitted encoder from {@link TabularEncoder.toJSON}'s output. */
  static fromJSON(json: {
    options: TabularEncoderOptions;
    numeric: NumericState[];
    categorical: CategoricalState[];
  }): TabularEncoder {
    // The JSON may come from a file: check its form before trusting it.
    const bad = (what: string): never => {
      throw new DataError(`TabularEncoder.fromJSON: ${what}`);
    };
    if (typeof json !== 'object' || json === null) bad('expected an object {options, numeric, categorical}');
    const opts = json.options as unknown;
    if (typeof opts !== 'object' || opts === null) bad('options must be an object');
    const strings = (v: unknown): boolean =>
      v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    const o = opts as Record<string, unknown>;
    if (!strings(o.numeric) || !strings(o.categorical) || !strings(o.missingValues))
      bad('options.numeric, categorical and missingValues must be arrays of strings');
    for (const k of ['missing', 'unknown'] as const)
      if (o[k] !== undefined && typeof o[k] !== 'string') bad(`options.${k} must be a string`);
    const num = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
    if (
      !Array.isArray(json.numeric) ||
      !json.numeric.every(
        (s) =>
          typeof s?.name === 'string' && num(s.mean) && num(s.sd) && num(s.fill) && typeof s.indicator === 'boolean',
      )
    )
      bad('numeric must be an array of {name, mean, sd, fill, indicator} with finite numbers');
    if (
      !Array.isArray(json.categorical) ||
      !json.categorical.every(
        (s) => typeof s?.name === 'string' && strings(s.categories) && Array.isArray(s.categories),
      )
    )
      bad('categorical must be an array of {name, categories: string[]}');
    const e = new TabularEncoder(json.options);
    const names = (list: readonly string[] | undefined): string => JSON.stringify(list ?? []);
    if (
      names(json.numeric.map((s) => s.name)) !== names(e.options.numeric) ||
      names(json.categorical.map((s) => s.name)) !== names(e.options.categorical)
    )
      bad('the fitted columns do not match options.numeric and options.categorical');
    e.numeric = json.numeric.map((s) => ({ ...s }));
    e.categorical = json.categorical.map((s) => ({ ...s, categories: [...s.categories] }));
    e.fitted = true;
    return e;
  }

  private check(op: string): void {
    if (!this.fitted) throw new ValueError(`${op}: the encoder is not fitted; call fit(table) first`);
  }

  /** Parses a numeric column, NaN marking missing cells; errors per the missing policy. */
  private numbers(op: string, name: string, col: ArrayLike<Cell>, line: (r: number) => string): Float64Array {
    const out = new Float64Array(col.length);
    for (let r = 0; r < col.length; r++) {
      const c = col[r];
      let v: number;
      if (c === null || c === undefined) v = Number.NaN;
      else if (typeof c === 'number') v = c;
      else if (typeof c === 'boolean') v = c ? 1 : 0;
      else if (this.missingSet.has(c.trim())) v = Number.NaN;
      else {
        v = parseNumber(c);
        if (Number.isNaN(v))
          throw new DataError(`${op}: numeric column ${fmtValue(name)} ${line(r)}: ${fmtValue(c)} is not a number`);
      }
      if (!Number.isNaN(v) && !Number.isFinite(v))
        throw new DataError(`${op}: numeric column ${fmtValue(name)} ${line(r)}: ${v} is not finite`);
      if (Number.isNaN(v) && this.options.missing === 'error') {
        throw new DataError(
          `${op}: numeric column ${fmtValue(name)} ${line(r)} is missing (${JSON.stringify(c === undefined ? 'undefined' : c)}); pass missing: 'mean' or 'median' to impute it`,
        );
      }
      out[r] = v;
    }
    return out;
  }

  private strings(op: string, name: string, col: ArrayLike<Cell>, line: (r: number) => string): string[] {
    const out: string[] = new Array<string>(col.length);
    for (let r = 0; r < col.length; r++) {
      const c = col[r];
      const missing =
        c === null ||
        c === undefined ||
        (typeof c === 'number' && Number.isNaN(c)) ||
        (typeof c === 'string' && this.missingSet.has(c.trim()));
      if (missing) {
        if (this.options.missing === 'error') {
          throw new DataError(
            `${op}: categorical column ${fmtValue(name)} ${line(r)} is missing; pass missing: 'mean' or 'median' to keep it as the category ${fmtValue(MISSING_CATEGORY)}`,
          );
        }
        out[r] = MISSING_CATEGORY;
      } else out[r] = typeof c === 'string' ? c.trim() : String(c);
    }
    return out;
  }
}

function view(
  op: string,
  table: TableInput,
): { rows: number; column: (name: string) => ArrayLike<Cell>; line: (r: number) => string } {
  if (table instanceof CsvTable) {
    return {
      rows: table.rowCount,
      column: (name) => {
        if (!table.header.includes(name))
          throw new ValueError(
            `${op}: the table has no column ${fmtValue(name)}; it has ${table.header.map((h) => JSON.stringify(h)).join(', ')}`,
          );
        return table.column(name);
      },
      line: (r) => `line ${table.lines[r]}`,
    };
  }
  const names = Object.keys(table);
  const rows = names.length > 0 ? table[names[0]!]!.length : 0;
  for (const n of names) {
    if (table[n]!.length !== rows)
      throw new ValueError(
        `${op}: column ${fmtValue(n)} has ${table[n]!.length} rows but ${fmtValue(names[0])} has ${rows}`,
      );
  }
  return {
    rows,
    column: (name) => {
      const c = table[name];
      if (!c)
        throw new ValueError(
          `${op}: the table has no column ${fmtValue(name)}; it has ${names.map((h) => JSON.stringify(h)).join(', ')}`,
        );
      return c;
    },
    line: (r) => `row ${r}`,
  };
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/**
 * A 0/1 label column from text or booleans: `positive` (e.g. `'Yes'`) → 1, `negative` (default:
 * any other non-missing value) → 0. A missing cell, or with `negative` given any third value, is
 * a DataError naming the row.
 */
export function binaryTarget(values: ArrayLike<Cell>, positive: Cell, negative?: Cell): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const s = typeof v === 'string' ? v.trim() : v;
    if (s === positive) out[i] = 1;
    else if (s === null || s === undefined || s === '' || (typeof s === 'number' && Number.isNaN(s))) {
      throw new DataError(`binaryTarget: values[${i}] is missing`);
    } else if (negative !== undefined && s !== negative) {
      throw new DataError(
        `binaryTarget: values[${i}] is ${fmtValue(v)}; expected ${fmtValue(positive)} or ${fmtValue(negative)}`,
      );
    }
  }
  return out;
}
