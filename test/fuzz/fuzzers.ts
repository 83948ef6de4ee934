import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as at from '../../src/index.js';
import { MODEL_TYPES, type ModelType, fingerprint, makeModel } from '../io/model-zoo.js';

/**
 * fast-check fuzzers for every parser and loader. The contract each checks: the call either
 * returns a correct result (checked against an oracle where one exists) or throws an
 * AttuneError with a short message; never another exception and never a hang (each case is
 * timed out). `runs` is the number of cases; `npm run fuzz` sets ATTUNE_FUZZ_RUNS=10000.
 */
export interface Fuzzer {
  name: string;
  run(runs: number): Promise<void>;
}

/** Longest message an AttuneError may carry: messages name a few values, never whole inputs (loadStateDict lists every mismatched parameter, so a whole small model fits). */
const MAX_MESSAGE = 4000;
/** Per-case limit: a parser that loops on some input fails the case instead of hanging the run. */
const CASE_MS = 5000;

/** Runs `f`; an AttuneError with a bounded message is an allowed outcome, anything else is rethrown. */
async function allowed<T>(f: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof at.AttuneError)) throw e;
    if (e.message.length > MAX_MESSAGE)
      throw new Error(`message of ${e.message.length} chars: ${e.message.slice(0, 200)}…`);
    return undefined;
  }
}

function settings(runs: number, seed?: number): fc.Parameters<unknown> {
  return { numRuns: runs, timeout: CASE_MS, ...(seed === undefined ? {} : { seed }) };
}

async function check<Ts extends unknown[]>(
  runs: number,
  arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  body: (...args: Ts) => Promise<void>,
): Promise<void> {
  const prop = fc.asyncProperty(...(arbs as unknown as [fc.Arbitrary<unknown>]), ((...args: Ts) =>
    body(...args)) as never);
  const seed = process.env.ATTUNE_FUZZ_SEED;
  await fc.assert(prop, settings(runs, seed === undefined ? undefined : Number(seed)) as fc.Parameters<[unknown]>);
}

// ---- safetensors -----------------------------------------------------------------------------

const enc = new TextEncoder();

/** A file from a header object (serialized as given) and a body. */
function stFile(header: unknown, body: Uint8Array, headerLength?: bigint): Uint8Array {
  const h = enc.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + body.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(body, 8 + h.length);
  return out;
}

/** A parse that succeeded must be self-consistent: every tensor's length is its shape's product. */
function checkParsed(r: ReturnType<typeof at.parseSafetensors> | undefined): void {
  if (!r) return;
  for (const [name, t] of Object.entries(r.tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new Error(`tensor ${name}: ${t.data.length} values for shape ${t.shape}`);
  }
}

const validTensors = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== '__metadata__'),
  fc.oneof(
    fc.float32Array({ maxLength: 12 }).map((d) => ({ dtype: 'float32' as const, shape: [d.length], data: d })),
    fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 12 }).map((a) => ({
      dtype: 'int32' as const,
      shape: [a.length],
      data: Int32Array.from(a),
    })),
    fc.float64Array({ maxLength: 6 }).map((d) => ({ dtype: 'float64' as const, shape: [d.length], data: d })),
  ),
  { maxKeys: 5 },
);

