import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { DataError, ValueError, fmtValue } from '../core/errors.js';
import type { Id } from './idmap.js';

/**
 * Where Parquet comes from: a file path (string or URL, Node only; read in ranges, never whole),
 * the file's bytes, or any hyparquet `AsyncBuffer` ({byteLength, slice(start, end)}, for
 * example `asyncBufferFromUrl` for HTTP range requests).
 */
export type ParquetSource = string | URL | Uint8Array | ArrayBuffer | AsyncBuffer;

/**
 * What a column must hold, and what it is read into:
 * - `'number'`: INT32, INT64, FLOAT or DOUBLE → Float64Array; a TIMESTAMP or DATE column (INT64
 *   or INT32 with that logical type) in milliseconds since the epoch;
 * - `'id'`: INT32, INT64 or a UTF-8 string → (string | number)[] (ids for an `IdMap`);
 * - `'string'`: UTF-8 string → string[];
 * - `'vector'`: a list of numbers (Spark's array<float>/array<double>, as ALS writes
 *   `features`) → {@link ParquetVectors}, one row of equal length per record.
 */
export type ParquetColumnKind = 'number' | 'id' | 'string' | 'vector';

/** A `'vector'` column: `dim` numbers per row, row-major. */
export interface ParquetVectors {
  values: Float32Array;
  dim: number;
}

/** The array type `readParquet` gives for a column of each kind. */
export type ColumnOf<K extends ParquetColumnKind> = K extends 'number'
  ? Float64Array
  : K extends 'vector'
    ? ParquetVectors
    : K extends 'string'
      ? string[]
      : Id[];

/** Rows of the requested columns, by name. */
export interface ParquetBatch<C extends Record<string, ParquetColumnKind>> {
  rows: number;
  columns: { [N in keyof C]: ColumnOf<C[N]> };
}

export interface ParquetReadOptions<C extends Record<string, ParquetColumnKind>> {
  /** The columns to read and the kind each must be; a missing or mistyped one is a DataError naming it. */
  columns: C;
  /** Rows per yielded batch of {@link readParquetStream}; default 65,536. */
  batchRows?: number;
}

/**
 * Reads the requested columns of a Parquet file in batches of at most `batchRows` rows. Row
 * groups are decoded one at a time, so memory is bounded by the largest row group plus one
 * batch, not by the file. Checks every requested column against the schema before reading:
 * a column that is missing, or whose type is not the requested kind, is a DataError naming it
 * and listing what the file holds; a null value is a DataError naming the column and row.
 *
 * @example
 * for await (const b of at.data.readParquetStream('ratings.parquet', { columns: { user: 'id', item: 'id', rating: 'number' } }))
 *   console.log(b.rows, b.columns.rating[0]);
 */
export async function* readParquetStream<C extends Record<string, ParquetColumnKind>>(
  source: ParquetSource,
  options: ParquetReadOptions<C>,
): AsyncGenerator<ParquetBatch<C>> {
  const op = 'readParquetStream';
  const batchRows = options.batchRows ?? 65536;
  if (!Number.isInteger(batchRows) || batchRows < 1)
    throw new ValueError(`${op}: batchRows must be a positive integer; got ${fmtValue(batchRows)}`);
  const { file, close } = await openParquet(op, source);
  try {
    const metadata = await readMetadata(op, file);
    const names = checkColumns(op, metadata, options.columns);
    let start = 0;
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      const raw = await readRange(file, metadata, names, start, end);
      for (let s = start; s < end; s += batchRows) {
        const e = Math.min(end, s + batchRows);
        const columns = {} as Record<string, unknown>;
        for (const name of names)
          columns[name] = convert(op, name, options.columns[name]!, raw.get(name)!, s - start, e - start, s);
        yield { rows: e - s, columns: columns as ParquetBatch<C>['columns'] };
      }
      start = end;
    }
  } finally {
    await close();
  }
}

