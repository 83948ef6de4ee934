import { describe, expect, it } from 'vitest';
import { FitControl } from '../../src/core/fit-control.js';
import { ValueError } from '../../src/core/errors.js';

/** Busy-waits `ms` milliseconds, like a batch of synchronous kernel calls. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('FitControl', () => {
  it('reports every batch with a fraction that reaches 1', async () => {
    const seen: number[] = [];
    const control = new FitControl({ onProgress: (p) => seen.push(p.fraction) }, 2);
    for (let epoch = 1; epoch <= 2; epoch++) for (let b = 1; b <= 4; b++) await control.batch(epoch, b, 4);
    expect(seen).toEqual([0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
  });

  it('lets timers fire during a loop when yieldEvery is set, and not when it is off', async () => {
    async function ticksDuring(yieldEvery: number | false): Promise<number> {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const control = new FitControl({ yieldEvery }, 1);
      for (let b = 1; b <= 20; b++) {
        busy(5);
        await control.batch(1, b, 20);
      }
      clearInterval(timer);
      return ticks;
    }
    expect(await ticksDuring(false)).toBe(0);
    expect(await ticksDuring(5)).toBeGreaterThanOrEqual(5);
  });

  it('throws the abort reason at the next batch boundary', async () => {
    const abort = new AbortController();
    const control = new FitControl({ signal: abort.signal }, 1);
    let batches = 0;
    const run = async () => {
      for (let b = 1; b <= 100; b++) {
        batches++;
        if (b === 3) abort.abort();
        await control.batch(1, b, 100);
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(batches).toBe(3);
  });

  it('refuses to start when the signal has already fired, and rejects bad options', () => {
    expect(() => new FitControl({ signal: AbortSignal.abort() }, 1)).toThrow(/abort/i);
    expect(() => new FitControl({ yieldEvery: -1 }, 1)).toThrow(ValueError);
    expect(() => new FitControl({ signal: {} as AbortSignal }, 1)).toThrow(/AbortSignal/);
  });
});
