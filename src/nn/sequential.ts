import { ValueError } from '../core/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Module, type ModuleConfig, ModuleList } from './module.js';

/** A module whose forward takes and returns one tensor: chains its modules in order. */
export interface TensorModule extends Module {
  forward(x: Tensor): Tensor;
}

/**
 * Runs modules in order, each one's output the next one's input. Shapes: whatever the first
 * module takes → whatever the last returns. Parameters are named `0.weight`, `1.bias`, ...
 * Intermediate outputs are disposed when nothing records a gradient through them.
 */
export class Sequential extends ModuleList<TensorModule> {
  override typeName(): string | null {
    return 'Sequential';
  }

  /** Nested specs of the children; rebuildable only when each child is. */
  override config(): ModuleConfig {
    return {
      modules: [...this].map((m) => {
        const type = m.typeName();
        if (type === null)
          throw new ValueError(
            `Sequential.config: child ${m.constructor.name} has no typeName(), so it cannot be rebuilt from a config`,
          );
        return { type, config: m.config() };
      }),
    };
  }

  override forward(x: Tensor): Tensor {
    let h = x;
    for (const m of this) {
      const next = m.forward(h);
      if (h !== x && !h.requiresGrad && next !== h) h.dispose();
      h = next;
    }
    return h;
  }
}
