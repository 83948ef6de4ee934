import type { Backend, Handle } from '../backends/backend.js';

/**
 * A backend handle shared by the tensors that view it (reshape and detach share storage). The
 * handle goes back to its backend when the last tensor that holds it is disposed.
 */
export class Storage {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly handle: Handle,
  ) {}

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) this.backend.dispose(this.handle);
  }
}