/** {@link readParquetStream} into one batch holding every row. */
export async function readParquet<C extends Record<string, ParquetColumnKind>>(
  source: ParquetSource,
  options: ParquetReadOptions<C>,
): Promise<ParquetBatch<C>> {
  const parts: ParquetBatch<C>[] = [];
  for await (const b of readParquetStream(source, { ...options, batchRows: Number.MAX_SAFE_INTEGER })) parts.push(b);
  const rows = parts.reduce((s, b) => s + b.rows, 0);
  const columns = {} as Record<string, unknown>;
  for (const [name, kind] of Object.entries(options.columns)) {
    const pieces = parts.map((b) => (b.columns as Record<string, unknown>)[name]);
    if (kind === 'number') columns[name] = concatTyped(pieces as Float64Array[], Float64Array, rows);
    else if (kind === 'vector') {
      const vs = pieces as ParquetVectors[];
      const dim = vs.find((v) => v.values.length > 0)?.dim ?? vs[0]?.dim ?? 0;
      for (const v of vs)
        if (v.values.length > 0 && v.dim !== dim)
          throw new DataError(`readParquet: column '${name}' holds vectors of length ${dim} and ${v.dim}`);
      columns[name] = {
        values: concatTyped(
          vs.map((v) => v.values),
          Float32Array,
          rows * dim,
        ),
        dim,
      };
    } else columns[name] = (pieces as unknown[][]).flat();
  }
  return { rows, columns: columns as ParquetBatch<C>['columns'] };
}

function concatTyped<T extends Float64Array | Float32Array>(parts: T[], Ctor: new (n: number) => T, n: number): T {
  const out = new Ctor(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function openParquet(
  op: string,
  source: ParquetSource,
): Promise<{ file: AsyncBuffer; close: () => Promise<void> }> {
  if (source instanceof Uint8Array) {
    const copy = source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength) as ArrayBuffer;
    return { file: copy, close: async () => {} };
  }
  if (source instanceof ArrayBuffer) return { file: source, close: async () => {} };
  if (typeof source === 'string' || source instanceof URL) {
    let fs: typeof import('node:fs/promises');
    try {
      fs = await import('node:fs/promises');
    } catch (cause) {
      throw new ValueError(`${op}: reading a path needs Node's fs; in a browser pass the bytes or an AsyncBuffer`, {
        cause,
      });
    }
    let handle: Awaited<ReturnType<typeof fs.open>>;
    try {
      handle = await fs.open(source, 'r');
    } catch (cause) {
      throw new DataError(`${op}: cannot open ${String(source)}: ${(cause as Error).message}`, { cause });
    }
    const { size } = await handle.stat();
    const file: AsyncBuffer = {
      byteLength: size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const stop = end ?? size;
        const buf = new Uint8Array(Math.max(0, stop - start));
        let done = 0;
        while (done < buf.length) {
          const { bytesRead } = await handle.read(buf, done, buf.length - done, start + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return buf.buffer;
      },
    };
    return { file, close: () => handle.close() };
  }
  if (source !== null && typeof source === 'object' && typeof (source as AsyncBuffer).slice === 'function')
    return { file: source as AsyncBuffer, close: async () => {} };
  throw new ValueError(
    `${op}: source must be a path, a URL, a Uint8Array, an ArrayBuffer or an AsyncBuffer; got ${fmtValue(source)}`,
  );
}

async function readMetadata(op: string, file: AsyncBuffer): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(file);
  } catch (cause) {
    throw new DataError(`${op}: not a readable Parquet file: ${(cause as Error).message}`, { cause });
  }
}

const NUMERIC = new Set(['INT32', 'INT64', 'FLOAT', 'DOUBLE']);

