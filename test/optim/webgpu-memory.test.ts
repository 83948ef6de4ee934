import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

const { nn, optim } = at;

/**
 * The WebGPU issue's memory criterion: 1000 iterations of forward, backward and a fused Adam
 * update leave the live GPU buffers and bytes (and the pool) exactly where they were at step 100.
 * The model is tiny so SwiftShader runs it quickly.
 */
const name = 'webgpu';

// Always a suite (vitest reports a file without one as "No test suite found"); skipped, with the
// reason printed by the helper, where no adapter answers and CI did not require one.
describe.skipIf(!conformanceBackends().includes(name))(`training memory on ${name}`, () => {
  onBackend(name);

  it('1000 steps of forward/backward/Adam: live buffers and bytes equal at step 100 and step 1000', async () => {
    const model = new nn.Sequential([new nn.Linear(2, 4, { seed: 1 }), new nn.Linear(4, 1, { seed: 2 })]);
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const x = at.randn([8, 2], { seed: 3 });
    const y = x.sum(1, true);
    const snap = (): unknown => {
      const m = at.memory();
      const b = m.backends.webgpu!;
      return {
        tensors: m.tensors,
        gpuTensors: b.tensors,
        handles: b.handles,
        bytes: b.bytes,
        pooledBuffers: b.pooledBuffers,
        pooledBytes: b.pooledBytes,
      };
    };
    let at100: unknown;
    let first = 0;
    let loss = 0;
    for (let step = 1; step <= 1000; step++) {
      const l = at.scope(() => {
        opt.zeroGrad();
        const out = nn.functional.mse(model.forward(x), y);
        out.backward();
        opt.step();
        return out;
      });
      if (step === 1) first = await l.item();
      if (step === 1000) loss = await l.item();
      l.dispose();
      // A readback every 100 steps flushes the batched commands, as a real loop logging its loss does.
      if (step % 100 === 0) await x.data();
      if (step === 100) at100 = snap();
    }
    expect(snap()).toEqual(at100);
    expect(loss).toBeLessThan(first);
    opt.zeroGrad();
    opt.dispose();
    model.dispose();
  });
});
