// `npm run fuzz`: every fuzzer with ATTUNE_FUZZ_RUNS cases (default 10,000), one after another,
// printing a table of fuzzer, cases and crashes (a crash is a case that broke the contract).
import { allFuzzers } from './fuzzers.js';

const runs = Number(process.env.ATTUNE_FUZZ_RUNS ?? 10_000);
const only = process.argv[2];
const rows: [string, number, number, string][] = [];
for (const f of allFuzzers()) {
  if (only && !f.name.includes(only)) continue;
  const t0 = performance.now();
  let crashes = 0;
  let note = '';
  try {
    await f.run(runs);
  } catch (e) {
    crashes = 1;
    note =
      (e as Error).message.split('\n').slice(0, 4).join(' | ') +
      ` | cause: ${String((e as Error).cause).slice(0, 300)}`;
  }
  rows.push([f.name, runs, crashes, `${((performance.now() - t0) / 1000).toFixed(1)} s ${note}`]);
  console.log(`| ${rows.at(-1)!.join(' | ')} |`);
}
console.log('\n| parser or loader | cases | crashes | time |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
process.exit(rows.some((r) => r[2] > 0) ? 1 : 0);
