import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { Rng } from '../../src/core/random.js';
import { randomSplit } from '../../src/data/split.js';
import { ValueError } from '../../src/core/errors.js';
import { rmse } from '../../src/metrics/regression.js';
import { BPR, MatrixFactorization } from '../../src/models/index.js';
import { type MfParams, mfBprStep, mfSgdStep } from '../../src/ops/fused/mf.js';
import { backendByName } from '../../src/backends/registry.js';
import type { WebGPUBackend } from '../../src/backends/webgpu/index.js';
import { backendOf, conformanceBackends, onBackend } from '../helpers/backends.js';
import { plantedClusters, plantedRatings } from './synthetic.js';

const U = 50;
const I = 40;

function tablesFor(k: number, seed: number) {
  const rng = new Rng(seed);
  return {
    P: rng.normalArray(U * k, 0.3),
    Q: rng.normalArray(I * k, 0.3),
    bu: rng.normalArray(U, 0.1),
    bi: rng.normalArray(I, 0.1),
  };
}

function params(t: ReturnType<typeof tablesFor>, k: number, backend: at.BackendName): MfParams {
  return {
    userFactors: at.tensor(t.P, { shape: [U, k], backend }),
    itemFactors: at.tensor(t.Q, { shape: [I, k], backend }),
    userBias: at.tensor(t.bu, { backend }),
    itemBias: at.tensor(t.bi, { backend }),
  };
}

/** Batches of `per` rows in which no user and no item repeats, so Hogwild and in-order SGD coincide. */
function conflictFree(batches: number, per: number, seed: number) {
  const rng = new Rng(seed);
  const users = new Int32Array(batches * per);
  const items = new Int32Array(batches * per);
  const third = new Float32Array(batches * per);
  const negs = new Int32Array(batches * per);
  for (let b = 0; b < batches; b++) {
    const pu = rng.permutation(U);
    const pi = rng.permutation(I);
    for (let j = 0; j < per; j++) {
      users[b * per + j] = pu[j]!;
      items[b * per + j] = pi[2 * j]!;
      negs[b * per + j] = pi[2 * j + 1]!;
      third[b * per + j] = 1 + rng.float() * 4;
    }
  }
  return { users, items, third, negs };
}

async function readAll(p: MfParams): Promise<Float32Array[]> {
  return Promise.all(
    [p.userFactors, p.itemFactors, p.userBias, p.itemBias].map(async (t) => (await t.data()) as Float32Array),
  );
}

function expectClose(a: Float32Array, b: Float32Array, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j]! - b[j]!) / (1 + Math.abs(b[j]!)));
  expect(worst).toBeLessThan(tol);
}

const BATCHES = 6;
const PER = 16;

