import { DataError, ValueError, fmtValue } from '../core/errors.js';
import type { Rng } from '../core/random.js';
import { FeatureMatrix } from '../data/features.js';
import type { Id } from '../data/idmap.js';
import { IdMap } from '../data/idmap.js';
import type { RawTensor } from '../io/safetensors.js';
import { checkCsr } from '../io/models.js';
import type { Csr, FeatureTables } from './hybrid-train.js';
import type { ArraySpec } from './recommender-io.js';
import type { StateArray, VocabularyJSON } from './recommender-state.js';

// The feature side of a HybridRecommender as it is saved and grown: the rows' features (CSR),
// the features' embeddings, biases and Adagrad accumulators, and the feature names, so a loaded
// model still serves users from features (recommendForFeatures) and continues training
// (partialFit) exactly as the fitted one would.

/** The feature names of one side, when it was fitted with a FeatureMatrix (else each row is its own feature). */
export interface Vocabulary {
  names: IdMap;
  normalized: boolean;
}

/** One side (users or items) of a hybrid model. */
export interface HybridSide {
  vocab: Vocabulary | undefined;
  csr: Csr;
  t: FeatureTables;
}

export function vocabularyJSON(side: HybridSide | undefined): VocabularyJSON | null {
  return side?.vocab ? { names: side.vocab.names.toJSON().ids, normalized: side.vocab.normalized } : null;
}

/** The arrays of one side, named `<prefix>.rows.*` and `<prefix>.*`. */
export function sideArrays(prefix: string, side: HybridSide | undefined, k: number): Record<string, StateArray> {
  if (!side) return {};
  const F = side.t.bias.length;
  return {
    [`${prefix}.rows.offsets`]: { data: side.csr.offsets, shape: [side.csr.offsets.length] },
    [`${prefix}.rows.cols`]: { data: side.csr.cols, shape: [side.csr.cols.length] },
    [`${prefix}.rows.values`]: { data: side.csr.values, shape: [side.csr.values.length] },
    [`${prefix}.emb`]: { data: side.t.emb, shape: [F, k] },
    [`${prefix}.bias`]: { data: side.t.bias, shape: [F] },
    [`${prefix}.embAcc`]: { data: side.t.embAcc, shape: [F, k] },
    [`${prefix}.biasAcc`]: { data: side.t.biasAcc, shape: [F] },
  };
}

/**
 * What a file's side arrays must look like, for `rows` catalog rows and k factors: the feature
 * count F and entry count come from the file's own `emb` and `rows.cols`, and every other array
 * must agree with them. Files written before the sides were saved have none (no entries).
 */
export function sideSpec(prefix: string, rows: number, k: number, tensors: Record<string, RawTensor>): ArraySpec {
  const emb = tensors[`${prefix}.emb`];
  if (!emb) return {};
  const F = emb.shape[0] ?? 0;
  const nnz = tensors[`${prefix}.rows.cols`]?.shape[0] ?? 0;
  return {
    [`${prefix}.rows.offsets`]: { dtype: 'int32', shape: [rows + 1] },
    [`${prefix}.rows.cols`]: { dtype: 'int32', shape: [nnz] },
    [`${prefix}.rows.values`]: { dtype: 'float32', shape: [nnz] },
    [`${prefix}.emb`]: { dtype: 'float32', shape: [F, k] },
    [`${prefix}.bias`]: { dtype: 'float32', shape: [F] },
    [`${prefix}.embAcc`]: { dtype: 'float32', shape: [F, k] },
    [`${prefix}.biasAcc`]: { dtype: 'float32', shape: [F] },
  };
}

/**
 * One side from saved arrays and JSON, checked: the CSR must index F features, weights must be
 * finite and non-negative, and a vocabulary must name exactly F distinct features. Undefined
 * when the file has no side arrays (an older file: the model then only scores).
 */
