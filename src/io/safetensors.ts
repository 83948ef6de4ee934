import { DataError, ShapeError, fmtShape, fmtValue } from '../core/errors.js';
import type { DType, TypedArray } from '../core/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON ({ name: { dtype, shape, data_offsets: [begin, end] } } plus an
 * optional "__metadata__" of string values), then the raw little-endian tensor bytes, offsets
 * relative to the end of the header. Files written here load in Python's safetensors and back.
 */

/** One tensor's raw data, as parsed or as to be written. */
export interface RawTensor {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

const TO_ST: Record<DType, string> = { float32: 'F32', int32: 'I32', float64: 'F64' };
/**
 * Stored dtypes this reader takes: the three attune writes, and F16 and BF16 (what PyTorch
 * users export), which widen to float32. A Map, so a dtype such as "constructor" is not found
 * on Object.prototype.
 */
const FROM_ST = new Map<string, { dtype: DType; bytes: number; widen?: (b: Uint8Array) => Float32Array }>([
  ['F32', { dtype: 'float32', bytes: 4 }],
  ['I32', { dtype: 'int32', bytes: 4 }],
  ['F64', { dtype: 'float64', bytes: 8 }],
  ['F16', { dtype: 'float32', bytes: 2, widen: (b) => widen16(b, halfToFloat) }],
  ['BF16', { dtype: 'float32', bytes: 2, widen: (b) => widen16(b, bfloatToFloat) }],
]);
const BYTES: Record<DType, number> = { float32: 4, int32: 4, float64: 8 };
/** Refuse absurd headers before allocating for them (safetensors itself caps at 100 MB). */
const MAX_HEADER = 100_000_000;

/** Encodes tensors (already read to the host) and string metadata into safetensors bytes. */
export function encodeSafetensors(
  tensors: Record<string, RawTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new DataError('serializeSafetensors: "__metadata__" cannot be a tensor name');
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new ShapeError(
        `serializeSafetensors: '${name}' has shape ${fmtShape(t.shape)} but ${t.data.length} values`,
      );
    const bytes = n * BYTES[t.dtype];
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the body starts 8-byte aligned, as the reference writer does.
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const pad = (8 - ((8 + hb.length) % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    hb = enc.encode(json);
  }
  const out = new Uint8Array(8 + hb.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let pos = 8 + hb.length;
  for (const t of Object.values(tensors)) {
    const b = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    if (isLittleEndian) out.set(b, pos);
    else writeSwapped(out, pos, t);
    pos += b.length;
  }
  return out;
}

/**
 * Parses and fully validates safetensors bytes: header length, JSON, dtypes, shapes against
 * byte ranges, ranges inside the body, no overlaps or holes. Throws a DataError naming the
 * problem; returns nothing partial. The typed arrays are copies (aligned, owned).
 */
export function parseSafetensors(bytes: Uint8Array): {
  tensors: Record<string, RawTensor>;
  metadata: Record<string, string>;
} {
  if (!(bytes instanceof Uint8Array)) throw new DataError('parseSafetensors: expected a Uint8Array');
  if (bytes.length < 8)
    throw new DataError(`parseSafetensors: ${bytes.length} bytes is too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER))
    throw new DataError(`parseSafetensors: header length ${n64} is implausible (bad header or not a safetensors file)`);
  const n = Number(n64);
  if (8 + n > bytes.length)
    throw new DataError(
      `parseSafetensors: header length ${n} runs past the end of the ${bytes.length}-byte input (truncated file?)`,
    );
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new DataError(`parseSafetensors: the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new DataError('parseSafetensors: the header must be a JSON object');
  const body = bytes.subarray(8 + n);
  // Null-prototype records: a tensor or key named "__proto__" stays an ordinary entry.
  const metadata: Record<string, string> = Object.create(null);
  const entries: [string, NonNullable<ReturnType<typeof FROM_ST.get>>, number[], number, number][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw new DataError('parseSafetensors: __metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string')
          throw new DataError(`parseSafetensors: __metadata__ key ${fmtValue(k)} must be a string; got ${typeof v}`);
        metadata[k] = v;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null)
      throw new DataError(`parseSafetensors: entry ${fmtValue(name)} is not an object`);
    const stored = typeof e.dtype === 'string' ? FROM_ST.get(e.dtype) : undefined;
    if (!stored)
      throw new DataError(
        `parseSafetensors: ${fmtValue(name)} has dtype ${fmtValue(e.dtype)}; supported: ${[...FROM_ST.keys()].join(', ')}`,
      );
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new DataError(
        `parseSafetensors: ${fmtValue(name)} has shape ${fmtValue(e.shape)}; expected an array of non-negative integers`,
      );
    }
    const off = e.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      off[1] < off[0]
    ) {
      throw new DataError(
        `parseSafetensors: ${fmtValue(name)} has data_offsets ${fmtValue(off)}; expected [begin, end] with begin <= end`,
      );
    }
    const shape = e.shape as number[];
    const expected = shape.reduce((a, b) => a * b, 1) * stored.bytes;
    if (off[1] - off[0] !== expected) {
      throw new DataError(
        `parseSafetensors: ${fmtValue(name)} (${e.dtype} ${fmtValue(shape)}) needs ${expected} bytes but data_offsets cover ${off[1] - off[0]}`,
      );
    }
    if (off[1] > body.length) {
      throw new DataError(
        `parseSafetensors: ${fmtValue(name)} ends at byte ${off[1]} of a ${body.length}-byte body (truncated file?)`,
      );
    }
    entries.push([name, stored, shape, off[0], off[1]]);
  }
  const sorted = [...entries].sort((a, b) => a[3] - b[3]);
  let end = 0;
  for (const [name, , , b, e] of sorted) {
    if (b !== end)
      throw new DataError(
        `parseSafetensors: ${fmtValue(name)} starts at byte ${b}; expected ${end} (${b < end ? 'overlapping' : 'a hole between'} tensors)`,
      );
    end = e;
  }
  if (end !== body.length)
    throw new DataError(
      `parseSafetensors: the tensors cover ${end} bytes but the body has ${body.length} (trailing bytes)`,
    );
  const tensors: Record<string, RawTensor> = Object.create(null);
  for (const [name, stored, shape, b, e] of entries) {
    // A fresh copy, never `body.slice(...).buffer`: on a Node Buffer, slice is a view into a
    // shared pool and `.buffer` would start at the pool's byte 0, not at this tensor.
    const copy = new Uint8Array(e - b);
    copy.set(body.subarray(b, e));
    const { dtype } = stored;
    const data = stored.widen
      ? stored.widen(copy)
      : isLittleEndian
        ? makeArray(dtype, copy.buffer)
        : readSwapped(dtype, copy);
    tensors[name] = { dtype, shape, data };
  }
  return { tensors, metadata };
}

/** Reads every tensor to the host (awaiting GPU readbacks) and encodes them. */
export async function serializeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Promise<Uint8Array> {
  const raw: Record<string, RawTensor> = {};
  for (const [name, t] of Object.entries(tensors))
    raw[name] = { dtype: t.dtype, shape: [...t.shape], data: await t.data() };
  return encodeSafetensors(raw, metadata);
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function makeArray(dtype: DType, buf: ArrayBufferLike): TypedArray {
  return dtype === 'float32' ? new Float32Array(buf) : dtype === 'int32' ? new Int32Array(buf) : new Float64Array(buf);
}

function writeSwapped(out: Uint8Array, pos: number, t: RawTensor): void {
  const v = new DataView(out.buffer, out.byteOffset + pos);
  t.data.forEach((x, i) => {
    if (t.dtype === 'float32') v.setFloat32(i * 4, x, true);
    else if (t.dtype === 'int32') v.setInt32(i * 4, x, true);
    else v.setFloat64(i * 8, x, true);
  });
}

function readSwapped(dtype: DType, b: Uint8Array): TypedArray {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length / BYTES[dtype];
  const out = makeArray(dtype, new ArrayBuffer(b.length));
  for (let i = 0; i < n; i++)
    out[i] =
      dtype === 'float32'
        ? v.getFloat32(i * 4, true)
        : dtype === 'int32'
          ? v.getInt32(i * 4, true)
          : v.getFloat64(i * 8, true);
  return out;
}

/** 16-bit little-endian words widened to float32 by `convert`. */
function widen16(b: Uint8Array, convert: (h: number) => number): Float32Array {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float32Array(b.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = convert(v.getUint16(i * 2, true));
  return out;
}

/** IEEE 754 half precision: 1 sign, 5 exponent, 10 mantissa bits (subnormals, inf, NaN kept). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const bf16Word = new Uint32Array(1);
const bf16Float = new Float32Array(bf16Word.buffer);
/** bfloat16 is the top half of a float32. */
function bfloatToFloat(h: number): number {
  bf16Word[0] = h << 16;
  return bf16Float[0]!;
}
