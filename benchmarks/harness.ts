/**
 * Shared helpers for the side-by-side benchmarks: timing with warmup and a median, markdown
 * tables, and writing JSON + markdown into bench-results/ (gitignored). Each benchmark is a
 * list of {@link Contender}s, so a new backend (attune webgpu, tfjs-webgpu, gpu.js) is one
 * more entry rather than a new script.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ready, setBackend } from '../src/backends/registry.js';

/** One prepared problem on one contender: `run` does the work and waits for its result. */
export interface Trial<R = unknown> {
  run(): R | Promise<R>;
  dispose(): void | Promise<void>;
}

/**
 * A library/backend taking part. `setup` runs once (select a backend, load wasm); `available`
 * may say why it cannot run here (no adapter), and the row is reported as skipped.
 */
export interface Contender<P, R = unknown> {
  readonly name: string;
  setup?(): Promise<void>;
  available?(): Promise<true | string>;
  prepare(problem: P): Trial<R> | Promise<Trial<R>>;
  teardown?(): Promise<void>;
}

export interface TimingOptions {
  warmup: number;
  minReps: number;
  maxReps: number;
  /** Stop adding reps (past minReps) once this much time was spent timing. */
  budgetMs: number;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  reps: number;
  samplesMs: number[];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Warmup runs (not timed, they pay for JIT and pipeline compiles), then up to maxReps timed. */
export async function timeTrial(trial: Trial, opts: TimingOptions): Promise<Timing> {
  for (let i = 0; i < opts.warmup; i++) await trial.run();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < opts.maxReps) {
    const t0 = performance.now();
    await trial.run();
    samples.push(performance.now() - t0);
    if (samples.length >= opts.minReps && performance.now() - start > opts.budgetMs) break;
  }
  return { medianMs: median(samples), minMs: Math.min(...samples), reps: samples.length, samplesMs: samples };
}

export function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Fixed-precision number for tables; keeps small values readable. */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  return x >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

export function environment(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    date: new Date().toISOString(),
  };
}

/** Writes bench-results/<name>.json and .md; returns their paths. */
export function writeResults(name: string, payload: unknown, markdown: string): { json: string; md: string } {
  const dir = path.resolve(process.cwd(), 'bench-results');
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${name}.json`);
  const md = path.join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(payload, null, 2)}\n`);
  writeFileSync(md, `${markdown}\n`);
  return { json, md };
}

/** Deterministic float32 data so every contender multiplies the same matrices. */
export function seededFloat32(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Initializes WebGPU for a benchmark that compares it with the CPU: `note` is the adapter's
 * name, or why it is unavailable, or 'not requested'. The CPU stays the current backend.
 */
export async function probeWebGPU(requested: boolean): Promise<{ ok: boolean; note: string }> {
  if (!requested) return { ok: false, note: 'not requested' };
  try {
    const note = (await ready({ backend: 'webgpu' })).description;
    await setBackend('cpu');
    return { ok: true, note };
  } catch (e) {
    return { ok: false, note: `unavailable: ${(e as Error).message}` };
  }
}

/** A numeric `--name=value` command-line argument, or `fallback` when it is absent. */
export function numberArg(name: string, fallback: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : fallback;
}

/**
 * Runs `child(mode)` for each mode, each in a fresh child process of this same script (so each
 * contender's peak RSS, `process.resourceUsage().maxRSS`, is its own), and returns their
 * results in order; `prepare` runs once in the parent first (to generate the input file).
 * Call it first thing: in a child (given `--mode=`) it runs `child`, prints the result for the
 * parent and returns null.
 */
export async function runInChildProcesses<R>(
  label: string,
  modes: readonly string[],
  child: (mode: string) => Promise<R>,
  prepare: () => Promise<void> = async () => {},
): Promise<R[] | null> {
  const mode = process.argv.find((a) => a.startsWith('--mode='))?.split('=')[1];
  if (mode) {
    console.log(`RESULT ${JSON.stringify(await child(mode))}`);
    return null;
  }
  await prepare();
  return modes.map((m) => {
    const args = [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), `--mode=${m}`];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`${label}: the ${m} run failed: ${r.stderr.slice(-2000)}`);
    return JSON.parse(line.slice(7)) as R;
  });
}
