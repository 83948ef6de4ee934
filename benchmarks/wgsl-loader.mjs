// Lets Node (with tsx) import the WGSL kernels from source as text, as tsup and vitest do:
//   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/run.ts
import { register } from 'node:module';

const hook = `
import { readFile } from 'node:fs/promises';
export async function load(url, context, next) {
  if (url.endsWith('.wgsl')) {
    const text = await readFile(new URL(url), 'utf8');
    return { format: 'module', source: 'export default ' + JSON.stringify(text) + ';', shortCircuit: true };
  }
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