for (const path of conformanceBackends()) {
  const name = backendOf(path);
  describe(`fused MF kernels on ${path}`, () => {
    onBackend(path);

    const layouts = name === 'webgpu' ? (['workgroup', 'thread'] as const) : ([undefined] as const);
    for (const layout of layouts) {
      const tag = layout ? `, ${layout} layout` : '';
      const useLayout = (): void => {
        if (layout) (backendByName('webgpu') as WebGPUBackend).mfLayout = layout;
      };
      for (const k of [3, 40, 100]) {
        for (const biases of [true, false]) {
          it(`SGD matches the CPU twin on conflict-free batches (k=${k}, biases=${biases}${tag})`, async () => {
            useLayout();
            const t0 = tablesFor(k, k);
            const rows = conflictFree(BATCHES, PER, k + 1);
            const results: Float32Array[][] = [];
            const losses: Float32Array[] = [];
            for (const be of ['cpu', name] as const) {
              const p = params(t0, k, be);
              const cols = {
                users: at.tensor(rows.users, { backend: be }),
                items: at.tensor(rows.items, { backend: be }),
                ratings: at.tensor(rows.third, { backend: be }),
                loss: at.zeros([rows.users.length], { backend: be }),
              };
              for (let b = 0; b < BATCHES; b++) {
                mfSgdStep(p, cols, {
                  start: b * PER,
                  count: PER,
                  lr: 0.05,
                  reg: 0.02,
                  lrBias: 0.03,
                  regBias: 0.01,
                  mean: 3.5,
                  biases,
                });
              }
              results.push(await readAll(p));
              losses.push((await cols.loss.data()) as Float32Array);
              for (const x of [...Object.values(p), ...Object.values(cols)]) x.dispose();
            }
            for (let a = 0; a < 4; a++) expectClose(results[1]![a]!, results[0]![a]!, 2e-5);
            expectClose(losses[1]!, losses[0]!, 2e-4);
            // Untouched rows stay exactly as they were.
            if (!biases) expect(results[1]![2]).toEqual(t0.bu);
          });
        }

        it(`BPR matches the CPU twin on conflict-free batches (k=${k}${tag})`, async () => {
          useLayout();
          const t0 = tablesFor(k, 100 + k);
          const rows = conflictFree(BATCHES, PER, k + 7);
          const results: Float32Array[][] = [];
          for (const be of ['cpu', name] as const) {
            const p = params(t0, k, be);
            const cols = {
              users: at.tensor(rows.users, { backend: be }),
              items: at.tensor(rows.items, { backend: be }),
              negatives: at.tensor(rows.negs, { backend: be }),
              loss: at.zeros([rows.users.length], { backend: be }),
            };
            for (let b = 0; b < BATCHES; b++) mfBprStep(p, cols, { start: b * PER, count: PER, lr: 0.1, reg: 0.01 });
            const r = await readAll(p);
            r.push((await cols.loss.data()) as Float32Array);
            results.push(r);
            for (const x of [...Object.values(p), ...Object.values(cols)]) x.dispose();
          }
          for (let a = 0; a < 5; a++) expectClose(results[1]![a]!, results[0]![a]!, 2e-5);
          expect(results[1]![2]).toEqual(t0.bu);
        });
      }
    }

    it('refuses out-of-range indices (cpu) or skips them (gpu) without touching memory', async () => {
      const t0 = tablesFor(4, 3);
      const p = params(t0, 4, name);
      const cols = {
        users: at.tensor(Int32Array.of(0, U + 5), { backend: name }),
        items: at.tensor(Int32Array.of(1, 2), { backend: name }),
        ratings: at.tensor(Float32Array.of(4, 4), { backend: name }),
      };
      if (name !== 'webgpu') {
        expect(() => mfSgdStep(p, cols, { lr: 0.1, reg: 0 })).toThrow(ValueError);
        expect(() => mfSgdStep(p, cols, { lr: 0.1, reg: 0 })).toThrow(/users\[1\] = 55 is outside \[0, 50\)/);
      } else {
        mfSgdStep(p, cols, { lr: 0.1, reg: 0 });
        const [P] = await readAll(p);
        expect(P!.subarray(4)).toEqual(t0.P.subarray(4));
      }
      for (const x of [...Object.values(p), ...Object.values(cols)]) x.dispose();
    });

    // The gpu.js tier inherits the CPU twin, so only webgpu has its own training path.
    if (name !== 'webgpu') return;

    it('MatrixFactorization trained with Hogwild batches on the GPU fits as well as on the CPU', async () => {
      (backendByName('webgpu') as WebGPUBackend).mfLayout = 'thread';
      const { data } = plantedRatings({ users: 100, items: 80, rank: 3, density: 0.4, noise: 0.1, seed: 5 });
      const { train, test } = randomSplit(data, 0.2, { seed: 2 });
      const errs: number[] = [];
      for (const backend of ['cpu', name] as const) {
        const mf = await new MatrixFactorization({
          factors: 6,
          epochs: 60,
          lr: 0.02,
          reg: 0.02,
          clip: false,
          backend,
          batchSize: 256,
        }).fit(train);
        errs.push(rmse(test.values, mf.predictIndices(test.users, test.items)));
        mf.dispose();
      }
      expect(errs[1]!).toBeLessThan(0.25);
      expect(Math.abs(errs[1]! - errs[0]!)).toBeLessThan(0.05);
    });

    it('recommend scores on the GPU (matmul + bias epilogue) match the CPU scores', async () => {
      const { data } = plantedClusters({ users: 60, items: 48, groups: 4, perUser: 5 });
      const gpuModel = await new BPR({ factors: 8, epochs: 15, backend: name, batchSize: 64 }).fit(data);
      const { saveRecommender, loadRecommender } = await import('../../src/models/index.js');
      const cpuModel = loadRecommender(saveRecommender(gpuModel));
      const users = data.userIds.ids().slice(0, 20);
      const a = await gpuModel.recommendMany(users, { k: 5 });
      const b = await cpuModel.recommendMany(users, { k: 5 });
      for (let u = 0; u < users.length; u++) {
        for (let j = 0; j < 5; j++) expect(a[u]![j]!.score).toBeCloseTo(b[u]![j]!.score, 4);
      }
      gpuModel.dispose();
    });

    it('training does not leak GPU buffers', async () => {
      const { data } = plantedRatings({ users: 40, items: 30, rank: 2, density: 0.5, noise: 0.1, seed: 9 });
      const before = at.memory();
      for (let r = 0; r < 3; r++) {
        const mf = await new MatrixFactorization({ factors: 4, epochs: 5, backend: name }).fit(data);
        mf.dispose();
      }
      expect(at.memory().tensors).toBe(before.tensors);
    });
  });
}
