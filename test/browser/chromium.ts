import { existsSync } from 'node:fs';

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
