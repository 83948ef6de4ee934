import type { Backend } from '../backend.js';
import { openDevice } from './device.js';
import { WebGPUBackend } from './webgpu-backend.js';

export { WebGPUBackend } from './webgpu-backend.js';

/**
 * Opens a WebGPU device and returns the backend. Throws a BackendError when no adapter
 * answers. `onLost` runs if the device is lost later; the backend then refuses every call with
 * an error that says to call `at.ready()` again.
 */
export async function createWebGPUBackend(onLost: () => void): Promise<Backend> {
  const { device, description } = await openDevice();
  return new WebGPUBackend(device, description, onLost);
}
