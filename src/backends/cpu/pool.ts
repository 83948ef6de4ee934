import { type DType, type TypedArray, allocArray, dtypeOfArray } from '../../core/dtype.js';

/**
 * Free lists of the CPU backend's tensor arrays, by dtype and exact length. A training loop
 * allocates the same output sizes every step, and a fresh TypedArray is not free: a
 * zero-filled allocation plus the garbage collection it later causes (benchmarks/cpu-pool.ts on
 * a loaded 2-core machine: 2.3, 11 and 39 µs CPU for a fresh 1, 64 and 256 KiB array, against
 * 1.1, 2.0 and 6.3 µs to take one from the pool, zero it and put it back). So a disposed
 * tensor's array waits here for the next request of its dtype and length, and is handed out
 * zero-filled, exactly as a new one would be.
 *
 * The hazard, and the rule against it. A reused array is rewritten by its next owner, so an
 * array may enter the pool only if nothing outside the backend can still read it. The backend
 * marks a handle `shared` when its array becomes visible outside (adopted from the caller
 * without a copy, or exported as a view by `toNdarray`); a shared array is never pooled, only
 * dropped. Inside the backend every kernel reads its arrays during the call only.
 *
 * Exact lengths, not buckets as on WebGPU: a CPU array's length is its tensor's size, which
 * the kernels and `readSync` rely on. Arrays under {@link POOL_MIN_BYTES} stay with the engine
 * (its small allocations are cheap); past {@link POOL_MAX_BYTES} pooled, the arrays released
 * longest ago are dropped for the garbage collector.
 */
export const POOL_MIN_BYTES = 1024;
export const POOL_MAX_BYTES = 64 * 1024 * 1024;

export class ArrayPool {
  pooledBuffers = 0;
  pooledBytes = 0;
  private readonly free: Record<DType, Map<number, TypedArray[]>> = {
    float32: new Map(),
    int32: new Map(),
    float64: new Map(),
  };
  /** Every pooled array, oldest release first (a Set iterates in insertion order). */
  private readonly byAge = new Set<TypedArray>();

  /** `maxPooledBytes`: above this many pooled bytes, the oldest pooled arrays are dropped (0: no pooling). */
  constructor(public maxPooledBytes = POOL_MAX_BYTES) {}

  /** A zero-filled array of `size` elements: a pooled one when there is one, else a new one. */
  acquire(dtype: DType, size: number): TypedArray {
    const reused = this.free[dtype].get(size)?.pop();
    if (!reused) return allocArray(dtype, size);
    this.byAge.delete(reused);
    this.pooledBuffers--;
    this.pooledBytes -= reused.byteLength;
    return reused.fill(0);
  }

  /**
   * Takes back an array nothing else reads any more; false when it is too small or larger than
   * the whole pool. When the pool is full, the arrays released longest ago make room: a loop
   * whose shapes change (sequence batches of varying length) keeps the sizes it uses now.
   */
  release(dtype: DType, data: TypedArray): boolean {
    const bytes = data.byteLength;
    // A view into a larger buffer (never made here, but adopted ones can be) is not ours to reuse.
    if (bytes < POOL_MIN_BYTES || data.byteOffset !== 0 || data.buffer.byteLength !== bytes) return false;
    if (bytes > this.maxPooledBytes) return false;
    for (const old of this.byAge) {
      if (this.pooledBytes + bytes <= this.maxPooledBytes) break;
      this.evict(old);
    }
    const lists = this.free[dtype];
    let list = lists.get(data.length);
    if (!list) lists.set(data.length, (list = []));
    list.push(data);
    this.byAge.add(data);
    this.pooledBuffers++;
    this.pooledBytes += bytes;
    return true;
  }

  private evict(data: TypedArray): void {
    const list = this.free[dtypeOfArray(data)].get(data.length)!;
    // The oldest array of its size sits at the bottom of its list.
    list.splice(list.indexOf(data), 1);
    this.byAge.delete(data);
    this.pooledBuffers--;
    this.pooledBytes -= data.byteLength;
  }

  /** Drops every pooled array (for the garbage collector). */
  clear(): void {
    for (const lists of Object.values(this.free)) lists.clear();
    this.byAge.clear();
    this.pooledBuffers = 0;
    this.pooledBytes = 0;
  }
}
