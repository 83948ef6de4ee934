import { DataError, ShapeError, ValueError, fmtValue } from '../core/errors.js';
import { IdMap, type Id } from '../data/idmap.js';
import type { Interactions } from '../data/interactions.js';
import { type ParquetSource, readParquet } from '../data/parquet.js';
import { FactorModel } from './factor-model.js';
import { factorSpec, registerRecommender } from './recommender-io.js';

/** One side of an ALS model: Spark's Parquet output (`id`, `features`), or the table itself. */
export type FactorTableSource = ParquetSource | { ids: readonly Id[]; factors: Float32Array | readonly number[][] };

export interface ImportFactorsOptions {
  /** The user factors: Spark's `model.userFactors` written as Parquet, or `{ids, factors}`. */
  userFactors: FactorTableSource;
  /** The item factors, likewise. */
  itemFactors: FactorTableSource;
  /**
   * When Spark trained on dense indices (`exportInteractions(data, {ids: 'index'})`), the maps
   * from those indices back to the original ids (`data.userIds`, `data.itemIds`).
   */
  userIds?: IdMap;
  itemIds?: IdMap;
  /** Training interactions (with the same ids), so `recommend` can leave out seen items; optional. */
  seen?: Interactions;
}

/**
 * A factor model trained elsewhere (Spark MLlib ALS, implicit, or any p_u·q_i model): it scores
 * p_u·q_i and serves `predict`, `recommend`, `similarItems`, `at.save`/`at.load` and
 * `at.onnx.export` like a fitted attune model. Build it with {@link importFactors}; `fit`
 * is refused (the training happened elsewhere).
 */
export class ImportedFactors extends FactorModel {
  readonly kind = 'ImportedFactors';

  config(): Record<string, unknown> {
    return {};
  }

  protected train(): Promise<void> {
    return Promise.reject(
      new ValueError('ImportedFactors.fit: imported factors are trained elsewhere; import new ones with importFactors'),
    );
  }

  /** @internal Installs the tables and id maps (importFactors checks them first). */
  install(users: IdMap, items: IdMap, k: number, P: Float32Array, Q: Float32Array, seen?: Interactions): this {
    const U = users.size;
    const I = items.size;
    this.userMap = users;
    this.itemMap = items;
    this.mean = 0;
    this.setTables(k, P, Q, new Float32Array(U), new Float32Array(I));
    this.seenOffsets = new Int32Array(U + 1);
    this.seenItems = new Int32Array(0);
    this.itemCounts = new Float32Array(I);
    if (seen) {
      // Seen pairs by id: rows whose user or item the factors lack are skipped (nothing to exclude).
      const lists: number[][] = Array.from({ length: U }, () => []);
      for (let r = 0; r < seen.length; r++) {
        const u = users.get(seen.userIds.id(seen.users[r]!));
        const i = items.get(seen.itemIds.id(seen.items[r]!));
        if (u === undefined || i === undefined) continue;
        lists[u]!.push(i);
        this.itemCounts[i]!++;
      }
      const flat: number[] = [];
      lists.forEach((l, u) => {
        for (const i of [...new Set(l)].sort((a, b) => a - b)) flat.push(i);
        this.seenOffsets[u + 1] = flat.length;
      });
      this.seenItems = Int32Array.from(flat);
    }
    return this;
  }
}

/**
 * Reads an ALS model trained elsewhere into a recommender. For Spark MLlib ALS:
 * `model.userFactors.write.parquet("users")` and `model.itemFactors.write.parquet("items")`
 * write Parquet with `id` (int) and `features` (array<float>); pass a part file of each (or its
 * bytes). A missing or mistyped column, features of different lengths, a user and item rank
 * that disagree, or a repeated id is a DataError/ShapeError naming it.
 *
 * @example
 * const rec = await at.models.importFactors({ userFactors: 'users.parquet', itemFactors: 'items.parquet' });
 * await rec.recommend(42, { k: 10 });
 * const onnx = await at.onnx.export(rec, { topK: 10 });
 */
export async function importFactors(options: ImportFactorsOptions): Promise<ImportedFactors> {
  const op = 'importFactors';
  if (options === null || typeof options !== 'object')
    throw new ValueError(`${op}: options must be {userFactors, itemFactors}; got ${fmtValue(options)}`);
  const users = await readTable(op, 'userFactors', options.userFactors, options.userIds);
  const items = await readTable(op, 'itemFactors', options.itemFactors, options.itemIds);
  if (users.k !== items.k)
    throw new ShapeError(
      `${op}: userFactors have rank ${users.k} but itemFactors have rank ${items.k}; both must come from one ALS model`,
    );
  return new ImportedFactors().install(users.map, items.map, users.k, users.factors, items.factors, options.seen);
}

async function readTable(
  op: string,
  side: string,
  source: FactorTableSource,
  indexMap: IdMap | undefined,
): Promise<{ map: IdMap; factors: Float32Array; k: number }> {
  let ids: readonly Id[];
  let factors: Float32Array;
  let k: number;
  if (source !== null && typeof source === 'object' && 'ids' in source && 'factors' in source) {
    ids = source.ids;
    if (source.factors instanceof Float32Array) {
      factors = source.factors;
      k = ids.length ? factors.length / ids.length : 0;
      if (!Number.isInteger(k))
        throw new ShapeError(`${op}: ${side}.factors has ${factors.length} values for ${ids.length} ids`);
    } else {
      const rows = source.factors;
      if (rows.length !== ids.length)
        throw new ShapeError(`${op}: ${side} has ${ids.length} ids but ${rows.length} factor rows`);
      k = rows[0]?.length ?? 0;
      factors = new Float32Array(rows.length * k);
      rows.forEach((r, i) => {
        if (r.length !== k) throw new ShapeError(`${op}: ${side} row ${i} has ${r.length} factors; row 0 has ${k}`);
        factors.set(r, i * k);
      });
    }
  } else {
    const t = await readParquet(source as ParquetSource, { columns: { id: 'id', features: 'vector' } });
    ids = t.columns.id;
    factors = t.columns.features.values;
    k = t.columns.features.dim;
  }
  if (ids.length === 0) throw new DataError(`${op}: ${side} holds no rows`);
  for (let j = 0; j < factors.length; j++)
    if (!Number.isFinite(factors[j]!))
      throw new DataError(`${op}: ${side} holds a non-finite factor (${factors[j]}) in row ${Math.floor(j / k)}`);
  const map = new IdMap();
  ids.forEach((id, r) => {
    const external = indexMap ? mapIndex(op, side, indexMap, id) : id;
    if (map.has(external)) throw new DataError(`${op}: ${side} repeats id ${fmtValue(external)} (row ${r})`);
    map.add(external);
  });
  return { map, factors, k };
}

function mapIndex(op: string, side: string, map: IdMap, id: Id): Id {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= map.size)
    throw new DataError(`${op}: ${side} id ${fmtValue(id)} is not an index of the given id map (size ${map.size})`);
  return map.id(id);
}

registerRecommender('ImportedFactors', ImportedFactors, () => new ImportedFactors(), factorSpec);
