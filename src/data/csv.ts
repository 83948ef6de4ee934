import { DataError, ValueError, fmtValue } from '../core/errors.js';

/** One parsed CSV record and the 1-based line it starts on. */
export interface CsvRecord {
  /** The record's fields, unquoted. */
  fields: string[];
  /** 1-based line the record starts on. */
  line: number;
}

/** Options for {@link CsvParser}. */
export interface CsvParseOptions {
  /**
   * Field separator, one or more characters (`','`, `'\t'`, `'::'`); default `','`. The word
   * `'whitespace'` splits on runs of spaces and tabs and ignores them at line starts and ends
   * (fixed-width exports such as CDNOW's).
   */
  delimiter?: string;
  /** Quote character, or `false` to treat quotes as plain text (MovieLens files); default `'"'`. */
  quote?: string | false;
}

/**
 * An incremental RFC 4180 parser: feed it text in chunks of any size with `push` and call
 * `end` once. It handles quoted fields (with delimiters, quotes doubled as `""`, and line
 * breaks inside), LF and CRLF line ends, a leading byte-order mark, and multi-character
 * delimiters. Each record carries the line it starts on, for error messages.
 *
 * Deliberate leniencies, so real exports load: blank lines are skipped, and a quote that does
 * not start a field is plain text. A closing quote followed by anything but a delimiter or a
 * line end, or a quoted field still open at the end of input, throws a DataError with the line.
 */
export class CsvParser {
  private readonly delim: string;
  private readonly ws: boolean;
  private readonly q: number;
  private rest = '';
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private afterQuote = false;
  private atFieldStart = true;
  private quoteLine = 0;
  private line = 1;
  private recordLine = 1;
  private started = false;
  private recordQuoted = false;

  constructor(options: CsvParseOptions = {}) {
    const delim = options.delimiter ?? ',';
    const quote = options.quote ?? '"';
    if (typeof delim !== 'string' || delim.length === 0 || /[\r\n]/.test(delim)) {
      throw new ValueError(
        `CsvParser: delimiter must be a non-empty string without line breaks; got ${fmtValue(delim)}`,
      );
    }
    if (quote !== false && (typeof quote !== 'string' || quote.length !== 1 || delim.includes(quote))) {
      throw new ValueError(
        `CsvParser: quote must be false or one character not in the delimiter; got ${fmtValue(quote)}`,
      );
    }
    this.delim = delim;
    this.ws = delim === 'whitespace';
    this.q = quote === false ? -1 : quote.charCodeAt(0);
  }

  /** Parses as much of `chunk` as can be decided now and calls `emit` for each whole record. */
  push(chunk: string, emit: (record: CsvRecord) => void): void {
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    this.run(this.rest + chunk, false, emit);
  }

  /** Finishes the input: emits the last record, or throws if a quoted field is still open. */
  end(emit: (record: CsvRecord) => void): void {
    this.run(this.rest, true, emit);
    this.rest = '';
    if (this.inQuotes) {
      throw new DataError(`CSV line ${this.quoteLine}: quoted field is not closed before the end of input`);
    }
    if (this.fields.length > 0 || this.field !== '' || this.afterQuote) {
      this.endLineField('');
      this.endRecord(emit);
    }
  }

  private run(text: string, final: boolean, emit: (record: CsvRecord) => void): void {
    const n = text.length;
    const q = this.q;
    const delim = this.delim;
    const d0 = delim.charCodeAt(0);
    let i = 0;
    let start = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (this.inQuotes) {
        if (c === q) {
          if (i + 1 >= n && !final) break;
          if (text.charCodeAt(i + 1) === q) {
            this.field += text.slice(start, i + 1);
            i += 2;
            start = i;
            continue;
          }
          this.field += text.slice(start, i);
          this.inQuotes = false;
          this.afterQuote = true;
          start = ++i;
          continue;
        }
        if (c === 10) this.line++;
        i++;
        continue;
      }
      if (this.ws && (c === 32 || c === 9)) {
        // A run of blanks is one separator; blanks before the first field make none.
        if (start < i || this.field !== '' || this.afterQuote) this.endField(text.slice(start, i));
        start = ++i;
        continue;
      }
      if (c === d0 && !this.ws) {
        if (delim.length > 1 && i + delim.length > n && !final && delim.startsWith(text.slice(i))) break;
        if (delim.length === 1 || text.startsWith(delim, i)) {
          this.endField(text.slice(start, i));
          i += delim.length;
          start = i;
          continue;
        }
      }
      if (c === 13) {
        if (i + 1 >= n && !final) break;
        if (text.charCodeAt(i + 1) === 10) {
          this.endLineField(text.slice(start, i));
          this.endRecord(emit);
          i += 2;
          start = i;
          this.line++;
          this.recordLine = this.line;
          continue;
        }
      }
      if (c === 10) {
        this.endLineField(text.slice(start, i));
        this.endRecord(emit);
        start = ++i;
        this.line++;
        this.recordLine = this.line;
        continue;
      }
      if (this.afterQuote) {
        throw new DataError(
          `CSV line ${this.line}: unexpected ${fmtValue(text[i])} after a closing quote; expected a delimiter or a line end`,
        );
      }
      if (c === q && this.atFieldStart) {
        this.inQuotes = true;
        this.recordQuoted = true;
        this.quoteLine = this.line;
        this.atFieldStart = false;
        start = ++i;
        continue;
      }
      this.atFieldStart = false;
      i++;
    }
    if (start < i) this.field += text.slice(start, i);
    this.rest = text.slice(i);
  }

  private endField(tail: string): void {
    this.fields.push(this.field + tail);
    this.field = '';
    this.afterQuote = false;
    this.atFieldStart = true;
  }

  /** Ends the last field of a line; with whitespace delimiting, trailing blanks leave no empty field. */
  private endLineField(tail: string): void {
    if (!this.ws || tail !== '' || this.field !== '' || this.afterQuote) this.endField(tail);
  }

  private endRecord(emit: (record: CsvRecord) => void): void {
    const fields = this.fields;
    this.fields = [];
    // A blank line parses as one empty unquoted field; skip it rather than emit a 1-column row.
    const blank = fields.length === 0 || (fields.length === 1 && fields[0] === '' && !this.recordQuoted);
    this.recordQuoted = false;
    if (!blank) emit({ fields, line: this.recordLine });
  }
}

/** Parses a whole CSV text at once; see {@link CsvParser} for the dialect. */
export function parseCsv(text: string, options: CsvParseOptions = {}): CsvRecord[] {
  const out: CsvRecord[] = [];
  const parser = new CsvParser(options);
  const emit = (r: CsvRecord) => void out.push(r);
  parser.push(text, emit);
  parser.end(emit);
  return out;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a decimal number the strict way (surrounding spaces allowed): returns NaN for empty
 * text, `NaN`, `Infinity`, hex and anything `Number()` would quietly accept but a data file
 * should not contain.
 */
export function parseNumber(text: string): number {
  const s = text.trim();
  return NUMBER.test(s) ? Number(s) : Number.NaN;
}
