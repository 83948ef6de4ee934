import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    {
      // WGSL kernels are imported as text, the same way tsup bundles them.
      name: 'wgsl-text',
      enforce: 'pre',
      load(id) {
        if (id.endsWith('.wgsl')) return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
        return null;
      },
    },
  ],
  resolve: {
    // Examples import 'attune' like a user would; tests run them against the source.
    alias: { attune: new URL('./src/index.ts', import.meta.url).pathname },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // CI reads the pass/fail counts from a JSON report (see .ci/run).
    reporters: process.env.ATTUNE_TEST_REPORT
      ? ['default', ['json', { outputFile: process.env.ATTUNE_TEST_REPORT }]]
      : ['default'],
  },
});
