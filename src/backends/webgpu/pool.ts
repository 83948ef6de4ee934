/**
 * Size-bucketed buffer pools. A request is rounded up to its bucket (256 bytes minimum, then
 * four buckets per power of two, so at most 25% is wasted), and disposed buffers wait in their
 * bucket's free list for the next request of that bucket. Training loops allocate the same
 * sizes every step, so after the first step nearly every allocation is a reuse.
 */

// WebGPU's usage flags as numbers: the GPUBufferUsage global does not exist in Node unless
// the 'webgpu' package's globals are installed, and attune does not touch globals.
export const USAGE = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

export function bucketBytes(bytes: number): number {
  if (bytes <= 256) return 256;
  const pow = 2 ** Math.floor(Math.log2(bytes));
  const step = Math.max(pow / 4, 256);
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  /** The batch in which each pooled buffer was released (see Batcher.batchId). */
  private readonly releasedIn = new WeakMap<GPUBuffer, number>();
  pooledBuffers = 0;
  pooledBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    /** Above this many pooled bytes, released buffers are destroyed instead. */
    private readonly maxPooledBytes: number,
  ) {}

  acquire(bytes: number): GPUBuffer {
    const size = bucketBytes(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.pooledBuffers--;
      this.pooledBytes -= size;
      return reused;
    }
    return this.device.createBuffer({ size, usage: this.usage });
  }

  release(buffer: GPUBuffer, batchId: number): void {
    const size = buffer.size;
    if (this.pooledBytes + size > this.maxPooledBytes) {
      buffer.destroy();
      return;
    }
    let list = this.free.get(size);
    if (!list) {
      list = [];
      this.free.set(size, list);
    }
    list.push(buffer);
    this.releasedIn.set(buffer, batchId);
    this.pooledBuffers++;
    this.pooledBytes += size;
  }

  /** The batch a reused buffer was last released in, or -1. */
  lastReleased(buffer: GPUBuffer): number {
    return this.releasedIn.get(buffer) ?? -1;
  }

  destroyAll(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooledBuffers = 0;
    this.pooledBytes = 0;
  }
}
