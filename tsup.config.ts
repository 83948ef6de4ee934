import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  loader: { '.wgsl': 'text' },
  // Node-only and optional packages stay external: they are loaded lazily at run time.
  external: ['webgpu', 'gpu.js', 'ndarray', /^node:/],
});
