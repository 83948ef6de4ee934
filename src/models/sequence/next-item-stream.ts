import { noGrad } from '../../autograd/tape.js';
import { DataError, ValueError, fmtValue } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { type Id, IdMap } from '../../data/idmap.js';
import { tensor } from '../../tensor/creation.js';
import { type SequenceEpoch, type SequenceFitOptions, resolveFit, trainLoop } from './common.js';
import { type EncodedEvents, type EventCodec, shuffledBatches, trainingWindows } from './next-item-encoding.js';
import { type NextItemNetwork, batchLoss } from './next-item-training.js';

/**
 * A chunk of event rows for {@link NextItemModel.fitStream}: one entry per event, the rows of
 * each user together and in time order (an event log exported `ORDER BY user, time`), as
 * `readInteractionsCsvStream` or `readInteractionsParquetStream` yield them from such a file
 * (their `values` are ignored). A user's rows may continue into the next chunk.
 */
export interface EventRows {
  /** User id of each event [rows]; it only groups the rows into sequences. */
  users: ArrayLike<Id>;
  /** Item id of each event [rows]. */
  items: ArrayLike<Id>;
  /** Event type of each event [rows], a name or index of the model's `actions`; all chunks or none. */
  actions?: ArrayLike<string | number> | undefined;
}

/** Chunks of event rows, read afresh for every pass: a function returning a new (async) iterable each call. */
export type EventRowChunks = () => AsyncIterable<EventRows> | Iterable<EventRows>;

/** The network a streamed fit trains, with its id codec (NextItemModel is one). */
export interface StreamedNextItemNetwork extends NextItemNetwork {
  readonly codec: EventCodec;
}

/**
 * `NextItemModel.fitStream`: the training of `fit` on event rows read in chunks, so memory
 * holds the network and one chunk's sequences, not the log.
 *
 * - Pass 0 reads the rows once: it builds the item id map when the model has none (as
 *   `fit(Interactions)` does; the model's `numItems` must hold it), or checks every item
 *   against the model's map (`itemIds` at construction or an earlier fit: an unknown item is a
 *   ValueError naming chunk, row and id); it counts the items (the popularity prior, as `fit`),
 *   counts each epoch's batches (for progress) and checks that the rows are grouped by user
 *   (for that it holds the user ids seen, this pass only).
 * - Each epoch reads the rows again. The sequences of the users whose rows ended in a chunk are
 *   cut into training windows, shuffled and batched as `fit` batches the whole data
 *   (`shuffledBatches`), and trained with `fit`'s loss; windows mix within a chunk, not across.
 *   An item outside the map (a source that changed between passes) is a ValueError.
 * - Validation, patience, `maxSeconds`, `stopWhen`, `onProgress`, `yieldEvery` and `signal`
 *   behave as in `fit` (an abort keeps the last finished batch's weights).
 */
export async function fitNextItemStream(
  net: StreamedNextItemNetwork,
  source: EventRowChunks,
  options: SequenceFitOptions,
): Promise<SequenceEpoch[]> {
  const op = 'NextItemModel.fitStream';
  if (typeof source !== 'function')
    throw new ValueError(
      `${op}: source must be a function returning an async iterable of event row chunks; got ${fmtValue(source)}`,
    );
  const fit = resolveFit(op, options, net.seed);
  const codec = net.codec;
  const building = codec.itemIds ? null : new IdMap();
  const known = (id: Id, chunk: number, row: number) => codec.itemIndex(op, id, `chunk ${chunk} row ${row}`);
  const counts: number[] = [];
  let events = 0;
  let windows = 0;
  let batches = 0;
  let withActions = false;
  const grouped = new Set<Id>();
  const encode = building ? (id: Id, chunk: number, row: number) => building.add(checkId(op, id, chunk, row)) : known;
  for await (const seqs of userSequences(op, source, net, encode, grouped)) {
    for (const s of seqs) {
      for (const i of s.items) counts[i] = (counts[i] ?? 0) + 1;
      events += s.items.length;
      withActions ||= s.actions !== null && net.actionNames.length > 0;
    }
    const w = trainingWindows(seqs, net.maxLen).length;
    windows += w;
    batches += Math.ceil(w / fit.batchSize);
    fit.control.throwIfAborted();
  }
  grouped.clear();
  if (events === 0) throw new DataError(`${op}: the chunks hold no events; there is nothing to fit`);
  if (windows === 0) throw new DataError(`${op}: no user has two or more events, so there is no next event to learn`);
  if (building) {
    if (building.size > net.numItems)
      throw new ValueError(
        `${op}: the rows name ${building.size} distinct items but the model was built with numItems ${net.numItems}; build it with numItems >= ${building.size}`,
      );
    codec.setItemIds(building);
  }
  await installItemCounts(
    net,
    Float32Array.from({ length: net.numItems }, (_, i) => counts[i] ?? 0),
  );
  const shuffler = new Rng(fit.seed, 'NextItemModel.fit', 'shuffle');
  const negatives = new Rng(fit.seed, 'NextItemModel.fit', 'negatives');
  async function* epochBatches(): AsyncGenerator<EncodedEvents[]> {
    for await (const seqs of userSequences(op, source, net, known))
      yield* shuffledBatches(trainingWindows(seqs, net.maxLen), fit.batchSize, shuffler);
  }
  return trainLoop(net, fit, epochBatches, (b) => batchLoss(net, b, withActions, negatives), options.onEpoch, batches);
}

