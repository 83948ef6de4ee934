import { describe, expect, it } from 'vitest';
import { Linear } from '../../../src/nn/linear.js';
import * as o from '../../../src/ops/index.js';
import { AdamW } from '../../../src/optim/adam.js';
import { WeightAverage } from '../../../src/optim/ema.js';
import { tensor } from '../../../src/tensor/creation.js';
import { scope } from '../../../src/memory.js';
import { resolveFit, trainLoop } from '../../../src/models/sequence/common.js';
import { ValueError } from '../../../src/core/errors.js';
import { conformanceBackends, onBackend, tol } from '../../helpers/backends.js';

/**
 * The sequence models' fit options `weightDecay` (AdamW) and `emaDecay` (a moving average of the
 * weights): trainLoop must equal a hand-written AdamW + WeightAverage loop, score the averaged
 * weights in validation, keep the best epoch's average, and leave the average in the model.
 */
const EPOCHS = 4;

function data() {
  const x = tensor(
    Float32Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.3)),
    { shape: [4, 3] },
  );
  const y = tensor(Float32Array.of(1, -1, 0.5, 2), { shape: [4, 1] });
  return { x, y };
}

/** Batch b of an epoch: rows 2b and 2b + 1. */
function batchLoss(net: Linear, x: ReturnType<typeof data>['x'], y: ReturnType<typeof data>['y'], b: number) {
  const rows = tensor(Int32Array.of(2 * b, 2 * b + 1));
  return o.mean(o.square(o.sub(net.forward(o.indexSelect(x, 0, rows)), o.indexSelect(y, 0, rows))));
}

async function weights(net: Linear): Promise<number[]> {
  const out: number[] = [];
  for (const p of net.parameters()) out.push(...(await p.data()));
  return out;
}

/** The hand-written loop: AdamW steps, the average updated after each; its weights per epoch. */
async function manual(): Promise<number[][]> {
  const net = new Linear(3, 1, { seed: 1 });
  const { x, y } = data();
  const opt = new AdamW(net.parameters(), { lr: 0.05, betas: [0.9, 0.98], weightDecay: 0.1 });
  const avg = new WeightAverage(net.parameters(), 0.8);
  const perEpoch: number[][] = [];
  for (let e = 0; e < EPOCHS; e++) {
    for (let b = 0; b < 2; b++) {
      scope(() => {
        opt.zeroGrad();
        batchLoss(net, x, y, b).backward();
        opt.step();
        avg.update();
      });
    }
    perEpoch.push(await avg.withAverage(() => weights(net)));
  }
  opt.zeroGrad();
  opt.dispose();
  avg.dispose();
  net.dispose();
  return perEpoch;
}

for (const path of conformanceBackends()) {
  describe(`trainLoop with weightDecay and emaDecay on ${path}`, () => {
    onBackend(path);
    const { rtol, atol } = tol(path);
    const close = (got: number[], want: number[]) => {
      expect(got.length).toBe(want.length);
      got.forEach((g, i) =>
        expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(10 * (atol + rtol * Math.abs(want[i]!))),
      );
    };

    for (const [label, scores] of [
      ['the last epoch scores best: the final average stays', [1, 2, 3, 4]],
      ['epoch 2 scores best: its average is restored', [1, 5, 3, 2]],
    ] as const) {
      it(label, async () => {
        const want = await manual();
        const net = new Linear(3, 1, { seed: 1 });
        const { x, y } = data();
        const seen: number[][] = [];
        const fit = resolveFit(
          'test',
          {
            epochs: EPOCHS,
            lr: 0.05,
            beta2: 0.98,
            clipNorm: 0,
            weightDecay: 0.1,
            emaDecay: 0.8,
            validation: async () => {
              seen.push(await weights(net));
              return scores[seen.length - 1]!;
            },
          },
          0,
        );
        await trainLoop(
          net,
          fit,
          () => [0, 1],
          (b) => batchLoss(net, x, y, b),
          undefined,
        );
        // Validation saw the average of each epoch, not the live weights.
        seen.forEach((w, e) => close(w, want[e]!));
        const best = (scores as readonly number[]).indexOf(Math.max(...scores));
        close(await weights(net), want[best]!);
        net.dispose();
      });
    }
  });
}

describe('trainLoop options', () => {
  it('refuses a negative weightDecay and an emaDecay of 1 by name', () => {
    expect(() => resolveFit('NextItemModel.fit', { weightDecay: -1 }, 0)).toThrow(ValueError);
    expect(() => resolveFit('NextItemModel.fit', { emaDecay: 1 }, 0)).toThrow(
      /NextItemModel.fit: emaDecay must be a number in \[0, 1\); got 1/,
    );
  });
});
