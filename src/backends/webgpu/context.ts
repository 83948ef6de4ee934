import type { Handle } from '../backend.js';
import type { DType } from '../../core/dtype.js';
import type { Batcher } from './batch.js';
import type { Constants, PipelineCache } from './pipelines.js';
import { SOURCES, type Family } from './sources.js';

/** A tensor's storage: a pooled GPU buffer of at least size * 4 bytes. */
export class GpuHandle implements Handle {
  disposed = false;
  constructor(
    readonly size: number,
    readonly dtype: DType,
    readonly buffer: GPUBuffer,
  ) {}
}

/** What the op files need from the backend. */
export interface GpuContext {
  readonly batcher: Batcher;
  /**
   * Kernels laid out for a CPU-emulated adapter (SwiftShader, llvmpipe, WARP): there workgroup
   * barriers are costly and shared memory is no faster, so matmul, attention and row
   * reductions use barrier-free variants. Follows the adapter unless {@link KernelLayout} pins it.
   */
  readonly software: boolean;
  alloc(size: number, dtype: DType): GpuHandle;
  /** Returns a temporary to the pool; recorded work that reads it still runs first. */
  release(h: GpuHandle): void;
  pipeline(
    family: Family,
    entry: string,
    constants?: Constants,
  ): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout };
}

export function pipelineFrom(cache: PipelineCache, family: Family, entry: string, constants?: Constants) {
  return cache.get(family, SOURCES[family], entry, constants);
}

export function gpu(h: Handle): GpuHandle {
  return h as GpuHandle;
}

/**
 * Which family of kernel layouts to use: 'auto' follows the adapter; 'hardware' and 'software'
 * pin one (tests use this to run both layouts on one adapter).
 */
export type KernelLayout = 'auto' | 'hardware' | 'software';

/** Whether an adapter description names a software (CPU-emulated) implementation. */
export function isSoftwareAdapter(description: string): boolean {
  return /swiftshader|llvmpipe|lavapipe|warp|software/i.test(description);
}
