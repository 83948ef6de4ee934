import { quintileScores, rfmSegmentName, type RfmTable } from '../data/rfm.js';
import { ShapeError, ValueError, fmtValue } from '../core/errors.js';

/** One segment of {@link segmentProfiles}. */
export interface SegmentProfile {
  /** The cluster label as given. */
  segment: number;
  /** A readable name: the RFM segment of the members' mean R and F scores, or `segment <id>`. */
  name: string;
  size: number;
  /** size / all rows. */
  share: number;
  /** Per-feature mean and median over the segment's members. */
  mean: Record<string, number>;
  median: Record<string, number>;
}

/** Options of {@link segmentProfiles}. */
export interface SegmentProfileOptions {
  /** Custom naming; receives the profile with `name` still unset (''). */
  name?: (profile: SegmentProfile) => string;
}

function median(xs: number[]): number {
  xs.sort((a, b) => a - b);
  const h = xs.length >> 1;
  return xs.length % 2 ? xs[h]! : (xs[h - 1]! + xs[h]!) / 2;
}

/**
 * Describes clusters: per segment its size, share, and the mean and median of each feature,
 * with a readable name. `features` is named columns (any numbers), or an {@link RfmTable}
 * (then recency, frequency, monetary and the three scores are profiled). When the features hold
 * `recency` and `frequency`, each segment is named after the classic RFM segment of its members'
 * mean R and F quintile scores ("champions", "at risk", "hibernating", ...; see
 * {@link rfmSegmentName}); two segments with the same name get " (2)", " (3)" appended.
 * Profiles come sorted by segment label.
 */
export function segmentProfiles(
  features: Readonly<Record<string, ArrayLike<number>>> | RfmTable,
  labels: ArrayLike<number>,
  options: SegmentProfileOptions = {},
): SegmentProfile[] {
  const op = 'segmentProfiles';
  const cols: Record<string, ArrayLike<number>> = isRfm(features)
    ? {
        recency: features.recency,
        frequency: features.frequency,
        monetary: features.monetary,
        rScore: features.rScore,
        fScore: features.fScore,
        mScore: features.mScore,
      }
    : { ...features };
  const n = labels.length;
  if (n === 0) throw new ValueError(`${op}: labels is empty`);
  const names = Object.keys(cols);
  for (const name of names) {
    const col = cols[name]!;
    if (col.length !== n)
      throw new ShapeError(`${op}: feature ${fmtValue(name)} has ${col.length} rows but labels has ${n}`);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(col[i]!))
        throw new ValueError(`${op}: feature ${fmtValue(name)}[${i}] must be a finite number; got ${fmtValue(col[i])}`);
    }
  }
  let r = cols.rScore;
  let f = cols.fScore;
  if ((!r || !f) && cols.recency && cols.frequency) {
    r = quintileScores(cols.recency, true);
    f = quintileScores(cols.frequency, false);
  }
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (!Number.isInteger(l)) throw new ValueError(`${op}: labels[${i}] must be an integer; got ${fmtValue(l)}`);
    let list = members.get(l);
    if (!list) members.set(l, (list = []));
    list.push(i);
  }
  const out: SegmentProfile[] = [];
  for (const seg of [...members.keys()].sort((a, b) => a - b)) {
    const rows = members.get(seg)!;
    const mean: Record<string, number> = {};
    const med: Record<string, number> = {};
    for (const name of names) {
      const col = cols[name]!;
      const vals = rows.map((i) => col[i]!);
      mean[name] = vals.reduce((s, v) => s + v, 0) / vals.length;
      med[name] = median(vals);
    }
    const p: SegmentProfile = { segment: seg, name: '', size: rows.length, share: rows.length / n, mean, median: med };
    if (options.name) p.name = options.name(p);
    else if (r && f) {
      const mr = rows.reduce((s, i) => s + r![i]!, 0) / rows.length;
      const mf = rows.reduce((s, i) => s + f![i]!, 0) / rows.length;
      p.name = rfmSegmentName(mr, mf);
    } else p.name = `segment ${seg}`;
    out.push(p);
  }
  const seen = new Map<string, number>();
  for (const p of out) {
    const c = (seen.get(p.name) ?? 0) + 1;
    seen.set(p.name, c);
    if (c > 1) p.name = `${p.name} (${c})`;
  }
  return out;
}

function isRfm(x: unknown): x is RfmTable {
  return typeof x === 'object' && x !== null && 'rfmScore' in x && 'matrix' in x;
}
