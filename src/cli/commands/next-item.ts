import { NextItemModel } from '../../models/sequence/next-item.js';
import { COMMON_HELP, COMMON_OPTIONS, choice, intOption, parseCommand, required } from '../args.js';
import { column, idColumn, numberColumn, readTable, writeRows } from '../files.js';
import { type CommandIO, commonSettings, standardIO, writeExtras } from './common.js';

export const NEXT_ITEM_HELP = `attune next-item — what each customer is likely to pick next, from their event history

usage: attune next-item --events FILE [options]

  --events FILE        one row per event (view, cart, purchase, rating...), oldest first unless --time
  --user COL           the customer column; default "user"
  --item COL           the item column; default "item"
  --time COL           a numeric time column to order each customer's events by
  --arch NAME          transformer (default) or lstm
  --epochs N           default 10
  --dim N              embedding size; default 32
  --max-len N          recent events the model reads; default 20
  --k N                items per customer; default 10
  --test-users N       customers tested on their last event; default 5000
  --out FILE           default next-items.csv: user, rank, item, score

The last event of each customer with 3 or more is held out for the test (HR@k against
popularity on the whole catalogue), the one before it picks the best epoch (validation).
${COMMON_HELP}
example:
  attune next-item --events Video.txt --delimiter whitespace --no-header --user 0 --item 1 --epochs 5
`;

