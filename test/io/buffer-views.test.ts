import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { Interactions } from '../../src/data/interactions.js';
import { BPR, loadRecommender, saveRecommender } from '../../src/models/index.js';

/**
 * Regression: a Node Buffer (or any Uint8Array view) shares a larger ArrayBuffer, so reading
 * `view.slice(...).buffer` or `view.buffer` without the byteOffset reads someone else's bytes.
 * Every loader must honour the view's offset.
 */
const dir = mkdtempSync(join(tmpdir(), 'attune-views-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `bytes` copied into a larger buffer at offset 13 (odd, so no accidental alignment), with junk around. */
function atOffset(bytes: Uint8Array): Uint8Array {
  const big = new Uint8Array(bytes.length + 40).fill(0xab);
  big.set(bytes, 13);
  return big.subarray(13, 13 + bytes.length);
}

describe('loading from views at a non-zero byte offset', () => {
  it('parseSafetensors reads the view, not its backing buffer', async () => {
    const bytes = await at.serializeSafetensors({
      w: at.tensor([1.5, -2, 3.25]),
      i: at.tensor(new Int32Array([7, -9])),
    });
    const view = atOffset(bytes);
    expect(view.byteOffset).toBe(13);
    const pooled = Buffer.concat([Buffer.alloc(7, 1), Buffer.from(bytes)]).subarray(7);
    for (const source of [view, pooled]) {
      const back = at.parseSafetensors(source);
      expect(Array.from(back.tensors.w!.data)).toEqual([1.5, -2, 3.25]);
      expect(Array.from(back.tensors.i!.data)).toEqual([7, -9]);
    }
  });

  it('at.load of a file read with readFileSync (a pooled Buffer) rebuilds the same module', async () => {
    const m = new at.nn.Linear(3, 2, { seed: 3 });
    const path = join(dir, 'lin.safetensors');
    await at.save(m, path);
    const buf = readFileSync(path);
    for (const source of [buf, atOffset(buf), Buffer.concat([Buffer.alloc(5), buf]).subarray(5)]) {
      const back = (await at.load(source)) as at.nn.Linear;
      expect(Array.from(await back.weight.data())).toEqual(Array.from(await m.weight.data()));
      back.dispose();
    }
    m.dispose();
  });

  it('loadRecommender of a Buffer at an offset gives the saved top items', async () => {
    const users: number[] = [];
    const items: number[] = [];
    for (let u = 0; u < 30; u++)
      for (let k = 0; k < 6; k++) {
        users.push(u);
        items.push((u * 7 + k * 3) % 40);
      }
    const data = Interactions.fromArrays({ users, items }, { duplicates: 'last' });
    const model = await new BPR({ factors: 8, epochs: 3, seed: 1 }).fit(data);
    const path = join(dir, 'bpr.safetensors');
    writeFileSync(path, saveRecommender(model));
    const want = (await model.recommend(0, { k: 5 })).map((r) => r.item);
    for (const source of [readFileSync(path), atOffset(readFileSync(path))]) {
      const back = loadRecommender(source);
      expect((await back.recommend(0, { k: 5 })).map((r) => r.item)).toEqual(want);
    }
  });
});
