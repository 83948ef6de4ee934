import { parquetWriteBuffer } from 'hyparquet-writer';
import { ValueError, fmtValue } from '../core/errors.js';
import type { IdMap } from './idmap.js';
import { Interactions } from './interactions.js';
import type { FromArraysOptions, InteractionColumns } from './interactions-types.js';
import { type ParquetSource, readParquet, readParquetStream } from './parquet.js';

/** Which columns of a Parquet file hold the interactions. */
export interface ParquetInteractionColumns {
  /** The user id column (integer or string); default 'user' (Spark ALS's userCol). */
  user?: string;
  /** The item id column; default 'item'. */
  item?: string;
  /** The rating or weight column (any number type); omitted: every row counts 1. */
  value?: string;
  /**
   * The event time column: a number in any consistent unit, or a TIMESTAMP or DATE column (read
   * as epoch milliseconds). It orders each user's events for the sequence models
   * and time splits; omitted: the rows have no times.
   */
  time?: string;
}

function columnSpec(c: ParquetInteractionColumns) {
  const spec: Record<string, 'id' | 'number'> = { [c.user ?? 'user']: 'id', [c.item ?? 'item']: 'id' };
  if (c.value !== undefined) spec[c.value] = 'number';
  if (c.time !== undefined) spec[c.time] = 'number';
  return spec;
}

/** The interaction columns of one decoded batch. */
function interactionColumns(c: Record<string, never>, columns: ParquetInteractionColumns): InteractionColumns {
  return {
    users: c[columns.user ?? 'user']!,
    items: c[columns.item ?? 'item']!,
    ...(columns.value !== undefined ? { values: c[columns.value] } : {}),
    ...(columns.time !== undefined ? { times: c[columns.time] } : {}),
  };
}

/**
 * Interaction rows of a Parquet file in chunks of at most `batchRows` (default 65,536), as
 * {@link InteractionColumns}: for streaming fits (`StreamingMatrixFactorization.fitStream`) that never hold the file.
 * Missing or mistyped columns are DataErrors naming the column.
 */
export async function* readInteractionsParquetStream(
  source: ParquetSource,
  columns: ParquetInteractionColumns = {},
  options: { batchRows?: number } = {},
): AsyncGenerator<InteractionColumns> {
  const spec = columnSpec(columns);
  for await (const b of readParquetStream(source, { columns: spec, ...options }))
    yield interactionColumns(b.columns as Record<string, never>, columns);
}

/** Reads a whole Parquet file of interactions into {@link Interactions} (options as `fromArrays`). */
export async function readInteractionsParquet(
  source: ParquetSource,
  columns: ParquetInteractionColumns = {},
  options: FromArraysOptions = {},
): Promise<Interactions> {
  const b = await readParquet(source, { columns: columnSpec(columns) });
  return Interactions.fromArrays(interactionColumns(b.columns as Record<string, never>, columns), options);
}

export interface ExportInteractionsOptions {
  /**
   * How ids are written. `'original'` (default): the ids themselves, as INT32 when every id is
   * an integer in int32 range, else as strings. `'index'`: the dense indices (INT32), which
   * Spark ALS needs when ids are strings; then map Spark's factors back with the same
   * `userIds`/`itemIds` (`importFactors({..., userIds: data.userIds, itemIds: data.itemIds})`).
   */
  ids?: 'original' | 'index';
  /** Rows per row group; default 1,000,000. */
  rowGroupSize?: number;
}

/**
 * Interactions as Parquet that Spark reads: columns `user`, `item` (ALS's default userCol and
 * itemCol), `rating` (FLOAT, ALS's ratingCol) and, when the data has times, `time` (DOUBLE),
 * all required (non-null), in Spark's own schema layout. Returns the file's bytes.
 *
 * @example
 * fs.writeFileSync('ratings.parquet', at.data.exportInteractions(data));
 * // Spark: ALS(userCol="user", itemCol="item", ratingCol="rating").fit(spark.read.parquet("ratings.parquet"))
 */
export function exportInteractions(data: Interactions, options: ExportInteractionsOptions = {}): Uint8Array {
  const op = 'exportInteractions';
  if (!(data instanceof Interactions)) throw new ValueError(`${op}: data must be Interactions; got ${fmtValue(data)}`);
  const mode = options.ids ?? 'original';
  if (mode !== 'original' && mode !== 'index')
    throw new ValueError(`${op}: ids must be 'original' or 'index'; got ${fmtValue(mode)}`);
  const rowGroupSize = options.rowGroupSize ?? 1_000_000;
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1)
    throw new ValueError(`${op}: rowGroupSize must be a positive integer; got ${fmtValue(rowGroupSize)}`);
  const idColumn = (name: string, index: Int32Array, map: IdMap) => {
    if (mode === 'index') return { name, data: index, type: 'INT32' as const, nullable: false };
    const ids = map.ids();
    if (ids.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= -(2 ** 31) && id < 2 ** 31))
      return { name, data: Int32Array.from(index, (i) => ids[i] as number), type: 'INT32' as const, nullable: false };
    return { name, data: Array.from(index, (i) => String(ids[i])), type: 'STRING' as const, nullable: false };
  };
  const columnData = [
    idColumn('user', data.users, data.userIds),
    idColumn('item', data.items, data.itemIds),
    { name: 'rating', data: data.values, type: 'FLOAT' as const, nullable: false },
  ];
  if (data.times)
    columnData.push({ name: 'time', data: data.times as never, type: 'DOUBLE' as never, nullable: false });
  const buf = parquetWriteBuffer({ columnData, rowGroupSize, createdBy: 'attune' });
  return new Uint8Array(buf);
}
