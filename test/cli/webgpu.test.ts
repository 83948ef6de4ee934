import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/cli/commands/common.js';
import { nextItemCommand } from '../../src/cli/commands/next-item.js';
import { recommendCommand } from '../../src/cli/commands/recommend.js';
import { Rng } from '../../src/core/random.js';
import { getBackend, setBackend } from '../../src/index.js';
import { requireWebGPU, webgpuProbe } from '../helpers/backends.js';

// `--backend webgpu` on the commands that fit on the GPU (recommend, next-item): Dawn with
// SwiftShader here. Without an adapter the suite is left out (the probe prints why), unless
// ATTUNE_REQUIRE_WEBGPU=1, where it runs and fails.
const dir = mkdtempSync(join(tmpdir(), 'attune-cli-webgpu-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await setBackend('cpu');
});
const path = (name: string) => join(dir, name);
const io: CommandIO = { log: () => {}, progress: () => ({ update() {}, done() {} }) };
const rowsOf = (file: string): string[][] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

describe.runIf(requireWebGPU || webgpuProbe.available)('the CLI with --backend webgpu', () => {
  it('recommend fits BPR on the GPU and finds the same taste groups as on the CPU', async () => {
    // Two taste groups: u* users take a* items, v* users take b* items, each about half of them.
    const rng = new Rng(1, 'test');
    const rows = ['customer,product'];
    for (const g of ['a', 'b'])
      for (let u = 0; u < 20; u++)
        for (let i = 0; i < 10; i++) if (rng.float() < 0.5) rows.push(`${g === 'a' ? 'u' : 'v'}${u},${g}${i}`);
    writeFileSync(path('ratings.csv'), `${rows.join('\n')}\n`);
    const args = (backend: string, out: string) =>
      ['--data', path('ratings.csv'), '--user', 'customer', '--item', 'product', '--k', '3'].concat([
        '--epochs',
        '40',
        '--factors',
        '8',
        '--backend',
        backend,
        '--out',
        path(out),
      ]);

    const gpu = await recommendCommand(args('webgpu', 'gpu.csv'), io);
    expect(gpu).toMatchObject({ backend: 'webgpu', users: 40, k: 3 });
    expect(getBackend()).toBe('webgpu');
    const cpu = await recommendCommand(args('cpu', 'cpu.csv'), io);
    expect(cpu).toMatchObject({ backend: 'cpu' });

    const gpuRows = rowsOf(path('gpu.csv'));
    expect(gpuRows).toHaveLength(40 * 3);
    const inGroup = gpuRows.filter(([u, , item]) => u![0] === (item![0] === 'a' ? 'u' : 'v')).length;
    expect(inGroup / gpuRows.length).toBeGreaterThan(0.8);
    // Same seed, same Philox stream on both backends: the lists agree up to float32 ties.
    const key = (r: string[]) => `${r[0]}:${r[2]}`;
    const cpuSet = new Set(rowsOf(path('cpu.csv')).map(key));
    const shared = gpuRows.filter((r) => cpuSet.has(key(r))).length;
    expect(shared / gpuRows.length).toBeGreaterThan(0.8);
  });

  it('next-item trains the transformer on the GPU and learns the successor', async () => {
    // Journeys walk a cycle 0 → 1 → ... → 19 → 0 from a random start.
    const rng = new Rng(3, 'test');
    const rows = ['user,item'];
    for (let u = 0; u < 200; u++) {
      let i = Math.floor(rng.float() * 20);
      for (let t = 0; t < 8; t++) {
        rows.push(`u${u},p${i}`);
        i = (i + 1) % 20;
      }
    }
    writeFileSync(path('events.csv'), `${rows.join('\n')}\n`);
    const summary = (await nextItemCommand(
      ['--events', path('events.csv'), '--epochs', '15', '--dim', '16', '--k', '1', '--backend', 'webgpu'].concat([
        '--out',
        path('next.csv'),
      ]),
      io,
    )) as { backend: string; test: { hitRate: number; popularityHitRate: number } };
    expect(summary.backend).toBe('webgpu');
    expect(summary.test.hitRate).toBeGreaterThan(0.8);
    expect(summary.test.popularityHitRate).toBeLessThan(0.3);
    expect(rowsOf(path('next.csv'))).toHaveLength(200);
  });
});
