import { DataError, ValueError, fmtValue } from '../core/errors.js';
import { readBytes } from './store.js';

/**
 * Where `at.load` reads from: a file path (Node) or an `indexeddb://name` key (browsers), bytes
 * (a Uint8Array view at any offset, a Node Buffer, an ArrayBuffer), a Blob, or a fetch Response.
 */
export type ModelSource = string | Uint8Array | ArrayBuffer | Blob | Response;

/**
 * The bytes of `source` as a plain Uint8Array over exactly them. A view (a Node Buffer is one,
 * into a shared pool) keeps its byteOffset, so nothing reads the bytes around it.
 */
export async function sourceBytes(op: string, source: ModelSource): Promise<Uint8Array> {
  if (typeof source === 'string') return readBytes(source);
  if (source instanceof Uint8Array) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  const g = globalThis as { Blob?: typeof Blob; Response?: typeof Response };
  if (g.Response && source instanceof g.Response) {
    if (!source.ok)
      throw new DataError(
        `${op}: the response for ${fmtValue(source.url)} has status ${source.status}; no model to read`,
      );
    return new Uint8Array(await source.arrayBuffer());
  }
  if (g.Blob && source instanceof g.Blob) return new Uint8Array(await source.arrayBuffer());
  throw new ValueError(
    `${op}: source must be a path, a Uint8Array or Buffer, an ArrayBuffer, a Blob or a fetch Response; got ${fmtValue(source)}`,
  );
}
