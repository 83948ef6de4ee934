import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { markLost } from '../../src/backends/registry.js';
import { BPR, ChurnClassifier, KMeans, MatrixFactorization } from '../../src/models/index.js';
import { conformanceBackends } from '../helpers/backends.js';
import { plantedClusters, plantedRatings } from './synthetic.js';

/**
 * Issue 10, isolation: models carry their backend, no fit moves the global backend, and two
 * fits run concurrently with Promise.all give exactly what they give one after the other.
 */

const ratings = plantedRatings({ users: 50, items: 40, rank: 2, density: 0.4, noise: 0.1, seed: 4 }).data;
const clusters = plantedClusters({ users: 50, items: 40, groups: 3, perUser: 6, seed: 5 }).data;
const X = Array.from({ length: 200 }, (_, r) => [Math.sin(r), Math.cos(r * 1.7), ((r * 37) % 11) / 11]);
const y = X.map((row) => (row[0]! + row[1]! > 0.2 ? 1 : 0));
const users = ['u0', 'u3', 'u9', 'u20'];
const items = ['i1', 'i2', 'i5', 'i30'];

/** The global backend at every epoch of every fit; it must never change. */
const seen = new Set<string>();
const watch = (): void => void seen.add(at.getBackend());

async function mf(backend: at.BackendName, seed: number): Promise<number[]> {
  const m = new MatrixFactorization({ factors: 4, epochs: 4, lr: 0.02, seed, backend });
  await m.fit(ratings, { onEpoch: async () => watch() });
  return Array.from(m.predict(users, items));
}

async function bpr(backend: at.BackendName, seed: number): Promise<string[]> {
  const m = new BPR({ factors: 4, epochs: 3, lr: 0.05, seed, backend });
  await m.fit(clusters, { onEpoch: async () => watch() });
  return (await m.recommend(clusters.userIds.id(1), { k: 5 })).map((r) => String(r.item));
}

async function churn(backend: at.BackendName, seed: number): Promise<number[]> {
  const m = new ChurnClassifier({ hidden: [4], epochs: 3, batchSize: 64, seed, calibration: 'none', backend });
  await m.fit(X, y, { onEpoch: watch });
  const p = Array.from(await m.predictProba(X.slice(0, 20)));
  m.dispose();
  return p;
}

async function kmeans(backend: at.BackendName, seed: number): Promise<number[]> {
  const m = await new KMeans({ k: 3, seed, backend }).fit(X);
  watch();
  return Array.from(m.labels);
}

describe('concurrent fits on the CPU backend', () => {
  it('MF, BPR, churn and k-means fitted with Promise.all equal the same fits one after the other', async () => {
    seen.clear();
    const one = [
      await mf('cpu', 1),
      await mf('cpu', 2),
      await bpr('cpu', 1),
      await churn('cpu', 1),
      await kmeans('cpu', 3),
    ];
    const all = await Promise.all([mf('cpu', 1), mf('cpu', 2), bpr('cpu', 1), churn('cpu', 1), kmeans('cpu', 3)]);
    expect(all).toEqual(one);
    // Different seeds really give different models, so the comparison could fail.
    expect(one[0]).not.toEqual(one[1]);
    expect([...seen]).toEqual(['cpu']);
  });
});

const gpu = conformanceBackends().includes('webgpu');
describe.skipIf(!gpu)('concurrent fits on cpu and webgpu', () => {
  it('a webgpu fit beside a cpu fit leaves both results and the global backend as they are alone', async () => {
    await at.setBackend('cpu');
    seen.clear();
    // Churn (Adam on ordered reductions) and k-means give the same numbers every run on webgpu too.
    const one = [await churn('webgpu', 1), await mf('cpu', 1), await kmeans('webgpu', 3), await bpr('cpu', 2)];
    const all = await Promise.all([churn('webgpu', 1), mf('cpu', 1), kmeans('webgpu', 3), bpr('cpu', 2)]);
    expect(all).toEqual(one);
    expect([...seen]).toEqual(['cpu']);
    expect(at.getBackend()).toBe('cpu');
  });

  it('with webgpu selected globally, a cpu model still trains on the CPU and the selection stays', async () => {
    await at.setBackend('webgpu');
    seen.clear();
    const one = [await mf('cpu', 1), await churn('cpu', 2)];
    const all = await Promise.all([mf('cpu', 1), churn('cpu', 2)]);
    expect(all).toEqual(one);
    expect([...seen]).toEqual(['webgpu']);
    await at.setBackend('cpu');
  });

  it('opening the webgpu device for a fit never selects it, not even while the device opens', async () => {
    await at.setBackend('cpu');
    // Forget the device the helper opened, so this fit has to open one (ready() used to select
    // webgpu for the duration, and every concurrent caller saw the global backend switch).
    markLost('webgpu');
    const samples = new Set<string>();
    let done = false;
    const poll = (async () => {
      while (!done) {
        samples.add(at.getBackend());
        await new Promise((r) => setTimeout(r, 0));
      }
    })();
    const [preds] = await Promise.all([mf('webgpu', 1), mf('cpu', 1)]);
    done = true;
    await poll;
    expect(preds.every(Number.isFinite)).toBe(true);
    expect([...samples]).toEqual(['cpu']);
  });
});