export function restoreSide(
  op: string,
  prefix: string,
  arrays: Record<string, StateArray>,
  json: VocabularyJSON | null | undefined,
  rows: number,
): HybridSide | undefined {
  const get = (name: string) => arrays[`${prefix}.${name}`]?.data;
  const emb = get('emb') as Float32Array | undefined;
  if (!emb) {
    if (json) throw new DataError(`${op}: the config names ${prefix} features but the file has no '${prefix}.emb'`);
    return undefined;
  }
  const bias = get('bias') as Float32Array;
  const F = bias.length;
  const csr = {
    offsets: get('rows.offsets') as Int32Array,
    cols: get('rows.cols') as Int32Array,
    values: get('rows.values') as Float32Array,
  };
  checkCsr(op, `${prefix}.rows`, csr.offsets, rows, csr.cols, F);
  const bad = csr.values.findIndex((v) => !(v >= 0 && Number.isFinite(v)));
  if (bad >= 0) throw new DataError(`${op}: '${prefix}.rows.values' entry ${bad} is ${csr.values[bad]}`);
  let vocab: Vocabulary | undefined;
  if (json) {
    if (!Array.isArray(json.names) || json.names.length !== F || typeof json.normalized !== 'boolean')
      throw new DataError(
        `${op}: the ${prefix} feature names must be ${F} names (one per row of '${prefix}.emb') with a boolean 'normalized'; got ${fmtValue(json)}`,
      );
    try {
      vocab = { names: IdMap.fromJSON({ ids: json.names }), normalized: json.normalized };
    } catch (e) {
      throw new DataError(`${op}: the ${prefix} feature names: ${(e as Error).message}`);
    }
  }
  const t = { emb, bias, embAcc: get('embAcc') as Float32Array, biasAcc: get('biasAcc') as Float32Array };
  return { vocab, csr, t };
}

/**
 * Appends catalog rows `from..catalog.size-1` (new users or items; `active` when they have
 * interactions) to a side. An id-only side gives each its own new feature. A side with a vocabulary takes the
 * id's row of `features` when given (feature names it has not seen become new features; the
 * row's weights as that matrix made them), else the id's identity feature `id=<id>` alone.
 * New features start as `initTables` starts them. Rows that are not active leave their identity
 * feature out and must use known names. Returns a new side; `side` is not changed.
 */
export function growSide(
  side: HybridSide,
  catalog: IdMap,
  from: number,
  features: FeatureMatrix | undefined,
  k: number,
  rng: Rng,
  op: string,
  active = true,
): HybridSide {
  const names = side.vocab?.names.clone();
  let F = side.t.bias.length;
  const offsets = [...side.csr.offsets];
  const cols = [...side.csr.cols];
  const values = [...side.csr.values];
  for (let r = from; r < catalog.size; r++) {
    const id = catalog.id(r);
    if (!names) {
      cols.push(F++);
      values.push(1);
    } else if (features?.ids.has(id)) {
      const src = features.ids.index(id);
      // A row without interactions leaves its identity out and may only use known names (see rowsFor).
      const drop = active ? -1 : features.identityOf[src]!;
      const start = cols.length;
      let total = 0;
      for (let j = features.offsets[src]!; j < features.offsets[src + 1]!; j++) {
        if (features.cols[j] === drop) continue;
        const name = features.names.id(features.cols[j]!);
        if (!active && !names.has(name))
          throw new ValueError(`${op}: item ${fmtValue(id)} has feature '${name}', which the model does not know`);
        cols.push(names.add(name));
        values.push(features.values[j]!);
        total += features.values[j]!;
      }
      if (cols.length === start)
        throw new DataError(
          `${op}: ${fmtValue(id)} has no feature besides its id, so nothing places it before it has interactions`,
        );
      if (drop >= 0 && features.normalized && total > 0)
        for (let j = start; j < values.length; j++) values[j]! /= total;
    } else if (features) {
      throw new DataError(`${op}: the new id ${fmtValue(id)} has no row in the feature matrix passed for its side`);
    } else {
      cols.push(names.add(`id=${id}`));
      values.push(1);
    }
    if (names) F = names.size;
    offsets.push(cols.length);
  }
  const grow = (a: Float32Array, n: number, fill: (j: number) => number) => {
    const out = new Float32Array(n);
    out.set(a);
    for (let j = a.length; j < n; j++) out[j] = fill(j);
    return out;
  };
  const t = {
    emb: grow(side.t.emb, F * k, () => (rng.float() - 0.5) / k),
    bias: grow(side.t.bias, F, () => 0),
    embAcc: grow(side.t.embAcc, F * k, () => 1),
    biasAcc: grow(side.t.biasAcc, F, () => 1),
  };
  const csr = { offsets: Int32Array.from(offsets), cols: Int32Array.from(cols), values: Float32Array.from(values) };
  return { vocab: names && side.vocab ? { names, normalized: side.vocab.normalized } : undefined, csr, t };
}

