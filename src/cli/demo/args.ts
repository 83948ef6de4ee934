import { parseCommand, choice, intOption } from '../args.js';
import type { DemoOptions } from './options.js';

export const DEMO_HELP = `attune demo — the whole pipeline on a seeded synthetic shop

recommendations (BPR vs popularity, ItemKNN), RFM + k-means segments, a calibrated churn
model, next-item and subject-line sequence models

usage: attune demo [options]

  --backend auto|cpu|webgpu   default auto (WebGPU when an adapter answers)
  --seed N                    default 7
  --customers N               default 5000 (1500 with --quick)
  --quick                     a smaller shop and fewer epochs
  --no-sequences              skip the sequence models (the slowest part on a CPU)
  --report FILE               write the charts as one HTML page that works offline
`;

/** Parses `attune demo` arguments with util.parseArgs; a UsageError names a bad or unknown one. */
export function parseDemoArgs(args: readonly string[]): DemoOptions {
  const v = parseCommand('demo', args, {
    backend: { type: 'string' },
    seed: { type: 'string' },
    customers: { type: 'string' },
    quick: { type: 'boolean' },
    'no-sequences': { type: 'boolean' },
    report: { type: 'string' },
  });
  const o: DemoOptions = {};
  if (v.backend !== undefined)
    o.backend = choice('demo', 'backend', v.backend, ['auto', 'cpu', 'webgpu'] as const, 'auto');
  if (v.seed !== undefined) o.seed = intOption('demo', 'seed', v.seed, 7);
  if (v.customers !== undefined) o.customers = intOption('demo', 'customers', v.customers, 5000);
  if (v.quick) o.quick = true;
  if (v['no-sequences']) o.sequences = false;
  if (v.report !== undefined) o.report = v.report;
  return o;
}
