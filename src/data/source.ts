import { DataError, ValueError } from '../core/errors.js';

/**
 * Where text comes from. The forms are explicit rather than guessed:
 * - a `string` or `URL` is a file path, read in chunks with Node's `fs` (Node only; the module
 *   is imported lazily, so browsers never load it);
 * - `{ text }` is the text itself (a fetched body, a test fixture);
 * - an `AsyncIterable` or a web `ReadableStream` of strings or bytes (UTF-8) is read as it
 *   arrives, for example `(await fetch(url)).body` or `fs.createReadStream(path)`.
 */
export type TextSource =
  | string
  | URL
  | {
      /** The CSV text itself. */
      text: string;
    }
  | AsyncIterable<string | Uint8Array>
  | ReadableStream<string | Uint8Array>;

/** Yields the text of `source` in chunks; `op` names the caller in errors. */
export async function* textChunks(source: TextSource, op: string): AsyncGenerator<string> {
  if (typeof source === 'string' || source instanceof URL) {
    yield* fileChunks(source, op);
    return;
  }
  if (source !== null && typeof source === 'object' && 'text' in source && typeof source.text === 'string') {
    yield source.text;
    return;
  }
  // ignoreBOM: the CSV parser drops one leading BOM itself, for text and bytes alike.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const decode = (chunk: unknown): string => {
    if (typeof chunk === 'string') return chunk;
    if (chunk instanceof Uint8Array) return decoder.decode(chunk, { stream: true });
    throw new ValueError(`${op}: stream chunks must be strings or Uint8Array; got ${typeof chunk}`);
  };
  if (isReadableStream(source)) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        yield decode(value);
      }
    } finally {
      reader.releaseLock();
    }
  } else if (source !== null && typeof source === 'object' && Symbol.asyncIterator in source) {
    for await (const chunk of source) yield decode(chunk);
  } else {
    throw new ValueError(
      `${op}: input must be a path (string or URL), { text }, an AsyncIterable or a ReadableStream; got ${describe(source)}`,
    );
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

function isReadableStream(x: unknown): x is ReadableStream<string | Uint8Array> {
  return x !== null && typeof x === 'object' && typeof (x as ReadableStream).getReader === 'function';
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

async function* fileChunks(path: string | URL, op: string): AsyncGenerator<string> {
  let fs: typeof import('node:fs/promises');
  try {
    fs = await import('node:fs/promises');
  } catch (cause) {
    throw new ValueError(`${op}: reading a path needs Node's fs; in a browser pass { text } or a ReadableStream`, {
      cause,
    });
  }
  let handle: Awaited<ReturnType<typeof fs.open>>;
  try {
    handle = await fs.open(path, 'r');
  } catch (cause) {
    throw new DataError(`${op}: cannot open ${String(path)}: ${(cause as Error).message}`, { cause });
  }
  try {
    // ignoreBOM: the CSV parser drops one leading BOM itself, for text and bytes alike.
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const buffer = new Uint8Array(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      yield decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
    }
    const tail = decoder.decode();
    if (tail) yield tail;
  } finally {
    await handle.close();
  }
}

/** Whether `path` names a directory (Node only); false for anything else or on error. */
export async function isDirectory(path: string | URL): Promise<boolean> {
  try {
    const fs = await import('node:fs/promises');
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}
