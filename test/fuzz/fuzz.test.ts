import { describe, it } from 'vitest';
import { allFuzzers } from './fuzzers.js';

/**
 * Every parser and loader under fast-check: a few hundred cases each here (CI);
 * `npm run fuzz` runs the same fuzzers with ATTUNE_FUZZ_RUNS=10000.
 */
const runs = Number(process.env.ATTUNE_FUZZ_RUNS ?? 200);
// CI replays a fixed seed so a run is reproducible; npm run fuzz draws a new one each time.
process.env.ATTUNE_FUZZ_SEED ??= '1';

describe(`fuzzing (${runs} cases per fuzzer)`, () => {
  for (const f of allFuzzers()) it(f.name, { timeout: Math.max(120_000, runs * 200) }, () => f.run(runs));
});