/** Checks each requested column against the schema; returns the names in request order. */
function checkColumns(op: string, metadata: FileMetaData, columns: Record<string, ParquetColumnKind>): string[] {
  const top = parquetSchema(metadata).children;
  const describe = (): string =>
    top.map((c) => `${c.element.name} (${c.children.length ? 'list' : (c.element.type ?? '?')})`).join(', ');
  const names = Object.keys(columns);
  if (names.length === 0)
    throw new ValueError(`${op}: columns must name at least one column; the file has ${describe()}`);
  for (const name of names) {
    const kind = columns[name];
    const node = top.find((c) => c.element.name === name);
    if (!node) throw new DataError(`${op}: the file has no column '${name}'; it has ${describe()}`);
    // A Spark array<float> is a LIST group: <name> → repeated group list → element.
    let leaf = node;
    while (leaf.children.length === 1) leaf = leaf.children[0]!;
    const isList = node.children.length > 0;
    const type = leaf.element.type ?? 'group';
    const isString =
      type === 'BYTE_ARRAY' && (leaf.element.converted_type === 'UTF8' || leaf.element.logical_type?.type === 'STRING');
    const ok =
      kind === 'vector'
        ? isList && leaf.children.length === 0 && NUMERIC.has(type)
        : !isList &&
          (kind === 'number' ? NUMERIC.has(type) : kind === 'string' ? isString : NUMERIC.has(type) || isString);
    if (!ok) {
      const want = {
        number: 'a number',
        id: 'an integer or string id',
        string: 'a string',
        vector: 'a list of numbers',
      }[kind!];
      const got = isList ? `a list of ${type}` : isString ? 'a string' : type;
      throw new DataError(`${op}: column '${name}' must be ${want}; the file stores ${got}`);
    }
  }
  return names;
}

/** Decodes rows [start, end) of the named columns: each as one array indexed from `start`. */
async function readRange(
  file: AsyncBuffer,
  metadata: FileMetaData,
  names: string[],
  start: number,
  end: number,
): Promise<Map<string, ArrayLike<unknown>>> {
  const chunks = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
  await parquetRead({
    file,
    metadata,
    columns: names,
    rowStart: start,
    rowEnd: end,
    onChunk: (c) => {
      const list = chunks.get(c.columnName) ?? [];
      list.push({ rowStart: c.rowStart, data: c.columnData as ArrayLike<unknown> });
      chunks.set(c.columnName, list);
    },
  });
  const out = new Map<string, ArrayLike<unknown>>();
  for (const name of names) {
    const list = chunks.get(name) ?? [];
    if (list.length === 1 && list[0]!.rowStart === start && list[0]!.data.length >= end - start) {
      out.set(name, list[0]!.data);
      continue;
    }
    const all = new Array<unknown>(end - start);
    for (const c of list)
      for (let j = 0; j < c.data.length; j++) {
        const r = c.rowStart + j;
        if (r >= start && r < end) all[r - start] = c.data[j];
      }
    out.set(name, all);
  }
  return out;
}

function convert(
  op: string,
  name: string,
  kind: ParquetColumnKind,
  data: ArrayLike<unknown>,
  from: number,
  to: number,
  firstRow: number,
): unknown {
  const n = to - from;
  const missing = (j: number): never => {
    throw new DataError(`${op}: column '${name}' is null at row ${firstRow + j}; fill or drop such rows first`);
  };
  if (kind === 'number') {
    // hyparquet decodes TIMESTAMP and DATE columns to Dates: Number gives their epoch milliseconds.
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const v = data[from + j];
      if (v === null || v === undefined) missing(j);
      out[j] = Number(v);
    }
    return out;
  }
  if (kind === 'vector') {
    let dim = -1;
    let values = new Float32Array(0);
    for (let j = 0; j < n; j++) {
      const row = data[from + j] as ArrayLike<number> | null | undefined;
      if (row === null || row === undefined) missing(j);
      if (dim < 0) {
        dim = row!.length;
        values = new Float32Array(n * dim);
      } else if (row!.length !== dim)
        throw new DataError(
          `${op}: column '${name}' holds vectors of length ${dim} and ${row!.length} (row ${firstRow + j}); every row must have the same length`,
        );
      for (let f = 0; f < dim; f++) {
        const v = row![f];
        if (v === null || v === undefined) missing(j);
        values[j * dim + f] = Number(v);
      }
    }
    return { values, dim: Math.max(dim, 0) };
  }
  const out = new Array<Id>(n);
  for (let j = 0; j < n; j++) {
    const v = data[from + j];
    if (v === null || v === undefined) missing(j);
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
        throw new DataError(`${op}: column '${name}' row ${firstRow + j} holds ${v}, beyond a safe integer id`);
      out[j] = Number(v);
    } else out[j] = v as Id;
  }
  return out;
}