const dtypeName = fc.oneof(
  fc.constantFrom(
    'F32',
    'I32',
    'F64',
    'F16',
    'BF16',
    'I64',
    'U8',
    'BOOL',
    'f32',
    '',
    'constructor',
    '__proto__',
    'toString',
  ),
  fc.string({ maxLength: 5 }),
  fc.anything({ maxDepth: 1 }),
);
const dim = fc.oneof(
  fc.integer({ min: 0, max: 6 }),
  fc.constantFrom(-1, 1.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE, 1e308),
  fc.anything({ maxDepth: 0 }),
);
const offset = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.constantFrom(-8, 0.5, 2 ** 32, 2 ** 53, 2 ** 64, 1e300),
  fc.anything({ maxDepth: 0 }),
);
const headerEntry = fc.record(
  {
    dtype: dtypeName,
    shape: fc.oneof(fc.array(dim, { maxLength: 4 }), fc.anything({ maxDepth: 1 })),
    data_offsets: fc.oneof(fc.tuple(offset, offset), fc.array(offset, { maxLength: 3 }), fc.anything({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);
const header = fc.dictionary(
  fc.oneof(fc.constantFrom('__metadata__', '__proto__', 'constructor', 'w', 'b'), fc.string({ maxLength: 6 })),
  fc.oneof(
    headerEntry,
    fc.dictionary(fc.string({ maxLength: 4 }), fc.anything({ maxDepth: 1 })),
    fc.anything({ maxDepth: 1 }),
  ),
  { maxKeys: 4 },
);

export const safetensorsFuzzers: Fuzzer[] = [
  {
    name: 'parseSafetensors: random bytes',
    run: (runs) =>
      check(runs, [fc.uint8Array({ maxLength: 300 })], async (bytes) => {
        checkParsed(await allowed(() => at.parseSafetensors(bytes)));
      }),
  },
  {
    name: 'parseSafetensors: random headers (dtypes, shapes, offsets, names)',
    run: (runs) =>
      check(runs, [header, fc.uint8Array({ maxLength: 96 })], async (h, body) => {
        checkParsed(await allowed(() => at.parseSafetensors(stFile(h, body))));
      }),
  },
  {
    name: 'parseSafetensors: header lengths up to 2^64-1',
    run: (runs) =>
      check(
        runs,
        [
          validTensors,
          fc.oneof(
            fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
            fc.constantFrom(2n ** 64n - 1n, 2n ** 63n, 100_000_001n, 0n),
          ),
        ],
        async (tensors, len) => {
          const good = at.encodeSafetensors(tensors);
          new DataView(good.buffer).setBigUint64(0, len, true);
          checkParsed(await allowed(() => at.parseSafetensors(good)));
        },
      ),
  },
  {
    name: 'parseSafetensors: round trip, truncation and view offsets',
    run: (runs) =>
      check(runs, [validTensors, fc.nat(), fc.nat({ max: 15 })], async (tensors, cutAt, pad) => {
        const bytes = at.encodeSafetensors(tensors, { k: 'v' });
        // At an offset inside a larger buffer: the result must be the original, bit for bit (NaN payloads too).
        const big = new Uint8Array(bytes.length + pad * 2).fill(0xee);
        big.set(bytes, pad);
        const back = at.parseSafetensors(big.subarray(pad, pad + bytes.length));
        for (const [name, t] of Object.entries(tensors)) {
          const b = back.tensors[name]!;
          const same = (x: ArrayBufferView) => Array.from(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)).join();
          if (b.dtype !== t.dtype || same(b.data) !== same(t.data)) throw new Error(`round trip changed ${name}`);
        }
        const cut = cutAt % (bytes.length + 1);
        if (cut === bytes.length) return;
        try {
          at.parseSafetensors(bytes.subarray(0, cut));
        } catch (e) {
          if (e instanceof at.DataError) return;
          throw e;
        }
        // A cut that still parses can only be the trailing zero-byte tensors; never a silent partial read.
        if (Object.values(tensors).some((t) => t.data.length > 0)) throw new Error(`a file cut at ${cut} parsed`);
      }),
  },
  {
    name: 'parseSafetensors: overlapping or out-of-range offsets',
    run: (runs) =>
      check(
        runs,
        [
          fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), {
            minLength: 1,
            maxLength: 4,
          }),
          fc.integer({ min: 0, max: 48 }),
        ],
        async (ranges, bodyLength) => {
          const h: Record<string, unknown> = {};
          ranges.forEach(([b, e], i) => {
            h[`t${i}`] = { dtype: 'F32', shape: [Math.max(0, (e - b) / 4)], data_offsets: [b, e] };
          });
          const r = await allowed(() => at.parseSafetensors(stFile(h, new Uint8Array(bodyLength))));
          checkParsed(r);
          if (!r) return;
          // Accepted only if the ranges tile the body exactly.
          const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
          let end = 0;
          for (const [b, e] of sorted) {
            if (b !== end || e < b || (e - b) % 4) throw new Error(`accepted ranges ${JSON.stringify(ranges)}`);
            end = e;
          }
          if (end !== bodyLength) throw new Error('accepted a body with trailing bytes');
        },
      ),
  },
];

// ---- CSV -------------------------------------------------------------------------------------

const csvChar = fc.constantFrom(
  'a',
  'b',
  '1',
  '2',
  '.',
  '-',
  'e',
  ',',
  ',',
  '"',
  '"',
  '\n',
  '\r',
  ' ',
  '\t',
  ':',
  'é',
  '\uFEFF',
  '5',
);
const csvText = fc.oneof(
  fc.array(csvChar, { maxLength: 120 }).map((a) => a.join('')),
  fc.string({ maxLength: 80, unit: 'binary' }),
);

/** `text` split into chunks at `cuts`, as strings or UTF-8 bytes (which may split a character). */
function chunked(text: string, cuts: number[], bytes: boolean): AsyncIterable<string | Uint8Array> {
  const data = bytes ? enc.encode(text) : text;
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  return (async function* () {
    let prev = 0;
    for (const p of [...points, data.length]) {
      yield data.slice(prev, p);
      prev = p;
    }
  })();
}

/** Outcome of a call as comparable text: the result, or the error class and message. */
async function outcome(f: () => Promise<unknown>, show: (r: never) => unknown): Promise<string> {
  try {
    return JSON.stringify(show((await f()) as never));
  } catch (e) {
    if (!(e instanceof at.AttuneError)) throw e;
    if (e.message.length > MAX_MESSAGE) throw new Error(`message of ${e.message.length} chars`);
    return `${e.name}`;
  }
}

const showTable = (t: at.data.CsvTable) => [t.header, t.columns, Array.from(t.lines)];
const showInteractions = (d: at.data.Interactions) => [
  d.length,
  d.userIds.toJSON(),
  d.itemIds.toJSON(),
  Array.from(d.users),
  Array.from(d.items),
  Array.from(d.values),
];

export const csvFuzzers: Fuzzer[] = [
  {
    name: 'readCsvTable: random text, any chunking (strings or split UTF-8 bytes)',
    run: (runs) =>
      check(
        runs,
        [csvText, fc.array(fc.nat(), { maxLength: 4 }), fc.boolean(), fc.constantFrom(',', '\t', '::', 'whitespace')],
        async (text, cuts, bytes, delimiter) => {
          const whole = await outcome(() => at.data.readCsvTable({ text }, { delimiter }), showTable);
          const parts = await outcome(() => at.data.readCsvTable(chunked(text, cuts, bytes), { delimiter }), showTable);
          if (whole !== parts)
            throw new Error(`chunking changed the result: ${whole.slice(0, 200)} vs ${parts.slice(0, 200)}`);
        },
      ),
  },
  {
    name: 'readInteractionsCsv: random rows, any chunking',
    run: (runs) =>
      check(
        runs,
        [
          fc.array(
            fc.tuple(
              csvText,
              csvText,
              fc.oneof(fc.double(), fc.constantFrom('', 'NaN', 'inf', '1e400', '3', '-0')).map(String),
            ),
            {
              maxLength: 8,
            },
          ),
          fc.array(fc.nat(), { maxLength: 3 }),
          fc.constantFrom<'string' | 'number'>('string', 'number'),
          fc.constantFrom<at.data.DuplicatePolicy>('error', 'sum', 'keep', 'last'),
        ],
        async (rows, cuts, ids, duplicates) => {
          const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
          const text = `user,item,rating\n${rows.map((r) => r.map(quote).join(',')).join('\n')}`;
          const options = { user: 'user', item: 'item', value: 'rating', ids, duplicates };
          const whole = await outcome(() => at.data.readInteractionsCsv({ text }, options), showInteractions);
          const parts = await outcome(
            () => at.data.readInteractionsCsv(chunked(text, cuts, false), options),
            showInteractions,
          );
          if (whole !== parts) throw new Error('chunking changed the result');
        },
      ),
  },
  {
    name: 'loadMovieLens: random files in each layout',
    run: async (runs) => {
      const dir = mkdtempSync(join(tmpdir(), 'attune-fuzz-ml-'));
      try {
        const line = fc.oneof(
          fc.tuple(fc.nat(50), fc.nat(50), fc.integer({ min: -1, max: 6 }), fc.nat()).map((t) => t.join('\t')),
          fc.tuple(fc.nat(50), fc.nat(50), fc.double(), fc.nat()).map((t) => t.join('::')),
          fc.tuple(fc.nat(50), fc.nat(50), fc.double(), fc.nat()).map((t) => t.join(',')),
          csvText,
        );
        let i = 0;
        await check(runs, [fc.array(line, { maxLength: 6 }), fc.boolean()], async (lines, csvHeader) => {
          const path = join(dir, `r${i++ % 8}.txt`);
          writeFileSync(path, `${csvHeader ? 'userId,movieId,rating,timestamp\n' : ''}${lines.join('\n')}`);
          await allowed(() => at.data.loadMovieLens(path));
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];

// ---- model files through at.load -----------------------------------------------------------

/** A random JSON path in `v` replaced by `next` (a copy); returns the value unchanged when `path` is empty. */
function mutate(v: unknown, path: number[], next: unknown): unknown {
  if (path.length === 0 || typeof v !== 'object' || v === null) return next;
  const keys = Object.keys(v);
  if (keys.length === 0) return next;
  const k = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(v) ? ([...v] as unknown as Record<string, unknown>) : { ...v };
  copy[k] = mutate((v as Record<string, unknown>)[k], path.slice(1), next);
  return copy;
}

const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    -1,
    0,
    0.5,
    1e9,
    2 ** 31,
    2 ** 53,
    -(2 ** 53),
    1e308,
    '',
    'x',
    [],
    {},
    { toString: 1 },
    { valueOf: 1 },
    [[]],
    ['a', 'a'],
    [1, 1],
    { ids: [] },
  ),
);

export function modelFuzzer(types: readonly ModelType[] = MODEL_TYPES): Fuzzer {
  return {
    name: `at.load: mutated configs and tensors of ${types.length} model types`,
    run: async (runs) => {
      const files = new Map<ModelType, { tensors: Record<string, at.RawTensor>; metadata: Record<string, string> }>();
      for (const type of types)
        files.set(type, at.parseSafetensors(await at.save((await makeModel(at, type)) as at.nn.Module)));
      await check(
        runs,
        [
          fc.constantFrom(...types),
          fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
          nasty,
          fc.constantFrom('config', 'config', 'drop', 'reshape', 'retype', 'nan'),
          fc.nat(),
        ],
        async (type, path, value, how, pick) => {
          if (process.env.ATTUNE_FUZZ_TRACE)
            appendFileSync(process.env.ATTUNE_FUZZ_TRACE, `${JSON.stringify([type, path, value, how, pick])}\n`);
          const { tensors, metadata } = files.get(type)!;
          const t2 = { ...tensors };
          const m2 = { ...metadata };
          const names = Object.keys(t2);
          const name = names[pick % Math.max(1, names.length)];
          if (how === 'config')
            m2['attune.config'] = JSON.stringify(mutate(JSON.parse(m2['attune.config']!), path, value));
          else if (name !== undefined) {
            const t = t2[name]!;
            if (how === 'drop') delete t2[name];
            if (how === 'reshape') t2[name] = { ...t, shape: [t.data.length] };
            if (how === 'retype')
              t2[name] =
                t.dtype === 'int32'
                  ? { ...t, dtype: 'float32', data: Float32Array.from(t.data) }
                  : { ...t, dtype: 'int32', data: Int32Array.from(t.data, (x) => x | 0) };
            if (how === 'nan' && t.dtype !== 'int32' && t.data.length > 0) {
              const d = t.data.slice();
              d[pick % d.length] = Number.NaN;
              t2[name] = { ...t, data: d };
            }
          }
          const model = await allowed(() => at.load<unknown>(at.encodeSafetensors(t2, m2)));
          // A file that loads must serve: predictions either work or fail with an AttuneError.
          if (model !== undefined) await allowed(() => fingerprint(at, model));
          if (model instanceof at.nn.Module) model.dispose();
        },
      );
    },
  };
}

export const allFuzzers = (): Fuzzer[] => [...safetensorsFuzzers, ...csvFuzzers, modelFuzzer()];
