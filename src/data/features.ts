import { DataError, ShapeError, ValueError, fmtValue } from '../core/errors.js';
import { IdMap, type Id } from './idmap.js';

/**
 * One cell of a feature column: a category (`'F'`, `3`), a list of categories (genres), a number
 * to put in a band (with {@link FeatureColumnsOptions.bands}), or nothing (null, undefined, '').
 */
export type FeatureCell = string | number | boolean | null | undefined | readonly (string | number)[];

/** Options of {@link FeatureMatrix.fromColumns} and {@link FeatureMatrix.fromLists}. */
export interface FeatureColumnsOptions {
  /**
   * Give every row its own id as a feature, named `id=<id>` (LightFM's identity features), so a
   * hybrid model can learn what the other features do not say; default true.
   */
  identity?: boolean;
  /**
   * Numeric columns to cut into bands, by ascending edges: edges [10, 50] give the features
   * `price<10`, `price=[10,50)` and `price>=50`. A non-finite number in such a column is a DataError.
   */
  bands?: Record<string, readonly number[]>;
  /**
   * Scale each row's weights to sum to 1 (as LightFM's Dataset does), so rows with many features
   * do not score louder; default true. Where the number of features is itself a signal, turn it
   * off: on ML-100k films with more genres are the popular ones, and a hybrid ranking held-out
   * cold films by genre reaches HR@10 0.81 unnormalized against 0.52 normalized
   * (benchmarks/lightfm-protocol.ts).
   */
  normalize?: boolean;
}

/**
 * A sparse row-per-id feature matrix for hybrid recommenders: row r (the user or item
 * `ids.id(r)`) has features `cols[offsets[r]..offsets[r+1])` with weights `values[...]`, each a
 * column of `names` (strings such as `genre=Comedy` or `age=[25,35)`). Build it with
 * {@link FeatureMatrix.fromColumns} from table columns or {@link FeatureMatrix.fromLists} from
 * lists of feature names; every row has at least one feature.
 */
export class FeatureMatrix {
  private constructor(
    /** The row ids (users or items), in row order. */
    readonly ids: IdMap,
    /** The feature names, in column order. */
    readonly names: IdMap,
    /** CSR row offsets, length rows + 1. */
    readonly offsets: Int32Array,
    /** Feature (column) index of each entry. */
    readonly cols: Int32Array,
    /** Weight of each entry. */
    readonly values: Float32Array,
    /** Per row, the column of its identity feature `id=<id>`, or -1. */
    readonly identityOf: Int32Array,
    /** Whether each row's weights were scaled to sum to 1 ({@link FeatureColumnsOptions.normalize}). */
    readonly normalized: boolean,
  ) {}

  get numRows(): number {
    return this.ids.size;
  }

  get numFeatures(): number {
    return this.names.size;
  }

  /**
   * From table columns, one entry per id: categorical cells become one-hot features
   * `column=value`, list cells (genres) multi-hot ones, banded numeric cells `column=[lo,hi)`.
   * Throws a ShapeError when a column's length differs from `ids`, a DataError for a repeated id,
   * a non-finite banded number, or a row left with no feature at all (naming the id).
   *
   * @example
   * const items = at.data.FeatureMatrix.fromColumns(table.ids, { genre: genresPerItem, price }, { bands: { price: [10, 50] } });
   */
  static fromColumns(
    ids: ArrayLike<Id>,
    columns: Record<string, ArrayLike<FeatureCell>>,
    options: FeatureColumnsOptions = {},
  ): FeatureMatrix {
    const n = ids.length;
    const bands = options.bands ?? {};
    for (const [name, col] of Object.entries(columns)) {
      if (col.length !== n)
        throw new ShapeError(`FeatureMatrix.fromColumns: column '${name}' has ${col.length} rows but ids has ${n}`);
    }
    for (const [name, edges] of Object.entries(bands)) {
      if (!(name in columns))
        throw new ValueError(
          `FeatureMatrix.fromColumns: bands name column '${name}', which is not among the columns ${fmtValue(Object.keys(columns))}`,
        );
      for (let j = 0; j < edges.length; j++)
        if (!Number.isFinite(edges[j]) || (j > 0 && !(edges[j]! > edges[j - 1]!)))
          throw new ValueError(
            `FeatureMatrix.fromColumns: the band edges of '${name}' must be finite and ascending; got ${fmtValue(edges)}`,
          );
    }
    const lists: string[][] = [];
    for (let r = 0; r < n; r++) {
      const row: string[] = [];
      for (const [name, col] of Object.entries(columns)) {
        const cell = col[r];
        const edges = bands[name];
        if (edges) {
          if (cell === null || cell === undefined || cell === '') continue;
          if (typeof cell !== 'number' || !Number.isFinite(cell))
            throw new DataError(
              `FeatureMatrix.fromColumns: column '${name}' is banded, so row ${r} (id ${fmtValue(ids[r])}) needs a finite number; got ${fmtValue(cell)}`,
            );
          row.push(bandName(name, edges, cell));
        } else if (Array.isArray(cell)) {
          for (const v of cell as readonly (string | number)[]) row.push(`${name}=${v}`);
        } else if (cell !== null && cell !== undefined && cell !== '') {
          row.push(`${name}=${cell as string | number | boolean}`);
        }
      }
      lists.push(row);
    }
    return FeatureMatrix.fromLists(ids, lists, options);
  }

