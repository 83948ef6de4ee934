import { DataError, ValueError, fmtValue } from '../core/errors.js';
import type { Interactions } from './interactions.js';
import type { DuplicatePolicy } from './interactions-types.js';
import { parseInteractionsCsv, readInteractionsCsv, type InteractionsCsvOptions } from './interactions-csv.js';
import { isDirectory, textChunks } from './source.js';

/**
 * The three MovieLens rating layouts:
 * - `'u.data'`: ML-100k, `user<TAB>item<TAB>rating<TAB>unix_ts`, no header (also `u1.base` etc.);
 * - `'ratings.dat'`: ML-1M/10M, `user::item::rating::unix_ts`, no header;
 * - `'ratings.csv'`: ML-latest/20M/25M, header `userId,movieId,rating,timestamp`.
 */
export type MovieLensFormat = 'u.data' | 'ratings.dat' | 'ratings.csv';

/** Options for {@link loadMovieLens} and {@link parseMovieLens}. */
export interface MovieLensOptions {
  /** Layout; by default detected from the first line (see {@link detectMovieLensFormat}). */
  format?: MovieLensFormat;
  /** See {@link DuplicatePolicy}; default `'error'` (official MovieLens files have none). */
  duplicates?: DuplicatePolicy;
}

/** File names tried, in order, when {@link loadMovieLens} is given a folder. */
export const MOVIELENS_FILES = ['u.data', 'ratings.dat', 'ratings.csv'] as const;

/**
 * Tells the layout from the first line of a file: `::` means ratings.dat, a tab means u.data,
 * a comma means ratings.csv. Content decides rather than the file name, because renamed and
 * partial copies are common. Throws a DataError when the line fits none.
 */
export function detectMovieLensFormat(firstLine: string): MovieLensFormat {
  if (firstLine.includes('::')) return 'ratings.dat';
  if (firstLine.includes('\t')) return 'u.data';
  if (firstLine.includes(',')) return 'ratings.csv';
  throw new DataError(
    `detectMovieLensFormat: cannot tell the MovieLens layout from the first line ${JSON.stringify(firstLine.slice(0, 80))}; pass options.format`,
  );
}

function csvOptions(format: MovieLensFormat, duplicates: DuplicatePolicy | undefined): InteractionsCsvOptions {
  const base = { ids: 'number' as const, duplicates };
  switch (format) {
    case 'u.data':
      return { ...base, delimiter: '\t', quote: false, header: false, user: 0, item: 1, value: 2, time: 3 };
    case 'ratings.dat':
      return { ...base, delimiter: '::', quote: false, header: false, user: 0, item: 1, value: 2, time: 3 };
    case 'ratings.csv':
      return { ...base, header: true, user: 'userId', item: 'movieId', value: 'rating', time: 'timestamp' };
    default:
      throw new ValueError(
        `MovieLens: options.format must be one of ${JSON.stringify(MOVIELENS_FILES)}; got ${fmtValue(format)}`,
      );
  }
}

/**
 * Parses MovieLens ratings held in memory. User and item ids are numbers, values are the
 * ratings, times are unix seconds.
 */
export function parseMovieLens(text: string, options: MovieLensOptions = {}): Interactions {
  const format = options.format ?? detectMovieLensFormat(firstLine(text));
  return parseInteractionsCsv(text, csvOptions(format, options.duplicates));
}

/**
 * Loads MovieLens ratings from a file, or from a folder holding one of {@link MOVIELENS_FILES}
 * (Node only). The layout is detected from the content unless `options.format` is given.
 *
 * @example
 * const ml = await loadMovieLens('datasets/movielens-100k/u.data'); // 100000 rows, 943 users, 1682 items
 */
export async function loadMovieLens(path: string | URL, options: MovieLensOptions = {}): Promise<Interactions> {
  let file: string | URL = path;
  if (await isDirectory(path)) {
    const fs = await import('node:fs/promises');
    const names = await fs.readdir(path);
    const found = MOVIELENS_FILES.find((n) => names.includes(n));
    if (!found)
      throw new DataError(`loadMovieLens: ${String(path)} is a folder without any of ${MOVIELENS_FILES.join(', ')}`);
    file = new URL(found, await pathToDirUrl(path));
  }
  const chunks = textChunks(file, 'loadMovieLens');
  try {
    const first = await chunks.next();
    const head = first.done ? '' : first.value;
    if (head.trim() === '') throw new DataError(`loadMovieLens: ${String(file)} is empty`);
    const format = options.format ?? detectMovieLensFormat(firstLine(head));
    async function* all(): AsyncGenerator<string> {
      yield head;
      yield* chunks;
    }
    return await readInteractionsCsv(all(), csvOptions(format, options.duplicates));
  } finally {
    // Closes the file when anything above throws before reading to the end (fuzzing found the leak).
    await chunks.return(undefined);
  }
}

function firstLine(text: string): string {
  const trimmed = text.replace(/^\uFEFF?\s*/, '');
  const end = trimmed.search(/\r?\n/);
  return end < 0 ? trimmed : trimmed.slice(0, end);
}

async function pathToDirUrl(path: string | URL): Promise<URL> {
  if (path instanceof URL) return path.href.endsWith('/') ? path : new URL(`${path.href}/`);
  const { pathToFileURL } = await import('node:url');
  return pathToFileURL(path.endsWith('/') ? path : `${path}/`);
}
