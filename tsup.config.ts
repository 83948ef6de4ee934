import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  loader: { '.wgsl': 'text' },
  // Optional and Node-only packages stay external: they are loaded lazily at run time. ndarray is
  // small and bundled, so the ESM build loads in a browser without an import map.
  external: ['webgpu', 'gpu.js', /^node:/],
  noExternal: ['ndarray'],
});
