import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CROSS_ORIGIN_ISOLATED, FLAGS, browserMissing, fileUnder, servePages } from './chromium.js';

/**
 * The CPU backend's WebAssembly kernels on Web Workers in headless Chromium, from the built
 * browser bundle: a page served with COOP/COEP (crossOriginIsolated) runs matmul and attention
 * over 3 threads, bit for bit equal to one thread, and says so in the description; the same
 * page without those headers stays on one thread and gives the reason.
 */
const root = resolve(__dirname, '../..');
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as at from '/dist/browser/index.js';
import { backendByName } from '/dist/browser/backends/registry.js';
import { WasmKernels } from '/dist/browser/backends/wasm/index.js';
const data = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.618 + seed * 7.1) * 2);
const sameBits = (a, b) => {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
};
try {
  const info = await at.ready({ backend: 'cpu', cpuKernels: 'wasm', cpuThreads: 3 });
  const cpu = backendByName('cpu');
  // Through the public API: a ragged matmul over the threshold (2·200·300·260 = 31 MFLOP).
  const [a, b] = [data(200 * 260, 1), data(260 * 300, 2)];
  const viaApi = await at.tensor(a, { shape: [200, 260] }).matmul(at.tensor(b, { shape: [260, 300] })).data();
  const apiThreaded = cpu.wasm.runtime.threadedCalls;
  // The kernels directly: one thread against three, matmul (transposed B, bias, gelu) and attention.
  const one = new WasmKernels(1);
  const three = new WasmKernels(3);
  // Until startWorkers (at.ready) has run, one thread, saying when the workers come.
  const beforeStart = { threads: three.runtime.threads, reason: three.runtime.threadReason };
  await three.startWorkers();
  const mm = (k, transB) => {
    const info = { batch: 1, m: 200, n: 300, k: 260, transA: false, transB, aBatchStride: 0, bBatchStride: 0, activation: transB ? 'gelu' : 'none' };
    const out = new Float32Array(200 * 300);
    k.matmul(a, b, transB ? data(300, 3) : undefined, info, out);
    return out;
  };
  const ai = { bh: 6, heads: 3, tq: 128, tk: 128, d: 64, scale: 0.125, causal: true };
  const [q, kk, v, dOut] = [1, 2, 3, 4].map((s) => data(6 * 128 * 64, s));
  const mask = Int32Array.from({ length: 2 * 128 }, (_, i) => (i % 5 === 2 ? 1 : 0));
  const attn = (k) => {
    const out = new Float32Array(q.length), lse = new Float32Array(6 * 128);
    k.attentionForward(q, kk, v, mask, ai, out, lse);
    const g = { dq: new Float32Array(q.length), dk: new Float32Array(q.length), dv: new Float32Array(q.length) };
    k.attentionBackward({ dOut, out, lse, q, k: kk, v }, mask, ai, g);
    return [out, lse, g.dq, g.dk, g.dv];
  };
  const before = three.runtime.threadedCalls;
  const attnOne = attn(one);
  const mmThree = mm(three, false);
  const same = {
    api: sameBits(viaApi, mm(one, false)),
    matmul: sameBits(mmThree, mm(one, false)),
    matmulTransB: sameBits(mm(three, true), mm(one, true)),
    attention: attn(three).every((x, i) => sameBits(x, attnOne[i])),
  };
  // The unrolled MF (8 KB at 100 factors) and fused LSTM kernels, through the public API: the
  // page's main thread compiles them synchronously (Chromium refuses only modules over 8 MB there).
  const mf = new at.models.MatrixFactorization({ factors: 100, epochs: 1 });
  await mf.fit(at.data.Interactions.fromArrays({ users: [0, 1, 2, 0], items: [0, 1, 2, 2], values: [5, 3, 4, 1] }));
  const lstm = new at.nn.LSTM(8, 64, { seed: 1 });
  await lstm.forward(at.tensor(data(5 * 2 * 8, 5), { shape: [5, 2, 8] })).output.data();
  const onPage = { kernels: cpu.wasm.runtime.compiledKernels(), fallback: cpu.wasm.fallbackReason ?? null };
  window.__result = {
    isolated: crossOriginIsolated, description: info.description, apiThreaded, threads: three.runtime.threads, beforeStart,
    threadedCalls: three.runtime.threadedCalls - before, same, onPage, oneFallback: one.fallbackReason ?? null,
  };
  three.dispose();
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
}
</script>`;

let browser: Browser;
const servers: { url: string; close: () => void }[] = [];

beforeAll(async () => {
  if (browserMissing) return;
  const route = (path: string) => (path === '/' ? PAGE : fileUnder([join(root, 'dist')], join(root, path)));
  servers.push(await servePages(route, CROSS_ORIGIN_ISOLATED), await servePages(route));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

afterAll(async () => {
  await browser?.close();
  for (const s of servers) s.close();
});

async function runPage(url: string): Promise<Record<string, unknown>> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, {
    timeout: 120_000,
  });
  const result = await page.evaluate(() => (window as unknown as { __result: Record<string, unknown> }).__result);
  expect(errors).toEqual([]);
  expect(result.error).toBeUndefined();
  await page.close();
  return result;
}

/** Every kernel the page used compiled on its main thread: none fell back to TypeScript. */
function expectCompiledOnPage(r: Record<string, unknown>): void {
  expect(r.oneFallback).toBeNull();
  const onPage = r.onPage as { kernels: string[]; fallback: string | null };
  expect(onPage.fallback).toBeNull();
  expect(onPage.kernels).toEqual(expect.arrayContaining(['gemm:4x8', 'mf:100', 'lstm:64']));
}

// Skipped only off CI on a machine without Chromium (chromium.ts logs the path it looked for);
// with ATTUNE_REQUIRE_WEBGPU=1, as .ci/run sets, browserMissing is false and a missing browser fails.
describe.skipIf(browserMissing)('WebAssembly kernels on Web Workers (headless Chromium)', () => {
  it('a crossOriginIsolated page splits matmul and attention over 3 threads, bit for bit equal to one', async () => {
    const r = await runPage(servers[0]!.url);
    console.log(`isolated page: ${String(r.description)}`);
    expect(r.isolated).toBe(true);
    expect(r.description).toMatch(/WebAssembly SIMD.*; 3 threads for matmul and attention above 16 MFLOP\)/);
    expect(r.threads).toBe(3);
    expect(r.beforeStart).toEqual({ threads: 1, reason: '2 Web Workers start in await at.ready()' });
    // The public matmul ran threaded; so did the two matmuls and the attention forward and backward.
    expect(r.apiThreaded).toBe(1);
    expect(r.threadedCalls).toBe(4);
    expect(r.same).toEqual({ api: true, matmul: true, matmulTransB: true, attention: true });
    expectCompiledOnPage(r);
  }, 180_000);

  it('a page that is not crossOriginIsolated runs one thread and says why', async () => {
    const r = await runPage(servers[1]!.url);
    console.log(`plain page: ${String(r.description)}`);
    expect(r.isolated).toBe(false);
    expect(r.description).toMatch(
      /; 1 thread: the page is not crossOriginIsolated \(serve it with Cross-Origin-Opener-Policy/,
    );
    expect(r.threads).toBe(1);
    expect(r.beforeStart).toEqual({
      threads: 1,
      reason: expect.stringMatching(/^the page is not crossOriginIsolated/),
    });
    expect(r.apiThreaded).toBe(0);
    expect(r.threadedCalls).toBe(0);
    expect(r.same).toEqual({ api: true, matmul: true, matmulTransB: true, attention: true });
    expectCompiledOnPage(r);
  }, 180_000);
});