/**
 * The feature rows of a catalog in its index order. Without a feature matrix each row is its
 * own feature. A row with no training interaction drops its identity feature (renormalized).
 */
export function rowsFor(
  catalog: IdMap,
  features: FeatureMatrix | undefined,
  active: (r: number) => boolean,
): { csr: Csr; features: number } {
  const n = catalog.size;
  if (!features) {
    const offsets = Int32Array.from({ length: n + 1 }, (_, r) => r);
    return { csr: { offsets, cols: offsets.slice(0, n), values: new Float32Array(n).fill(1) }, features: n };
  }
  const offsets = new Int32Array(n + 1);
  const cols: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < n; r++) {
    const src = features.ids.index(catalog.id(r));
    const drop = active(r) ? -1 : features.identityOf[src]!;
    let total = 0;
    const start = cols.length;
    for (let j = features.offsets[src]!; j < features.offsets[src + 1]!; j++) {
      if (features.cols[j] === drop) continue;
      cols.push(features.cols[j]!);
      values.push(features.values[j]!);
      total += features.values[j]!;
    }
    if (drop >= 0 && features.normalized && total > 0) for (let j = start; j < values.length; j++) values[j]! /= total;
    offsets[r + 1] = cols.length;
  }
  return {
    csr: { offsets, cols: Int32Array.from(cols), values: Float32Array.from(values) },
    features: features.numFeatures,
  };
}

/**
 * The catalog of one side: the interaction ids `ids` (in their order, so index r of the
 * interactions is row r of the side), then the feature rows' other ids (cold rows). Every id of
 * `ids` needs a feature row: a DataError lists those without.
 */
export function catalogOf(op: string, side: 'user' | 'item', ids: IdMap, features: FeatureMatrix | undefined): IdMap {
  const out = ids.clone();
  if (!features) return out;
  const missing: Id[] = [];
  for (let r = 0; r < ids.size; r++) if (!features.ids.has(ids.id(r))) missing.push(ids.id(r));
  if (missing.length > 0)
    throw new DataError(
      `${op}: ${side}Features has no row for ${missing.length} of the ${ids.size} ${side}s in the interactions: ${fmtValue(missing)}; it has ${features.numRows} rows`,
    );
  for (const id of features.ids.ids()) out.add(id);
  return out;
}

/** Throws a DataError when `itemFeatures` or `userFeatures` is given and is not a FeatureMatrix. */
export function checkFeatureOptions(
  op: string,
  options: { itemFeatures?: FeatureMatrix | undefined; userFeatures?: FeatureMatrix | undefined },
): void {
  for (const name of ['itemFeatures', 'userFeatures'] as const) {
    const f = options[name];
    if (f !== undefined && !(f instanceof FeatureMatrix))
      throw new DataError(
        `${op}: ${name} must be an at.data.FeatureMatrix (FeatureMatrix.fromColumns or fromLists); got ${fmtValue(f)}`,
      );
  }
}

/** The feature names of a side fitted with `f` (none without: each row is its own feature). */
export function vocabOf(f: FeatureMatrix | undefined): Vocabulary | undefined {
  return f ? { names: f.names, normalized: f.normalized } : undefined;
}
