import { BackendError } from '../../core/errors.js';

/**
 * Finds a WebGPU implementation and opens a device. Browsers provide `navigator.gpu`; in Node
 * the optional `webgpu` package (Dawn) is imported lazily, only when `navigator.gpu` is absent,
 * so importing attune never loads it.
 */

// Dawn's GPU object must outlive every device made from it; keep one per process.
let dawnGpu: GPU | undefined;

const HINT =
  "In Node, install the optional 'webgpu' package (npm install webgpu). Without a GPU, install " +
  'chromium and libvulkan1 and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json ' +
  'so Dawn finds the SwiftShader Vulkan adapter.';

async function findGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (dawnGpu) return dawnGpu;
  // A computed specifier keeps bundlers from pulling the Node-only package into browser builds.
  const specifier = 'webgpu';
  let mod: { create: (flags: string[]) => GPU };
  try {
    mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as typeof mod;
  } catch (e) {
    throw new BackendError(
      `webgpu: no WebGPU adapter: navigator.gpu is missing and the 'webgpu' package could not be loaded (${(e as Error).message}). ${HINT}`,
    );
  }
  dawnGpu = mod.create([]);
  return dawnGpu;
}

export interface OpenedDevice {
  device: GPUDevice;
  description: string;
}

export async function openDevice(): Promise<OpenedDevice> {
  const gpu = await findGpu();
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    throw new BackendError(`webgpu: no WebGPU adapter: requestAdapter failed (${(e as Error).message}). ${HINT}`);
  }
  if (!adapter) throw new BackendError(`webgpu: no WebGPU adapter was found. ${HINT}`);
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
    },
  });
  return { device, description: describe(adapter) };
}

function describe(adapter: GPUAdapter): string {
  const info = adapter.info as Partial<GPUAdapterInfo> | undefined;
  const parts = [info?.description, info?.device, info?.architecture, info?.vendor].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  return parts.length > 0 ? [...new Set(parts)].join(' / ') : 'WebGPU adapter';
}
