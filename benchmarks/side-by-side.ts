/**
 * The side-by-side runner of matmul.ts, softmax.ts and elementwise.ts: every contender on the
 * same problem in one process, each checked against the first one's result, with the speed
 * ratios in the table.
 */
import { pathToFileURL } from 'node:url';
import {
  type Contender,
  type TimingOptions,
  environment,
  fmt,
  markdownTable,
  maxAbsDiff,
  timeTrial,
  writeResults,
} from './harness.js';
import { type Out, webgpuAdapter } from './contenders.js';

// ---------------------------------------------------------------------------------------------
// The side-by-side runner (shared with softmax.ts)

export interface SideBySideSpec<P> {
  /** File stem in bench-results/. */
  name: string;
  title: string;
  /** Prose under the title: what is timed. */
  description: string;
  sizes: number[];
  problem(n: number): P;
  contenders: Contender<P, Out>[];
  /** Work per run in units of 1e9, e.g. GFLOP (2n³/1e9 for matmul) or GB moved. */
  throughput: { label: string; perRun(n: number): number };
  /** Reps per contender; `probeMs` is the last untimed warmup run (see runSideBySide). */
  timing(n: number, probeMs: number): TimingOptions;
  /** Tolerance for the max-abs-diff check against the first contender's result. */
  tolerance: number;
}

export interface SideBySideRow {
  backend: string;
  n: number;
  medianMs: number;
  minMs: number;
  reps: number;
  throughput: number;
  speedVsAttuneCpu: number;
  /** tfjs-webgpu ms / attune-webgpu ms on the attune-webgpu row; NaN elsewhere. */
  attuneWebgpuVsTfjsWebgpu: number;
  maxAbsDiff: number;
}

export interface SideBySideResult {
  rows: SideBySideRow[];
  skipped: Record<string, string>;
  markdown: string;
  json: Record<string, unknown>;
}

export async function runSideBySide<P>(spec: SideBySideSpec<P>): Promise<SideBySideResult> {
  const skipped: Record<string, string> = {};
  const rows: SideBySideRow[] = [];
  const mismatches: string[] = [];
  for (const n of spec.sizes) {
    const problem = spec.problem(n);
    let reference: Out | undefined;
    const sizeRows: SideBySideRow[] = [];
    for (const c of spec.contenders) {
      if (skipped[c.name]) continue;
      try {
        const ok = c.available ? await c.available() : true;
        if (ok !== true) {
          skipped[c.name] = ok;
          continue;
        }
        // Setup per size, since tfjs has one global active backend.
        if (c.setup) await c.setup();
        const trial = await c.prepare(problem);
        // The first run is the correctness check and counts as the first warmup.
        let t0 = performance.now();
        const result = await trial.run();
        let probeMs = performance.now() - t0;
        let warmRuns = 1;
        // The first run also pays for shader/JIT compiles; unless it was already slow, a second
        // run gives the steady cost that picks the rep count. Both count as warmup.
        if (probeMs > 200 && probeMs <= 3000) {
          t0 = performance.now();
          await trial.run();
          probeMs = performance.now() - t0;
          warmRuns = 2;
        }
        reference ??= result;
        const opts = spec.timing(n, probeMs);
        const t = await timeTrial(trial, { ...opts, warmup: Math.max(0, opts.warmup - warmRuns) });
        await trial.dispose();
        const diff = maxAbsDiff(result, reference);
        if (!(diff <= spec.tolerance))
          mismatches.push(`${c.name} n=${n}: max abs diff ${diff.toExponential(2)} > ${spec.tolerance}`);
        const row: SideBySideRow = {
          backend: c.name,
          n,
          medianMs: t.medianMs,
          minMs: t.minMs,
          reps: t.reps,
          throughput: spec.throughput.perRun(n) / (t.medianMs / 1e3),
          speedVsAttuneCpu: NaN,
          attuneWebgpuVsTfjsWebgpu: NaN,
          maxAbsDiff: diff,
        };
        sizeRows.push(row);
        console.error(`[${spec.name}] ${c.name} n=${n}: ${fmt(row.medianMs)} ms (${row.reps} reps)`);
      } catch (e) {
        skipped[c.name] = (e as Error).message.split('\n')[0]!;
        console.error(`[${spec.name}] ${c.name} n=${n}: skipped (${skipped[c.name]})`);
      }
    }
    const ms = (name: string): number => sizeRows.find((r) => r.backend === name)?.medianMs ?? NaN;
    for (const r of sizeRows) {
      r.speedVsAttuneCpu = ms('attune-cpu') / r.medianMs;
      if (r.backend === 'attune-webgpu') r.attuneWebgpuVsTfjsWebgpu = ms('tfjs-webgpu') / r.medianMs;
    }
    rows.push(...sizeRows);
  }
  for (const c of spec.contenders) if (c.teardown) await c.teardown();
  const ratio = (x: number): string => (Number.isFinite(x) ? `${fmt(x)}x` : '');
  const table = markdownTable(
    [
      'n',
      'backend',
      'median ms',
      spec.throughput.label,
      'speed vs attune-cpu',
      'attune-webgpu / tfjs-webgpu speed-up',
      'max abs diff',
      'reps',
    ],
    rows.map((r) => [
      r.n,
      r.backend,
      fmt(r.medianMs),
      fmt(r.throughput),
      ratio(r.speedVsAttuneCpu),
      ratio(r.attuneWebgpuVsTfjsWebgpu),
      r.maxAbsDiff.toExponential(1),
      r.reps,
    ]),
  );
  const env = environment();
  const markdown = [
    `# ${spec.title}`,
    '',
    `Node ${env.node}, ${env.cpu} (${env.cores} cores), ${env.date}. WebGPU adapter: ${webgpuAdapter()}.`,
    '',
    spec.description,
    'Ratios > 1 mean faster: "speed vs attune-cpu" = attune-cpu ms / this row\'s ms; "attune-webgpu / tfjs-webgpu',
    'speed-up" = tfjs-webgpu ms / attune-webgpu ms (same adapter). "max abs diff" is against the first row of each size.',
    '',
    table,
    ...Object.entries(skipped).map(([k, v], i) => `${i === 0 ? '\n' : ''}- skipped ${k}: ${v}`),
    ...mismatches.map((m, i) => `${i === 0 ? '\n' : ''}- MISMATCH ${m}`),
  ].join('\n');
  const json = {
    benchmark: spec.name,
    environment: env,
    webgpuAdapter: webgpuAdapter(),
    sizes: spec.sizes,
    throughputUnit: spec.throughput.label,
    rows,
    skipped,
    mismatches,
  };
  return { rows, skipped, markdown, json };
}

