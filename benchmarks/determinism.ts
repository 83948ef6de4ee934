/**
 * The cost of deterministic training (issue 10): MF and BPR on webgpu, the default Hogwild
 * batches beside `deterministic: true` (conflict-free levels), same seed, same data, run
 * alternately in this process. Reports the median fit time of each, their ratio, and whether
 * two fits gave bit-identical tables (how many table values differ between two seeded runs).
 *
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npm run bench -- determinism [--rows=20000] [--runs=3]
 *
 * On SwiftShader (a CPU emulation) the times are only relative to each other.
 */
import { Rng } from '../src/core/random.js';
import { Interactions } from '../src/data/interactions.js';
import { BPR, MatrixFactorization } from '../src/models/index.js';
import { probeWebGPU } from './harness.js';

function flag(argv: string[], name: string, fallback: number): number {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
}

/** Users and items with a popularity skew (Zipf-like), as real catalogs have. */
function synthetic(rows: number): Interactions {
  const rng = new Rng(11, 'bench');
  const users = new Int32Array(rows);
  const items = new Int32Array(rows);
  const values = new Float32Array(rows);
  const seen = new Set<number>();
  let n = 0;
  while (n < rows) {
    const u = Math.floor(rng.float() * (rows / 20));
    const i = Math.floor(500 * rng.float() ** 2);
    if (seen.has(u * 1000 + i)) continue;
    seen.add(u * 1000 + i);
    users[n] = u;
    items[n] = i;
    values[n] = 1 + Math.floor(rng.float() * 5);
    n++;
  }
  return Interactions.fromArrays({ users, items, values });
}

type Model = {
  fit(d: Interactions, o: { deterministic: boolean }): Promise<unknown>;
  allArrays(): Record<string, { data: Float32Array | Int32Array }>;
};

function differing(a: Model, b: Model): number {
  let d = 0;
  const wb = b.allArrays();
  for (const [k, v] of Object.entries(a.allArrays())) v.data.forEach((x, j) => void (x !== wb[k]!.data[j] && d++));
  return d;
}

export async function run(argv: string[] = []): Promise<string> {
  const gpu = await probeWebGPU(true);
  if (!gpu.ok)
    return `determinism: webgpu ${gpu.note}; nothing to measure (the CPU path is deterministic either way)\n`;
  const rows = flag(argv, 'rows', 20000);
  const runs = flag(argv, 'runs', 3);
  const data = synthetic(rows);
  const make = {
    MF: () => new MatrixFactorization({ factors: 32, epochs: 3, lr: 0.01, seed: 1, backend: 'webgpu' }),
    BPR: () => new BPR({ factors: 32, epochs: 3, lr: 0.05, seed: 1, backend: 'webgpu' }),
  };
  const lines = [
    `webgpu (${gpu.note}); ${rows} rows, ${data.numUsers} users, ${data.numItems} items (skewed), 3 epochs, k = 32, median of ${runs}`,
    '',
    '| model | default (Hogwild) ms | deterministic ms | cost (ratio) | values differing, 2 default fits | values differing, 2 deterministic fits |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, ctor] of Object.entries(make)) {
    const times: Record<'default' | 'det', number[]> = { default: [], det: [] };
    const last: Record<'default' | 'det', Model[]> = { default: [], det: [] };
    await (ctor() as Model).fit(data, { deterministic: false }); // warm-up: pipelines compile
    for (let r = 0; r < runs; r++) {
      for (const mode of ['default', 'det'] as const) {
        const m = ctor() as Model;
        const t0 = performance.now();
        await m.fit(data, { deterministic: mode === 'det' });
        times[mode].push(performance.now() - t0);
        last[mode] = [...last[mode].slice(-1), m];
      }
    }
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const [td, tdet] = [med(times.default), med(times.det)];
    lines.push(
      `| ${name} | ${td.toFixed(0)} | ${tdet.toFixed(0)} | ${(tdet / td).toFixed(2)}x | ${differing(last.default[0]!, last.default[1]!)} | ${differing(last.det[0]!, last.det[1]!)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
