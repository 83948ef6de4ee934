import type { BackendMemory, BackendName } from './backends/backend.js';
import { liveBackends } from './backends/registry.js';
import type { Tensor } from './tensor/tensor.js';

/**
 * Scopes collect the tensors created while they are open, and dispose them when they close,
 * except the tensors the scope's function returns (those move to the enclosing scope) and
 * tensors passed to {@link keep}. This is what keeps GPU memory flat in training loops.
 */
const scopes: Set<Tensor>[] = [];
let liveTensors = 0;
const liveByBackend = new Map<BackendName, number>();

/** @internal Called by every Tensor constructor. */
export function trackTensor(t: Tensor): void {
  liveTensors++;
  liveByBackend.set(t.backend, (liveByBackend.get(t.backend) ?? 0) + 1);
  scopes[scopes.length - 1]?.add(t);
}

/** @internal Called once per tensor, when it is disposed. */
export function untrackTensor(t: Tensor): void {
  liveTensors--;
  liveByBackend.set(t.backend, (liveByBackend.get(t.backend) ?? 1) - 1);
  for (const s of scopes) s.delete(t);
}

/** @internal Called when a tensor's data moves to another backend (`assign` across backends). */
export function retrackTensor(from: BackendName, to: BackendName): void {
  if (from === to) return;
  liveByBackend.set(from, (liveByBackend.get(from) ?? 1) - 1);
  liveByBackend.set(to, (liveByBackend.get(to) ?? 0) + 1);
}

/** Exempts tensors from disposal by the enclosing scopes; returns its argument. */
export function keep<T>(value: T): T {
  forEachTensor(value, (t) => {
    for (const s of scopes) s.delete(t);
  });
  return value;
}

function forEachTensor(value: unknown, fn: (t: Tensor) => void, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 6) return;
  if (isTensor(value)) {
    fn(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) forEachTensor(v, fn, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) forEachTensor(v, fn, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) forEachTensor(v, fn, depth + 1);
  }
}

function isTensor(v: object): v is Tensor {
  return (v as { __isAttuneTensor?: boolean }).__isAttuneTensor === true;
}

function closeScope(own: Set<Tensor>, result: unknown): void {
  const returned = new Set<Tensor>();
  forEachTensor(result, (t) => returned.add(t));
  for (const t of own) if (!returned.has(t)) t.dispose();
  const parent = scopes[scopes.length - 1];
  if (parent) for (const t of returned) if (!t.isDisposed) parent.add(t);
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (found in the
 * returned value, arrays, Maps and plain objects). Works for async `fn` too: the scope stays
 * open until the promise settles, so do not run two async scopes concurrently.
 */
export function scope<T>(fn: () => T): T {
  const own = new Set<Tensor>();
  scopes.push(own);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.splice(scopes.lastIndexOf(own), 1);
    for (const t of own) t.dispose();
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        scopes.splice(scopes.lastIndexOf(own), 1);
        closeScope(own, value);
        return value;
      },
      (e) => {
        scopes.splice(scopes.lastIndexOf(own), 1);
        for (const t of own) t.dispose();
        throw e;
      },
    ) as T;
  }
  scopes.splice(scopes.lastIndexOf(own), 1);
  closeScope(own, result);
  return result;
}

export interface MemoryInfo {
  /** Live (not disposed) tensors on all backends. */
  tensors: number;
  /** Per initialized backend: its live tensors, and the handles and bytes it holds. */
  backends: Partial<Record<BackendName, BackendMemory & { tensors: number }>>;
}

/** Live tensors, and each initialized backend's handles, bytes and pooled buffers. */
export function memory(): MemoryInfo {
  const backends: MemoryInfo['backends'] = {};
  for (const b of liveBackends()) backends[b.name] = { tensors: liveByBackend.get(b.name) ?? 0, ...b.memory() };
  return { tensors: liveTensors, backends };
}
