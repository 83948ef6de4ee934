import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { backendByName } from '../../src/backends/registry.js';
import type { WebGPUBackend } from '../../src/backends/webgpu/index.js';
import { BackendError } from '../../src/core/errors.js';
import { BPR, ChurnClassifier, MatrixFactorization } from '../../src/models/index.js';
import { conformanceBackends } from '../helpers/backends.js';
import { plantedClusters, plantedRatings } from './synthetic.js';

/**
 * Issue 10, device loss during training (simulated with device.destroy() in the middle of a
 * fit): the fit rejects with a BackendError that says what to do, the model keeps its last
 * good weights (or says it has none), and at.ready() brings a working backend back.
 */
const loseDevice = (): void => (backendByName('webgpu') as WebGPUBackend).device.destroy();
const whatToDo = /device was lost.*call await at\.ready\(/i;

const ratings = plantedRatings({ users: 40, items: 30, rank: 2, density: 0.5, noise: 0.1, seed: 1 }).data;
const X = Array.from({ length: 120 }, (_, r) => [Math.sin(r), Math.cos(r * 1.3)]);
const y = X.map((row) => (row[0]! > row[1]! ? 1 : 0));

describe.skipIf(!conformanceBackends().includes('webgpu'))('device loss during a webgpu fit', () => {
  it('MatrixFactorization: BackendError saying to call ready(), the earlier fit kept, ready() recovers', async () => {
    await at.ready({ backend: 'webgpu' });
    await at.setBackend('cpu');
    const m = new MatrixFactorization({ factors: 4, epochs: 4, lr: 0.02, seed: 1, backend: 'webgpu' });
    await m.fit(ratings);
    const before = Array.from(m.predict(['u0', 'u1'], ['i0', 'i2']));
    const err = await m
      .fit(ratings, {
        onEpoch: ({ epoch }) => {
          if (epoch === 2) loseDevice();
        },
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(whatToDo);
    expect(m.fitted).toBe(true);
    expect(Array.from(m.predict(['u0', 'u1'], ['i0', 'i2']))).toEqual(before);
    await expect(at.ready({ backend: 'webgpu' })).resolves.toMatchObject({ backend: 'webgpu' });
    await at.setBackend('cpu');
    await m.fit(ratings);
    expect(m.predict(['u0'], ['i0'])[0]).toBeTypeOf('number');
  });

  it('BPR never fitted before: rejects, and says it has no weights', async () => {
    await at.ready({ backend: 'webgpu' });
    await at.setBackend('cpu');
    const data = plantedClusters({ users: 40, items: 30, groups: 3, perUser: 6, seed: 2 }).data;
    const m = new BPR({ factors: 4, epochs: 4, lr: 0.05, seed: 1, backend: 'webgpu' });
    await expect(
      m.fit(data, {
        onEpoch: ({ epoch }) => {
          if (epoch === 1) loseDevice();
        },
      }),
    ).rejects.toThrow(whatToDo);
    expect(m.fitted).toBe(false);
    await expect(m.recommend(data.userIds.id(0))).rejects.toThrow(/not fitted/);
    await at.ready({ backend: 'webgpu' });
    await at.setBackend('cpu');
  });

  it('ChurnClassifier: the earlier network is kept (on the lost device it says so and how to recover)', async () => {
    await at.ready({ backend: 'webgpu' });
    await at.setBackend('cpu');
    const clf = new ChurnClassifier({ epochs: 3, calibration: 'none', seed: 1, backend: 'webgpu' });
    await clf.fit(X, y);
    const err = await clf
      .fit(X, y, {
        onEpoch: ({ epoch }) => {
          if (epoch === 1) loseDevice();
        },
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(whatToDo);
    // Its weights lived on the lost device: using the model says so, and what to do.
    await expect(clf.predictProba(X.slice(0, 3))).rejects.toThrow(whatToDo);
    await at.ready({ backend: 'webgpu' });
    await at.setBackend('cpu');
    await clf.fit(X, y);
    expect((await clf.predictProba(X.slice(0, 3))).every((p) => p >= 0 && p <= 1)).toBe(true);
    clf.dispose();
  });

  it('a readback in flight when the device goes says the device was lost and what to do', async () => {
    await at.ready({ backend: 'webgpu' });
    await at.setBackend('cpu');
    const t = at.ones([4096], { backend: 'webgpu' }).mul(2);
    const pending = t.data();
    loseDevice();
    await expect(pending).rejects.toThrow(BackendError);
    await expect(pending).rejects.toThrow(/at\.ready\(\)/);
    await at.ready({ backend: 'webgpu' });
    await at.setBackend('cpu');
  });
});
