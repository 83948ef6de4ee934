import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { backendByName } from '../../src/backends/registry.js';
import { requireWebGPU } from '../helpers/backends.js';

describe('backend selection', () => {
  it('starts on cpu without side effects, and refuses unknown names', async () => {
    expect(at.getBackend()).toBe('cpu');
    await expect(at.ready({ backend: 'tpu' as never })).rejects.toThrow(
      "ready: backend must be 'auto', 'cpu', 'webgpu' or 'gpujs'; got \"tpu\"",
    );
  });

  it('auto picks webgpu when an adapter answers, else says why it fell back', async () => {
    const info = await at.ready();
    expect(at.getBackend()).toBe(info.backend);
    if (requireWebGPU) expect(info.backend).toBe('webgpu');
    if (info.backend !== 'webgpu') expect(info.fallbackReason).toMatch(/webgpu unavailable/);
    await at.setBackend('cpu');
    expect(at.getBackend()).toBe('cpu');
  });

  it('dataSync on a non-CPU tensor says to use await t.data()', async () => {
    if (!requireWebGPU) return;
    await at.ready({ backend: 'webgpu' });
    const t = at.ones([2]);
    expect(() => t.dataSync()).toThrow(
      /lives on the webgpu backend, which cannot read synchronously; use await t\.data\(\)/,
    );
    const c = at.ones([2], { backend: 'cpu' });
    expect(() => t.add(c)).toThrow(
      "add: a is on the webgpu backend and b is on cpu; move one first, e.g. b = await b.to('webgpu')",
    );
    const moved = await c.to('webgpu');
    expect(Array.from(await t.add(moved).data())).toEqual([2, 2]);
    const back = await t.to('cpu');
    expect(Array.from(back.dataSync())).toEqual([1, 1]);
    expect(() => at.zeros([2], { dtype: 'float64' })).toThrow(/webgpu backend does not support dtype float64/);
    await at.setBackend('cpu');
  });

  it('a lost device gives a BackendError, and ready() recovers with a fresh device', async () => {
    if (!requireWebGPU) return;
    await at.ready({ backend: 'webgpu' });
    const t = at.ones([3]);
    (backendByName('webgpu') as unknown as { destroy(): void }).destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(() => t.add(1)).toThrow(/device was lost|not initialized/);
    expect(at.getBackend()).toBe('cpu');
    const info = await at.ready({ backend: 'webgpu' });
    expect(info.backend).toBe('webgpu');
    expect(Array.from(await at.ones([3]).add(1).data())).toEqual([2, 2, 2]);
    await at.setBackend('cpu');
  });
});