/**
 * Reps by cost, so the default run stays within ~4-5 minutes on two cores: SwiftShader and
 * gpu.js's WebAssembly mode take seconds per 1024² matmul (tfjs-webgpu on SwiftShader ~20 s).
 * `probeMs` is the last untimed run: over 3 s gives 2 timed reps, over 0.5 s 3 reps, else 5+
 * within ~1.5 s. `warmup` counts the untimed runs the runner already made (1 or 2).
 */
export function adaptiveTiming(probeMs: number): TimingOptions {
  if (probeMs > 3000) return { warmup: 1, minReps: 2, maxReps: 2, budgetMs: 0 };
  if (probeMs > 500) return { warmup: 1, minReps: 3, maxReps: 3, budgetMs: 0 };
  return { warmup: 2, minReps: 5, maxReps: 25, budgetMs: 1500 };
}

/** Timing for ops of milliseconds (softmax, elementwise): more reps than adaptiveTiming below 200 ms. */
export function shortOpTiming(_n: number, probeMs: number): TimingOptions {
  return probeMs > 200 ? adaptiveTiming(probeMs) : { warmup: 3, minReps: 7, maxReps: 30, budgetMs: 1000 };
}

/** `--sizes=256,512` from the command line, else `fallback`. */
export function parseSizes(argv: readonly string[], fallback: number[]): number[] {
  const arg = argv.find((a) => a.startsWith('--sizes='));
  return arg ? arg.slice('--sizes='.length).split(',').map(Number) : fallback;
}

/** What run.ts gets from a benchmark's `run`: the table and the files written. */
export interface BenchOutput {
  markdown: string;
  files: string[];
}

/**
 * A side-by-side benchmark's `run` for run.ts: `--sizes` (default 256, 512, 1024), the results
 * written to bench-results/<name>.{json,md}.
 */
export async function runAndWrite(
  name: string,
  bench: (sizes: number[]) => Promise<SideBySideResult>,
  argv: readonly string[],
): Promise<BenchOutput> {
  const result = await bench(parseSizes(argv, [256, 512, 1024]));
  const paths = writeResults(name, result.json, result.markdown);
  return { markdown: result.markdown, files: [paths.json, paths.md] };
}

/**
 * Runs `run` when the file `url` is the script node was started with (not imported by run.ts),
 * prints the table and exits (Dawn keeps the process alive while a device is open).
 */
export async function runIfMain(url: string, run: (argv: readonly string[]) => Promise<BenchOutput>): Promise<void> {
  if (!process.argv[1] || url !== pathToFileURL(process.argv[1]).href) return;
  const { markdown, files } = await run(process.argv.slice(2));
  console.log(markdown);
  console.log(`\nwrote ${files.join(' and ')}`);
  process.exit(0);
}
