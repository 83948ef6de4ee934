import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname } from 'node:path';

/** Headless Chromium for the browser tests: where it is, and whether a missing one skips or fails. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without chromium (a fresh clone on a bare machine) the pages cannot run: skip, saying why,
// unless CI requires WebGPU (ATTUNE_REQUIRE_WEBGPU=1), where a missing browser is a failure.
export const browserMissing = !existsSync(CHROMIUM) && process.env.ATTUNE_REQUIRE_WEBGPU !== '1';
if (browserMissing) console.log(`browser suite skipped: no chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);

/** Flags for headless Chromium with WebGPU on SwiftShader and no background traffic. */
export const FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--use-vulkan=swiftshader',
  '--enable-features=Vulkan',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/** Where tests keep screenshots (bench-results/ is ignored by git). */
export const ARTIFACTS = process.env.ATTUNE_ARTIFACTS ?? 'bench-results/test-artifacts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
};

/** The bytes of `file` when it lies under one of `dirs` and exists, else undefined (a 404). */
export function fileUnder(dirs: readonly string[], file: string): Buffer | undefined {
  return dirs.some((dir) => file.startsWith(dir)) && existsSync(file) ? readFileSync(file) : undefined;
}

/** The response headers that make a page `crossOriginIsolated` (SharedArrayBuffer, Web Workers over shared memory). */
export const CROSS_ORIGIN_ISOLATED = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/**
 * A local HTTP server for a test page on a free port: `route(path)` gives the body for a path
 * (query dropped), or undefined for a 404. The content type follows the extension; `/` is HTML.
 * `headers` go on every response (e.g. {@link CROSS_ORIGIN_ISOLATED}).
 */
export async function servePages(
  route: (path: string) => string | Uint8Array | undefined,
  headers: Record<string, string> = {},
): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = route(path);
    if (body === undefined) return void res.writeHead(404).end();
    const type = path === '/' ? 'text/html' : (CONTENT_TYPES[extname(path)] ?? 'application/octet-stream');
    res.writeHead(200, { ...headers, 'content-type': type }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`,
    close: () => server.close(),
  };
}