/** `attune next-item`: groups events per customer, trains a next-item model, recommends the next items. */
export async function nextItemCommand(
  argv: readonly string[],
  ioOverride?: CommandIO,
): Promise<Record<string, unknown>> {
  const cmd = 'next-item';
  const v = parseCommand(cmd, argv, {
    ...COMMON_OPTIONS,
    events: { type: 'string' },
    user: { type: 'string' },
    item: { type: 'string' },
    time: { type: 'string' },
    arch: { type: 'string' },
    epochs: { type: 'string' },
    dim: { type: 'string' },
    'max-len': { type: 'string' },
    k: { type: 'string' },
    'test-users': { type: 'string' },
  });
  const file = required(cmd, 'events', v.events);
  const arch = choice(cmd, 'arch', v.arch, ['transformer', 'lstm'] as const, 'transformer');
  const epochs = intOption(cmd, 'epochs', v.epochs, 10, 1, 10_000);
  const dim = intOption(cmd, 'dim', v.dim, 32, 2, 1024);
  const maxLen = intOption(cmd, 'max-len', v['max-len'], 20, 2, 1000);
  const k = intOption(cmd, 'k', v.k, 10, 1, 1000);
  const testUsers = intOption(cmd, 'test-users', v['test-users'], 5000, 1);
  const s = await commonSettings(cmd, v);
  const io = ioOverride ?? standardIO(s);
  const out = s.out ?? 'next-items.csv';
  const t0 = performance.now();

  const table = await readTable(file, s.delimiter, s.header);
  const users = idColumn(table, file, column(table, file, v.user ?? 'user', 'user'));
  const items = idColumn(table, file, column(table, file, v.item ?? 'item', 'item'));
  const times = v.time === undefined ? null : numberColumn(table, file, column(table, file, v.time, 'time'));
  // Items as indices in order of first appearance; each customer's events in time (else file) order.
  const itemIndex = new Map<string, number>();
  const itemIds: string[] = [];
  const byUser = new Map<string, number[]>();
  const order = Array.from({ length: table.rowCount }, (_, r) => r);
  if (times) order.sort((a, b) => times[a]! - times[b]! || a - b);
  for (const r of order) {
    let i = itemIndex.get(items[r]!);
    if (i === undefined) {
      i = itemIds.length;
      itemIndex.set(items[r]!, i);
      itemIds.push(items[r]!);
    }
    const list = byUser.get(users[r]!) ?? [];
    if (list.length === 0) byUser.set(users[r]!, list);
    list.push(i);
  }
  const userIds = [...byUser.keys()];
  const seqs = userIds.map((u) => byUser.get(u)!);
  const tested = seqs.flatMap((q, u) => (q.length >= 3 ? [u] : []));
  const train = seqs.map((q) => (q.length >= 3 ? q.slice(0, -2) : q)).filter((q) => q.length >= 2);
  // Validation: the second-last event of up to 2,000 customers (sampled ranking, 100 negatives).
  const validation = tested.slice(0, 2000).map((u) => seqs[u]!.slice(0, -1));
  io.log(
    `${file}: ${table.rowCount.toLocaleString('en-US')} events of ${userIds.length.toLocaleString('en-US')} customers on ${itemIds.length.toLocaleString('en-US')} items; ${tested.length.toLocaleString('en-US')} customers with 3+ events are tested on their last one`,
  );

  const model = new NextItemModel({
    arch,
    numItems: itemIds.length,
    dim,
    layers: 1,
    heads: 2,
    maxLen,
    dropout: 0.2,
    itemBias: true,
    seed: s.seed,
    backend: s.backend,
  });
  const bar = io.progress(`fitting ${arch}`);
  const history = await model.fit(train, {
    epochs,
    batchSize: 128,
    lr: 5e-3,
    seed: s.seed,
    ...(validation.length > 0 ? { validation: { sequences: validation, metric: 'hitRate' as const, k } } : {}),
    onEpoch: (e) =>
      bar.update(
        e.epoch / epochs,
        `epoch ${e.epoch}/${epochs} loss ${e.loss.toFixed(3)}${e.validation === undefined ? '' : ` val HR@${k} ${e.validation.toFixed(3)}`}`,
      ),
  });
  bar.done(`loss ${history[history.length - 1]?.loss.toFixed(3) ?? ''}`);

  // Test: HR@k of the held-out last event on the whole catalogue, history items left out, against popularity.
  // (at most --test-users of them: ranking the whole catalogue costs users × items)
  const testSeqs = tested.slice(0, testUsers).map((u) => seqs[u]!);
  const evaluation = testSeqs.length > 0 ? await model.evaluate(testSeqs, { k, full: true }) : null;
  const popHr = testSeqs.length > 0 ? popularityHitRate(train, testSeqs, itemIds.length, k) : Number.NaN;
  // In slices, so the score matrix of a large catalogue never holds every customer at once.
  const recs: Awaited<ReturnType<NextItemModel['recommendNextBatch']>> = [];
  for (let u = 0; u < seqs.length; u += 512)
    recs.push(...(await model.recommendNextBatch(seqs.slice(u, u + 512), { k })));
  const rows = recs.flatMap((list, u) => list.map((r, j) => [userIds[u]!, j + 1, itemIds[r.item as number]!, r.score]));
  await writeRows(out, ['user', 'rank', 'item', 'score'], rows);
  io.log(`${out}: the next ${k} items for ${userIds.length.toLocaleString('en-US')} customers`);
  if (evaluation?.full)
    io.log(
      `  test (last event of ${evaluation.users.toLocaleString('en-US')} customers): HR@${k} ${evaluation.full.hitRate.toFixed(3)} on the whole catalogue vs popularity ${popHr.toFixed(3)}; sampled (100 negatives) HR@${k} ${evaluation.sampled.hitRate.toFixed(3)}, NDCG@${k} ${evaluation.sampled.ndcg.toFixed(3)}`,
    );
  const written = await writeExtras(
    s,
    {
      title: `Next-item model on ${file}`,
      summary: [
        `${userIds.length} customers, ${itemIds.length} items, ${table.rowCount} events; ${arch}, ${history.length} epochs.`,
      ],
      nextItem: {
        epochs: history,
        validationName: `validation HR@${k} (100 sampled negatives)`,
      },
    },
    model,
    io,
  );
  model.dispose();
  return {
    command: cmd,
    backend: s.backend,
    customers: userIds.length,
    items: itemIds.length,
    events: table.rowCount,
    epochs: history.length,
    test: evaluation?.full
      ? {
          customers: evaluation.users,
          hitRate: evaluation.full.hitRate,
          popularityHitRate: popHr,
          sampledHitRate: evaluation.sampled.hitRate,
          sampledNdcg: evaluation.sampled.ndcg,
        }
      : null,
    out,
    seconds: (performance.now() - t0) / 1000,
    ...written,
  };
}

/** HR@k of the most popular training items (each customer's other history items left out, as the model's full ranking does). */
function popularityHitRate(train: readonly number[][], test: readonly number[][], numItems: number, k: number): number {
  const counts = new Float64Array(numItems);
  for (const q of train) for (const i of q) counts[i]!++;
  const ranked = Array.from({ length: numItems }, (_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
  let hits = 0;
  for (const q of test) {
    const target = q[q.length - 1]!;
    const seen = new Set(q.slice(0, -1));
    seen.delete(target);
    let taken = 0;
    for (const i of ranked) {
      if (seen.has(i)) continue;
      if (i === target) {
        hits++;
        break;
      }
      if (++taken >= k) break;
    }
  }
  return hits / test.length;
}
