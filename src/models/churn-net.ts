import type { BackendName } from '../backends/backend.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';

/** The network of a ChurnClassifier: Linear layers `layer0..` with ReLU between them, one logit out. */
export class ChurnNet extends Module {
  readonly layers: Linear[];
  constructor(inFeatures: number, hidden: readonly number[], seed: number, backend: BackendName | undefined) {
    super();
    const widths = [inFeatures, ...hidden, 1];
    this.layers = [];
    for (let i = 0; i + 1 < widths.length; i++) {
      this.layers.push(
        this.registerModule(
          `layer${i}`,
          new Linear(widths[i]!, widths[i + 1]!, { seed: seed * 64 + 2 * i, ...(backend ? { backend } : {}) }),
        ),
      );
    }
  }

  /** Where the weights live: fixed when the net is built, so inputs follow it, not the global backend. */
  get backend(): BackendName {
    return this.layers[0]!.weight.backend;
  }

  /** [n, in] → logits [n, 1]. */
  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const last = i === this.layers.length - 1;
      // Intermediates are left to the caller's scope: backward still needs them.
      h = this.layers[i]!.forward(h, last ? 'none' : 'relu');
    }
    return h;
  }
}
