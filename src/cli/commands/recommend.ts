import { Interactions } from '../../data/interactions.js';
import { BPR } from '../../models/bpr.js';
import { ImplicitALS } from '../../models/ials.js';
import { ItemKNN } from '../../models/itemknn.js';
import { MatrixFactorization } from '../../models/mf.js';
import { Popularity } from '../../models/popularity.js';
import type { Recommender } from '../../models/recommender.js';
import type { ReportInput } from '../../report/types.js';
import { COMMON_HELP, COMMON_OPTIONS, UsageError, choice, intOption, parseCommand, required } from '../args.js';
import { column, idColumn, numberColumn, readTable, writeRows } from '../files.js';
import { type CommandIO, commonSettings, standardIO, writeExtras } from './common.js';

export const RECOMMEND_HELP = `attune recommend — the top items for every user, learned from your interactions

usage: attune recommend --data FILE --user COL --item COL [--rating COL] [options]

  --data FILE          interactions: one row per (user, item), e.g. ratings, carts or purchases
  --user COL           the user id column
  --item COL           the item id column
  --rating COL         a rating column: with --min-rating, rows below it are dropped; --model mf fits the ratings
  --min-rating X       keep rows rated at least X (e.g. 4 of 5: "liked")
  --model NAME         bpr (default), ials, itemknn, popularity, or mf (explicit ratings, needs --rating)
  --k N                items per user; default 10
  --epochs N           training passes; default 20 (bpr), 10 (ials), 20 (mf)
  --factors N          latent factors; default 32
  --out FILE           default recs.csv: user, rank, item, score
${COMMON_HELP}
example:
  attune recommend --data u.data --delimiter tab --no-header --user 0 --item 1 --rating 2 --min-rating 4 --out recs.csv
`;

