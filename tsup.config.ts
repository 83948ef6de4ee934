import { defineConfig, type Options } from 'tsup';

// Node built-ins the library loads lazily (file paths in the CSV readers and at.save/at.load).
// The browser build replaces them with a module that fails on use with a clear message, so a
// bundler for the browser never sees a Node import and a page gets a readable error instead.
const NODE_BUILTIN = /^(node:)?(fs|fs\/promises|url|path|os|worker_threads)$/;

const nodeStub: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'attune-node-stub',
  setup(build) {
    build.onResolve({ filter: NODE_BUILTIN }, (args) => ({ path: args.path, namespace: 'attune-node-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'attune-node-stub' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(
        `attune: ${args.path} is Node-only; in a browser pass data as { text }, bytes or a stream instead of a file path`,
      )});`,
      loader: 'js',
    }));
  },
};

const shared = {
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  target: 'es2022',
  loader: { '.wgsl': 'text' },
  // ndarray is small and bundled, so the builds load in a browser without an import map.
  noExternal: ['ndarray'],
} satisfies Options;

export default defineConfig([
  {
    // Node (the `node` export condition) and the CLI.
    ...shared,
    entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
    format: ['esm', 'cjs'],
    dts: { entry: { index: 'src/index.ts' } },
    clean: true,
    platform: 'neutral',
    // Optional and Node-only packages stay external: they are loaded lazily at run time.
    external: ['webgpu', 'gpu.js', /^node:/],
  },
  {
    // Browsers and bundlers (the `browser` and `default` conditions): no Node import anywhere,
    // and one file per source module so a bundler drops the modules an app does not import
    // (package.json says sideEffects: false).
    ...shared,
    entry: ['src/**/*.ts', '!src/cli/**', '!src/**/*.d.ts'],
    outDir: 'dist/browser',
    format: ['esm'],
    platform: 'browser',
    bundle: true,
    splitting: true,
    external: ['webgpu', 'gpu.js', 'vega', 'vega-lite'],
    // The small dependencies are bundled in, so a page can load dist/browser/index.js with no
    // bundler and no import map; the big lazy ones (vega for at.report, the optional backends)
    // stay imports a bundler resolves.
    noExternal: ['ndarray', 'hyparquet', 'hyparquet-writer', 'protobufjs'],
    // tsup would otherwise strip `node:` and mark the built-ins external before the stub sees them.
    removeNodeProtocol: false,
    esbuildPlugins: [nodeStub],
  },
]);