/**
 * Sets the model's item counts [numItems] (the cold start's popular items) and starts an
 * untrained item bias at each item's log frequency (smoothed by one, centred on the mean): the
 * popularity prior, which is what softmax and BCE logits learn first. Learned from zero it
 * takes epochs, since with uniform negatives a rare item's bias is touched a few times an epoch;
 * from the prior, training spends its steps on the sequential signal. A bias that has been
 * trained (not all zero) is left as it is, so a second fit continues. `fit` and `fitStream` both.
 */
export async function installItemCounts(net: NextItemNetwork, counts: Float32Array): Promise<void> {
  noGrad(() => net.itemCounts.assign(tensor(counts, { backend: net.itemCounts.backend })));
  if (!net.itemBias) return;
  const w = net.itemBias.weight;
  if (((await w.data()) as Float32Array).some((v) => v !== 0)) return;
  const logs = Float32Array.from(counts, (c) => Math.log(c + 1));
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const rows = new Float32Array(net.numItems + 1);
  for (let i = 0; i < net.numItems; i++) rows[i + 1] = logs[i]! - mean;
  noGrad(() => w.assign(tensor(rows, { shape: [net.numItems + 1, 1], backend: w.backend })));
}

/**
 * Reads the chunks once and yields, per chunk, the encoded sequences of the users whose rows
 * ended in it (the last user's after the last chunk). With `grouped` it checks that no user's
 * rows come back after another user's (a DataError naming chunk, row and user).
 */
async function* userSequences(
  op: string,
  source: EventRowChunks,
  net: StreamedNextItemNetwork,
  encodeItem: (id: Id, chunk: number, row: number) => number,
  grouped?: Set<Id>,
): AsyncGenerator<EncodedEvents[]> {
  let user: Id | undefined;
  let items: number[] = [];
  let actions: number[] | null = null;
  let hasActions: boolean | undefined;
  const finish = (): EncodedEvents => {
    const s = { items: Int32Array.from(items), actions: actions && Int32Array.from(actions) };
    items = [];
    actions = hasActions ? [] : null;
    return s;
  };
  let chunk = 0;
  for await (const c of source()) {
    const m = checkRows(op, c, chunk);
    const withActions = c.actions !== undefined;
    if (hasActions === undefined) {
      hasActions = withActions;
      actions = hasActions ? [] : null;
      if (hasActions && net.actionNames.length === 0)
        throw new ValueError(`${op}: chunk ${chunk} has actions but the model was built without actions`);
    } else if (withActions !== hasActions)
      throw new ValueError(
        `${op}: chunk ${chunk} ${withActions ? 'has actions but chunk 0 has none' : 'has no actions but chunk 0 has them'}; give actions in every chunk or in none`,
      );
    const out: EncodedEvents[] = [];
    for (let r = 0; r < m; r++) {
      const u = checkId(op, c.users[r]!, chunk, r, 'user');
      if (u !== user) {
        if (items.length > 0) out.push(finish());
        if (grouped?.has(u))
          throw new DataError(
            `${op}: chunk ${chunk} row ${r}: user ${fmtValue(u)} comes back after other users' rows; the rows must be grouped by user (sorted by user, then time)`,
          );
        grouped?.add(u);
        user = u;
      }
      items.push(encodeItem(c.items[r]!, chunk, r));
      if (actions) actions.push(net.codec.actionIndex(op, c.actions![r]!, `chunk ${chunk} row ${r}`));
    }
    chunk++;
    yield out;
  }
  if (items.length > 0) yield [finish()];
}

/** Checks a chunk's shape; returns its row count. */
function checkRows(op: string, c: EventRows, index: number): number {
  if (c === null || typeof c !== 'object' || c.users?.length === undefined || c.items?.length === undefined)
    throw new ValueError(`${op}: chunk ${index} must be {users, items, actions?} (arrays); got ${fmtValue(c)}`);
  const m = c.users.length;
  if (c.items.length !== m || (c.actions !== undefined && c.actions.length !== m))
    throw new ValueError(
      `${op}: chunk ${index} has ${m} users but ${c.items.length} items${c.actions ? ` and ${c.actions.length} actions` : ''}`,
    );
  return m;
}

/** An id must be a string or a number (not NaN): a ValueError naming chunk, row and value otherwise. */
function checkId(op: string, id: Id, chunk: number, row: number, kind: 'user' | 'item' = 'item'): Id {
  if (typeof id === 'string' || (typeof id === 'number' && !Number.isNaN(id))) return id;
  throw new ValueError(
    `${op}: chunk ${chunk} row ${row}: the ${kind} id ${fmtValue(id)} (${typeof id}) must be a string or a number`,
  );
}
