/**
 * Runs the named benchmarks one after another in this process and prints their tables:
 *
 *   npm run bench                          # every benchmark that exists
 *   npm run bench -- matmul softmax        # just these
 *   npm run bench -- matmul --sizes=256,512
 *
 * (npm run bench = node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/run.ts;
 * set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json for WebGPU without a GPU.)
 *
 * A name selects benchmarks/<name>.ts and every benchmarks/<name>-*.ts (movielens ->
 * movielens.ts, movielens-ranking.ts, movielens-throughput.ts). Each file is imported dynamically; if it exports `run` (or
 * `main`), that is called with the `--` flags and may return its markdown (a string or
 * `{ markdown }`); a file that runs itself on import is left to do so. When nothing is returned,
 * the table it wrote to bench-results/<stem>.md during this run is printed. Names whose files
 * do not exist are reported and skipped; a failing benchmark does not stop the others.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_ORDER = ['matmul', 'softmax', 'elementwise', 'lstm', 'attention', 'movielens'];
const NOT_BENCHMARKS = new Set(['harness', 'run', 'wgsl-loader', 'contenders', 'side-by-side', 'telco']);

/** Files for one name: <name>.ts followed by every <name>-*.ts, sorted. */
function filesFor(name: string): string[] {
  const exact = existsSync(path.join(HERE, `${name}.ts`)) ? [path.join(HERE, `${name}.ts`)] : [];
  const family = readdirSync(HERE)
    .filter((f) => f.endsWith('.ts') && f.startsWith(`${name}-`) && !NOT_BENCHMARKS.has(f.slice(0, -3)))
    .sort()
    .map((f) => path.join(HERE, f));
  return [...exact, ...family];
}

type Runner = (argv: string[]) => unknown;

function markdownOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { markdown?: unknown }).markdown === 'string') {
    return (value as { markdown: string }).markdown;
  }
  return undefined;
}

async function runFile(file: string, flags: string[]): Promise<string> {
  const stem = path.basename(file, '.ts');
  const started = Date.now();
  const mod = (await import(pathToFileURL(file).href)) as { run?: Runner; main?: Runner };
  const fn = typeof mod.run === 'function' ? mod.run : typeof mod.main === 'function' ? mod.main : undefined;
  const returned = fn ? await fn(flags) : undefined;
  const md = markdownOf(returned);
  if (md) return md;
  const written = path.resolve(process.cwd(), 'bench-results', `${stem}.md`);
  if (existsSync(written) && statSync(written).mtimeMs >= started - 1000)
    return readFileSync(written, 'utf8').trimEnd();
  return `# ${stem}\n\n(no table returned or written to bench-results/${stem}.md)`;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const flags = args.filter((a) => a.startsWith('--'));
  const names = args.filter((a) => !a.startsWith('--'));
  const requested = names.length > 0 ? names : DEFAULT_ORDER;
  const tables: string[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of requested) {
    const files = filesFor(name).filter((f) => !seen.has(f));
    if (files.length === 0) {
      const msg = `${name}: no benchmarks/${name}.ts or benchmarks/${name}-*.ts; skipped`;
      if (names.length > 0) problems.push(msg);
      console.error(msg);
      continue;
    }
    for (const file of files) {
      seen.add(file);
      const label = path.relative(process.cwd(), file);
      console.error(`\n=== ${label} ===`);
      const t0 = performance.now();
      try {
        tables.push(await runFile(file, flags));
        console.error(`=== ${label}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s ===`);
      } catch (e) {
        const msg = `${label} failed: ${(e as Error).stack ?? String(e)}`;
        problems.push(msg);
        console.error(msg);
      }
    }
  }
  console.log(`\n${tables.join('\n\n')}`);
  if (problems.length > 0) console.log(`\nProblems:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  console.log('\nJSON and markdown for each benchmark are in bench-results/.');
  return problems.length > 0 ? 1 : 0;
}

// Dawn (WebGPU) keeps the process alive while a device is open, so exit explicitly.
process.exit(await main());
