import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';
import { LEN, VOCAB, train } from './toy-tasks.js';

/** A module that only holds the parts of a toy model, so one optimizer sees every parameter. */
class Holder extends at.nn.Module {
  constructor(parts: Record<string, at.nn.Module>) {
    super();
    for (const [n, m] of Object.entries(parts)) this.registerModule(n, m);
  }
  forward(): void {}
}

// Ids are flattened before the lookup: [B·LEN] → [B, LEN, E].
const embed = (emb: at.nn.Embedding, x: Tensor): Tensor =>
  at.reshape(emb.forward(at.reshape(x, [-1])), [x.shape[0]!, LEN, -1]);

for (const backend of conformanceBackends().filter((b) => b !== 'gpujs')) {
  describe(`toy sequence tasks learn on ${backend} (fixed seeds)`, () => {
    onBackend(backend);

    it('a character-level LSTM learns the delayed copy task to >= 99% token accuracy', {
      timeout: 600_000,
    }, async () => {
      at.manualSeed(1);
      const emb = new at.nn.Embedding(VOCAB, 16, { seed: 1 });
      const lstm = new at.nn.LSTM(16, 48, { batchFirst: true, seed: 2 });
      const head = new at.nn.Linear(48, VOCAB, { seed: 3 });
      const module = new Holder({ emb, lstm, head });
      const acc = await train(
        'copy',
        { module, logits: (x) => head.forward(lstm.forward(embed(emb, x)).output) },
        { steps: 160, batch: 32, lr: 1e-2 },
      );
      expect(acc).toBeGreaterThanOrEqual(0.99);
      module.dispose();
    });

    it('a 2-layer Transformer encoder learns the reverse task to >= 99% token accuracy', {
      timeout: 600_000,
    }, async () => {
      at.manualSeed(1);
      const E = 32;
      const emb = new at.nn.Embedding(VOCAB, E, { seed: 1 });
      const pos = new at.nn.SinusoidalPositionalEncoding(E, LEN);
      const l1 = new at.nn.TransformerEncoderLayer(E, 2, { dimFeedforward: 64, dropout: 0, seed: 5 });
      const l2 = new at.nn.TransformerEncoderLayer(E, 2, { dimFeedforward: 64, dropout: 0, seed: 6 });
      const head = new at.nn.Linear(E, VOCAB, { seed: 3 });
      const module = new Holder({ emb, pos, l1, l2, head });
      const logits = (x: Tensor) => head.forward(l2.forward(l1.forward(pos.forward(embed(emb, x)))));
      const acc = await train('reverse', { module, logits }, { steps: 130, batch: 32, lr: 3e-3 });
      expect(acc).toBeGreaterThanOrEqual(0.99);
      module.dispose();
    });
  });
}