  /**
   * From a list of feature names per id (or a `{name: weight}` object per id). Throws a
   * ShapeError when `lists` and `ids` differ in length, and a DataError for a repeated id, a
   * non-finite or negative weight, or a row with no feature (naming the id).
   */
  static fromLists(
    ids: ArrayLike<Id>,
    lists: ArrayLike<readonly string[] | Readonly<Record<string, number>>>,
    options: Omit<FeatureColumnsOptions, 'bands'> = {},
  ): FeatureMatrix {
    if (lists.length !== ids.length)
      throw new ShapeError(`FeatureMatrix.fromLists: lists has ${lists.length} rows but ids has ${ids.length}`);
    const identity = options.identity ?? true;
    const rowIds = new IdMap();
    const names = new IdMap();
    const offsets = new Int32Array(ids.length + 1);
    const cols: number[] = [];
    const vals: number[] = [];
    const identityOf = new Int32Array(ids.length).fill(-1);
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r]!;
      if (rowIds.has(id))
        throw new DataError(`FeatureMatrix: id ${fmtValue(id)} has two rows (rows ${rowIds.index(id)} and ${r})`);
      rowIds.add(id);
      const row = new Map<number, number>();
      if (identity) {
        const f = names.add(`id=${id}`);
        identityOf[r] = f;
        row.set(f, 1);
      }
      for (const [name, w] of entries(lists[r]!)) {
        if (!Number.isFinite(w) || w < 0)
          throw new DataError(
            `FeatureMatrix: feature '${name}' of id ${fmtValue(id)} has weight ${fmtValue(w)}; weights must be finite and >= 0`,
          );
        const f = names.add(name);
        row.set(f, (row.get(f) ?? 0) + w);
      }
      if (row.size === 0)
        throw new DataError(
          `FeatureMatrix: id ${fmtValue(id)} (row ${r}) has no feature; a hybrid model could give it no representation (give it a feature, or keep identity: true)`,
        );
      const total = options.normalize === false ? 1 : [...row.values()].reduce((a, b) => a + b, 0);
      if (!(total > 0)) throw new DataError(`FeatureMatrix: the feature weights of id ${fmtValue(id)} sum to 0`);
      for (const [f, w] of [...row].sort((a, b) => a[0] - b[0])) {
        cols.push(f);
        vals.push(w / total);
      }
      offsets[r + 1] = cols.length;
    }
    return new FeatureMatrix(
      rowIds,
      names,
      offsets,
      Int32Array.from(cols),
      Float32Array.from(vals),
      identityOf,
      options.normalize !== false,
    );
  }

  /**
   * Encodes one new row (a user or item outside this matrix) against these feature names,
   * normalized as the matrix was. Throws a ValueError naming a feature the matrix does not know,
   * and a DataError for an empty row (see encodeFeatureRow).
   */
  encode(
    features: readonly string[] | Readonly<Record<string, number>>,
    op = 'FeatureMatrix.encode',
  ): { cols: Int32Array; values: Float32Array } {
    return encodeFeatureRow(this.names, this.normalized, features, op);
  }
}

/**
 * Encodes one feature row (a list of names, or `{name: weight}`) against a vocabulary of feature
 * names: sorted column indices and weights, scaled to sum to 1 when `normalized`. What
 * {@link FeatureMatrix.encode} does, for a model that kept only its feature names (a loaded
 * hybrid). Throws a ValueError naming a feature not in `names`, a DataError for a negative or
 * non-finite weight or an empty row.
 */
export function encodeFeatureRow(
  names: IdMap,
  normalized: boolean,
  features: readonly string[] | Readonly<Record<string, number>>,
  op: string,
): { cols: Int32Array; values: Float32Array } {
  const row = new Map<number, number>();
  for (const [name, w] of entries(features)) {
    if (!Number.isFinite(w) || w < 0)
      throw new DataError(`${op}: feature '${name}' has weight ${fmtValue(w)}; weights must be finite and >= 0`);
    if (!names.has(name)) {
      const known = Array.from({ length: Math.min(names.size, 6) }, (_, i) => names.id(i));
      throw new ValueError(
        `${op}: unknown feature '${name}'; the model knows ${names.size} features (such as ${fmtValue(known)})`,
      );
    }
    const f = names.index(name);
    row.set(f, (row.get(f) ?? 0) + w);
  }
  let total = 0;
  for (const w of row.values()) total += w;
  if (row.size === 0 || !(total > 0))
    throw new DataError(`${op}: the feature row is empty; give at least one known feature with a positive weight`);
  const sorted = [...row].sort((a, b) => a[0] - b[0]);
  const norm = normalized ? total : 1;
  return { cols: Int32Array.from(sorted, (e) => e[0]), values: Float32Array.from(sorted, (e) => e[1] / norm) };
}

function entries(x: readonly string[] | Readonly<Record<string, number>>): [string, number][] {
  if (Array.isArray(x)) return (x as readonly string[]).map((name) => [String(name), 1]);
  if (x === null || typeof x !== 'object')
    throw new DataError(
      `FeatureMatrix: a feature row must be a list of names or a {name: weight} object; got ${fmtValue(x)}`,
    );
  return Object.entries(x);
}

/** `name<e0`, `name=[e_j,e_j+1)` or `name>=e_last`. */
function bandName(name: string, edges: readonly number[], v: number): string {
  if (edges.length === 0 || v < edges[0]!) return `${name}<${edges[0] ?? Infinity}`;
  for (let j = 1; j < edges.length; j++) if (v < edges[j]!) return `${name}=[${edges[j - 1]},${edges[j]})`;
  return `${name}>=${edges[edges.length - 1]}`;
}
