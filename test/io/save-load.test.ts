import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

const { nn } = at;
const dir = mkdtempSync(join(tmpdir(), 'attune-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(seed: number): at.nn.Sequential {
  return new nn.Sequential([
    new nn.Linear(4, 6, { seed }),
    new nn.LayerNorm(6),
    new nn.Dropout(0.1),
    new nn.Linear(6, 2, { seed: seed + 10, bias: false }),
  ]);
}

describe('safetensors encoding', () => {
  it('writes the documented layout', () => {
    const bytes = at.parseSafetensors(
      // Hand-built file: header {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}
      (() => {
        const h = new TextEncoder().encode(
          '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}}',
        );
        const out = new Uint8Array(8 + h.length + 8);
        new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
        out.set(h, 8);
        new DataView(out.buffer).setFloat32(8 + h.length, 1.5, true);
        new DataView(out.buffer).setFloat32(12 + h.length, -2, true);
        return out;
      })(),
    );
    expect(bytes.metadata).toEqual({ k: 'v' });
    expect(bytes.tensors.a!.shape).toEqual([2]);
    expect(Array.from(bytes.tensors.a!.data)).toEqual([1.5, -2]);
  });

  it('round-trips F32, I32 and F64 with an 8-aligned body', async () => {
    const bytes = await at.serializeSafetensors(
      {
        x: at.tensor([[1, 2, 3]]),
        i: at.tensor(new Int32Array([7, -8])),
        d: at.tensor([Math.PI], { dtype: 'float64' }),
      },
      { note: 'hi' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.x).toEqual({ dtype: 'F32', shape: [1, 3], data_offsets: [0, 12] });
    expect(header.i.dtype).toBe('I32');
    const back = at.parseSafetensors(bytes);
    expect(Array.from(back.tensors.i!.data)).toEqual([7, -8]);
    expect(back.tensors.d!.data[0]).toBe(Math.PI);
    expect(back.metadata.note).toBe('hi');
  });

  it('rejects bad headers and truncated bodies with a DataError', async () => {
    const good = await at.serializeSafetensors({ x: at.ones([4]) });
    expect(() => at.parseSafetensors(good.subarray(0, 5))).toThrow(at.DataError);
    expect(() => at.parseSafetensors(good.subarray(0, good.length - 3))).toThrow(/truncated|trailing|cover/);
    const badLen = good.slice();
    new DataView(badLen.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => at.parseSafetensors(badLen)).toThrow(/header length/);
    const badJson = good.slice();
    badJson[9] = 0x7b;
    badJson[10] = 0x7b;
    expect(() => at.parseSafetensors(badJson)).toThrow(at.DataError);
    const enc = (h: string, body: number): Uint8Array => {
      const hb = new TextEncoder().encode(h);
      const out = new Uint8Array(8 + hb.length + body);
      new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
      out.set(hb, 8);
      return out;
    };
    expect(() => at.parseSafetensors(enc('{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', 8))).toThrow(
      /dtype/,
    );
    expect(() => at.parseSafetensors(enc('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', 8))).toThrow(
      /needs 12 bytes/,
    );
    expect(() => at.parseSafetensors(enc('{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', 12))).toThrow(
      /hole/,
    );
  });
});

for (const name of conformanceBackends()) {
  describe(`save and load on ${name}`, () => {
    onBackend(name);

    it('a file round trip rebuilds the module and gives bit-identical outputs', async () => {
      const m = model(1).eval();
      const x = at.randn([3, 4], { seed: 5 });
      const y = await m.forward(x).data();
      const path = join(dir, `m-${name}.safetensors`);
      await at.save(m, path);
      const loaded = (await at.load(path)) as at.nn.Sequential;
      loaded.eval();
      expect(loaded.namedParameters().map(([n]) => n)).toEqual(m.namedParameters().map(([n]) => n));
      expect(Array.from(await loaded.forward(x).data())).toEqual(Array.from(y));
      // The header is plain safetensors with PyTorch-style names.
      const bytes = readFileSync(path);
      const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
      const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
      expect(Object.keys(header).sort()).toEqual([
        '0.bias',
        '0.weight',
        '1.bias',
        '1.weight',
        '3.weight',
        '__metadata__',
      ]);
      expect(header['0.weight'].shape).toEqual([6, 4]);
      expect(header.__metadata__['attune.type']).toBe('Sequential');
      // module.load into an existing module, too.
      const other = model(99);
      await at.load(path, { into: other });
      expect(Array.from(await other.eval().forward(x).data())).toEqual(Array.from(y));
      for (const mm of [m, loaded, other]) mm.dispose();
    });

    it('mismatched shapes or a corrupt file leave the target untouched', async () => {
      const m = model(2);
      const before = await Promise.all(m.parameters().map((p) => p.data()));
      const wrong = new nn.Sequential([
        new nn.Linear(4, 5, { seed: 1 }),
        new nn.LayerNorm(5),
        new nn.Dropout(0.1),
        new nn.Linear(5, 2, { bias: false }),
      ]);
      const path = join(dir, `wrong-${name}.safetensors`);
      await at.save(wrong, path);
      await expect(at.load(path, { into: m })).rejects.toThrow(at.ShapeError);
      const truncated = join(dir, `trunc-${name}.safetensors`);
      const good = await at.save(model(3));
      writeFileSync(truncated, good.subarray(0, good.length - 10));
      await expect(at.load(truncated, { into: m })).rejects.toThrow(at.DataError);
      const after = await Promise.all(m.parameters().map((p) => p.data()));
      after.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(before[i]!)));
      await expect(at.load(join(dir, 'missing.safetensors'))).rejects.toThrow(at.DataError);
      m.dispose();
      wrong.dispose();
    });

    it('an embedding with paddingIdx and sparse survives the config round trip', async () => {
      const e = new nn.Embedding(10, 3, { sparse: true, paddingIdx: 0, seed: 4 });
      const bytes = await at.save(e);
      const back = (await at.load(bytes)) as at.nn.Embedding;
      expect(back.sparse).toBe(true);
      expect(back.paddingIdx).toBe(0);
      expect(Array.from(await back.weight.data())).toEqual(Array.from(await e.weight.data()));
    });
  });
}
