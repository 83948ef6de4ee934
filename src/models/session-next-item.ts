import { NextItemModel, type NextItemFitOptions, type NextItemModelOptions } from './sequence/next-item.js';
import { type SessionRow, sessionInteractions } from './session-rows.js';

/** {@link NextItemModelOptions} without the catalogue, which {@link fitSessionModel} takes from the rows. */
export type SessionModelOptions = Omit<NextItemModelOptions, 'numItems' | 'itemIds' | 'actions'>;

/**
 * A sequence model of anonymous sessions ("customers who viewed this next viewed"): each
 * session's items in time order are one sequence, and a {@link NextItemModel} (transformer or
 * LSTM, `options`) learns which item comes next. The same `{session, item, time}` rows as
 * `ItemKNN.fitSessions`, but order-aware: co-occurrence cannot tell what follows an item from
 * what precedes it; this can. A repeated view is an event of its own. Score a live session
 * with `model.recommendNext(itemsSoFar, { k })` (oldest first); `at.save(model)` keeps it.
 *
 * Throws a DataError for no rows, a row without a session, item or finite time, or sessions
 * that all have a single event (nothing follows anything).
 *
 * @example
 * const model = await at.models.fitSessionModel(rows, { dim: 32, layers: 1 }, { epochs: 20 });
 * await model.recommendNext(['tent', 'stove'], { k: 5 });
 */
export async function fitSessionModel(
  rows: readonly SessionRow[],
  options: SessionModelOptions = {},
  fit: NextItemFitOptions = {},
): Promise<NextItemModel> {
  const data = sessionInteractions('fitSessionModel', rows, 'keep');
  const model = new NextItemModel({ ...options, numItems: data.numItems });
  try {
    await model.fit(data, fit);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
