/**
 * Toy sequence tasks shared by the learning tests: sequences of LEN tokens from VOCAB symbols.
 * 'reverse': target[t] = x[LEN − 1 − t]. 'copy': a delayed copy, target[t] = x[t − DELAY] (and
 * x[t] for the first DELAY steps), so a left-to-right model must carry tokens in its state.
 * Batches come from a fixed-seed generator.
 */
import * as at from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

export const LEN = 10;
export const VOCAB = 6;
export const DELAY = 2;
export type Task = 'copy' | 'reverse';

export function makeBatch(task: Task, batch: number, seed: number): { x: Int32Array; y: Int32Array } {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 8) / 16777216;
  const x = new Int32Array(batch * LEN);
  const y = new Int32Array(batch * LEN);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < LEN; t++) x[b * LEN + t] = Math.floor(rnd() * VOCAB);
    for (let t = 0; t < LEN; t++)
      y[b * LEN + t] = x[b * LEN + (task === 'reverse' ? LEN - 1 - t : t < DELAY ? t : t - DELAY)]!;
  }
  return { x, y };
}

export interface SeqModel {
  logits(x: Tensor): Tensor;
  module: at.nn.Module;
}

/** Trains with Adam on fresh batches, then returns token accuracy on a held-out batch. */
export async function train(
  task: Task,
  model: SeqModel,
  opts: { steps: number; batch: number; lr: number; log?: boolean },
): Promise<number> {
  const opt = new at.optim.Adam(model.module.parameters(), { lr: opts.lr });
  for (let step = 0; step < opts.steps; step++) {
    const { x, y } = makeBatch(task, opts.batch, 1000 + step);
    const loss = at.scope(() => {
      opt.zeroGrad();
      const logits = model.logits(at.tensor(x, { shape: [opts.batch, LEN] }));
      const l = at.nn.functional.crossEntropy(at.reshape(logits, [-1, VOCAB]), at.tensor(y));
      l.backward();
      opt.step();
      return l;
    });
    if (opts.log && step % 50 === 0) console.log(step, await loss.item());
    loss.dispose();
  }
  const { x, y } = makeBatch(task, 256, 7);
  return at.scope(async () => {
    model.module.eval();
    const pred = await at.argmax(model.logits(at.tensor(x, { shape: [256, LEN] })), -1).data();
    let ok = 0;
    pred.forEach((p, i) => (ok += p === y[i] ? 1 : 0));
    model.module.train();
    return ok / pred.length;
  });
}