/** `attune recommend`: reads interactions, fits a recommender, writes the top k per user. */
export async function recommendCommand(
  argv: readonly string[],
  ioOverride?: CommandIO,
): Promise<Record<string, unknown>> {
  const cmd = 'recommend';
  const v = parseCommand(cmd, argv, {
    ...COMMON_OPTIONS,
    data: { type: 'string' },
    user: { type: 'string' },
    item: { type: 'string' },
    rating: { type: 'string' },
    'min-rating': { type: 'string' },
    model: { type: 'string' },
    k: { type: 'string' },
    epochs: { type: 'string' },
    factors: { type: 'string' },
  });
  const file = required(cmd, 'data', v.data);
  const userCol = required(cmd, 'user', v.user);
  const itemCol = required(cmd, 'item', v.item);
  const model = choice(cmd, 'model', v.model, ['bpr', 'ials', 'itemknn', 'popularity', 'mf'] as const, 'bpr');
  if (model === 'mf' && v.rating === undefined)
    throw new UsageError(`${cmd}: --model mf fits ratings; give --rating COL`);
  if (v['min-rating'] !== undefined && v.rating === undefined)
    throw new UsageError(`${cmd}: --min-rating needs --rating COL`);
  const minRating = v['min-rating'] === undefined ? undefined : Number(v['min-rating']);
  if (minRating !== undefined && !Number.isFinite(minRating))
    throw new UsageError(`${cmd}: --min-rating must be a number; got "${v['min-rating']}"`);
  const k = intOption(cmd, 'k', v.k, 10, 1, 1000);
  const factors = intOption(cmd, 'factors', v.factors, 32, 1, 1024);
  const epochs = intOption(cmd, 'epochs', v.epochs, model === 'ials' ? 10 : 20, 1, 10_000);
  const s = await commonSettings(cmd, v);
  const io = ioOverride ?? standardIO(s);
  const out = s.out ?? 'recs.csv';

  const t0 = performance.now();
  const table = await readTable(file, s.delimiter, s.header);
  const users = idColumn(table, file, column(table, file, userCol, 'user'));
  const items = idColumn(table, file, column(table, file, itemCol, 'item'));
  const ratings =
    v.rating === undefined ? undefined : numberColumn(table, file, column(table, file, v.rating, 'rating'));
  const keep: number[] = [];
  for (let r = 0; r < users.length; r++) if (minRating === undefined || ratings![r]! >= minRating) keep.push(r);
  if (keep.length === 0) throw new UsageError(`${file}: no row has a rating of at least ${minRating}`);
  const explicit = model === 'mf';
  const data = Interactions.fromArrays(
    {
      users: keep.map((r) => users[r]!),
      items: keep.map((r) => items[r]!),
      ...(explicit ? { values: keep.map((r) => ratings![r]!) } : {}),
    },
    // A pair seen twice: an explicit rating keeps the latest row, implicit data counts both.
    { duplicates: explicit ? 'last' : 'sum', describeRow: (r) => `${file}, line ${table.lines[keep[r]!]}` },
  );
  io.log(
    `${file}: ${table.rowCount.toLocaleString('en-US')} rows; ${data.length.toLocaleString('en-US')} interactions of ${data.numUsers.toLocaleString('en-US')} users and ${data.numItems.toLocaleString('en-US')} items${minRating === undefined ? '' : ` (rated ≥ ${minRating})`}`,
  );

  const rec = build(model, { factors, epochs, seed: s.seed, backend: s.backend });
  const bar = io.progress(`fitting ${model}`);
  const losses: { epoch: number; loss: number }[] = [];
  const tFit = performance.now();
  await rec.fit(data, {
    onProgress: (p) => bar.update(p.fraction, `epoch ${p.epoch}/${p.epochs}`),
    onEpoch: (e) => {
      if (Number.isFinite(e.loss)) losses.push({ epoch: e.epoch, loss: e.loss });
      bar.update(e.epoch / epochs, `epoch ${e.epoch}/${epochs}`);
    },
  });
  bar.done(losses.length ? `loss ${losses[losses.length - 1]!.loss.toFixed(4)}` : '');
  const fitSeconds = (performance.now() - tFit) / 1000;

  const userIdx = Int32Array.from({ length: data.numUsers }, (_, u) => u);
  const top = await rec.topKIndices(userIdx, { k });
  const rows: (string | number)[][] = [];
  top.forEach((t, u) => {
    t.items.forEach((item, j) => {
      rows.push([String(data.userIds.id(u)), j + 1, String(data.itemIds.id(item)), t.scores[j]!]);
    });
  });
  await writeRows(out, ['user', 'rank', 'item', 'score'], rows);
  io.log(
    `${out}: top ${k} items for ${top.length.toLocaleString('en-US')} users (${model}, fitted in ${fitSeconds.toFixed(1)} s)`,
  );
  for (const r of rows.slice(0, 3)) io.log(`  user ${r[0]}  #${r[1]}  item ${r[2]}  score ${Number(r[3]).toFixed(3)}`);

  const itemInteractions = new Float64Array(data.numItems);
  for (const i of data.items) itemInteractions[i]!++;
  const charts: ReportInput = {
    title: `Recommendations from ${file}`,
    summary: [
      `${data.length.toLocaleString('en-US')} interactions, ${data.numUsers} users, ${data.numItems} items; ${model}, top ${k}.`,
    ],
    recommendations: { k, itemInteractions, models: [{ model, lists: top.map((t) => t.items) }] },
    ...(losses.length ? { training: [{ model, epochs: losses }] } : {}),
  };
  const written = await writeExtras(s, charts, rec, io);
  return {
    command: cmd,
    backend: s.backend,
    model,
    users: data.numUsers,
    items: data.numItems,
    interactions: data.length,
    k,
    out,
    fitSeconds,
    seconds: (performance.now() - t0) / 1000,
    ...written,
  };
}

function build(
  model: 'bpr' | 'ials' | 'itemknn' | 'popularity' | 'mf',
  o: { factors: number; epochs: number; seed: number; backend: 'cpu' | 'webgpu' },
): Recommender {
  switch (model) {
    case 'bpr':
      return new BPR({ factors: o.factors, epochs: o.epochs, seed: o.seed, backend: o.backend });
    case 'ials':
      return new ImplicitALS({ factors: o.factors, epochs: o.epochs, seed: o.seed });
    case 'itemknn':
      return new ItemKNN({});
    case 'popularity':
      return new Popularity();
    case 'mf':
      return new MatrixFactorization({ factors: o.factors, epochs: o.epochs, seed: o.seed, backend: o.backend });
  }
}
