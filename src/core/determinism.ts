import { ValueError } from './errors.js';

/**
 * The global switch for reproducible training, like PyTorch's `use_deterministic_algorithms`.
 * When on, fits whose default GPU path is nondeterministic (the Hogwild MF and BPR kernels on
 * webgpu, where rows of one dispatch that share a user or an item race on it) take an ordered
 * path instead, at a measured cost: two fits with the same seed on the same backend then give
 * bit-identical weights. A fit's own `deterministic` option overrides it. CPU paths are
 * deterministic either way.
 */
let deterministic = false;

/** Turns deterministic training on or off for every later fit that does not say otherwise. */
export function useDeterministicAlgorithms(on: boolean): void {
  if (typeof on !== 'boolean')
    throw new ValueError(`useDeterministicAlgorithms: on must be true or false; got ${typeof on}`);
  deterministic = on;
}

/** Whether deterministic training is on globally (see {@link useDeterministicAlgorithms}). */
export function deterministicAlgorithms(): boolean {
  return deterministic;
}
