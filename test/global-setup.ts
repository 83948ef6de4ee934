import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * The package and browser tests use the built bundle, so build it once before any test file runs
 * (only when src/ or kernels/ changed since the last build).
 */
export default function setup(): void {
  if (process.env.ATTUNE_SKIP_BUILD === '1') return;
  const stale =
    !existsSync('dist/index.js') || Math.max(newest('src'), newest('kernels')) > statSync('dist/index.js').mtimeMs;
  if (stale) execSync('npx tsup', { stdio: 'inherit' });
}
