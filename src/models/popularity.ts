import type { Interactions } from '../data/interactions.js';
import { ValueError } from '../core/errors.js';
import { Recommender } from './recommender.js';
import type { StateArray } from './recommender-state.js';
import { registerRecommender } from './recommender-io.js';

/**
 * The most-popular baseline: every user gets the items with the most distinct training users
 * (score = that count), minus what they have seen. It is the floor any personalized model must
 * beat. `predict` returns the item's count (0 for an unknown item under coldStart 'mean').
 */
export class Popularity extends Recommender {
  readonly kind = 'Popularity';

  config(): Record<string, unknown> {
    return {};
  }

  protected train(_data: Interactions): Promise<void> {
    return Promise.resolve();
  }

  protected predictInto(_users: Int32Array, items: Int32Array, out: Float32Array): void {
    for (let j = 0; j < items.length; j++) out[j] = items[j]! >= 0 ? this.itemCounts[items[j]!]! : 0;
  }

  protected scoreUsers(users: Int32Array): Promise<Float32Array> {
    const n = this.itemCounts.length;
    const out = new Float32Array(users.length * n);
    for (let b = 0; b < users.length; b++) out.set(this.itemCounts, b * n);
    return Promise.resolve(out);
  }

  protected similarTo(): Promise<{ items: Int32Array; scores: Float32Array }> {
    throw new ValueError(
      'Popularity.similarItems: a popularity ranking has no notion of item similarity; use ItemKNN or a factor model',
    );
  }

  protected stateArrays(): Record<string, StateArray> {
    return {};
  }

  protected loadArrays(): void {}
}

registerRecommender('Popularity', Popularity, () => new Popularity());
