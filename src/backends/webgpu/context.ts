import type { Handle } from '../backend.js';
import type { DType } from '../../tensor/dtype.js';
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
   * A CPU-emulated adapter (SwiftShader, llvmpipe, WARP). There, workgroup barriers are costly
   * and one invocation per row beats a workgroup tree, so row kernels pick their layout by it.
   */
  readonly software: boolean;
  /** Matmul kernel choice: 'auto' picks by adapter and size; tests pin one to cover both. */
  matmulKernel: 'auto' | 'tiled' | 'direct';
  alloc(size: number, dtype: DType): GpuHandle;
  /** Returns a temporary to the pool; recorded work that reads it still runs first. */
  release(h: GpuHandle): void;
  pipeline(family: Family, entry: string, constants?: Constants): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout };
}

export function pipelineFrom(cache: PipelineCache, family: Family, entry: string, constants?: Constants) {
  return cache.get(family, SOURCES[family], entry, constants);
}

export function gpu(h: Handle): GpuHandle {
  return h as GpuHandle;
}

/** Whether an adapter description names a software (CPU-emulated) implementation. */
export function isSoftwareAdapter(description: string): boolean {
  return /swiftshader|llvmpipe|lavapipe|warp|software/i.test(description);
}
