import { AttuneError, DataError } from '../core/errors.js';

/**
 * Where saved bytes go: `indexeddb://name` in browsers, anything else a file path (Node, via a
 * dynamic import of node:fs so the browser bundle never references it).
 */
const IDB_PREFIX = 'indexeddb://';
const DB_NAME = 'attune';
const STORE = 'models';

export async function writeBytes(target: string, bytes: Uint8Array): Promise<void> {
  if (target.startsWith(IDB_PREFIX)) return idbPut(target.slice(IDB_PREFIX.length), bytes);
  const fs = await nodeFs('save');
  await fs.writeFile(target, bytes);
}

export async function readBytes(source: string): Promise<Uint8Array> {
  if (source.startsWith(IDB_PREFIX)) return idbGet(source.slice(IDB_PREFIX.length));
  const fs = await nodeFs('load');
  try {
    const buf = await fs.readFile(source);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new DataError(`load: cannot read '${source}': ${(e as Error).message}`);
  }
}

async function nodeFs(op: string): Promise<typeof import('node:fs/promises')> {
  try {
    return await import('node:fs/promises');
  } catch {
    throw new AttuneError(
      `${op}: file paths need Node's fs; in a browser use an 'indexeddb://name' key or the bytes (serializeSafetensors)`,
    );
  }
}

function openDb(op: string): Promise<IDBDatabase> {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb)
    throw new AttuneError(
      `${op}: indexeddb:// needs IndexedDB, which this environment does not have; use a file path in Node`,
    );
  return new Promise((resolve, reject) => {
    const req = idb.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new AttuneError(`${op}: cannot open IndexedDB '${DB_NAME}': ${req.error?.message}`));
  });
}

async function idbPut(key: string, bytes: Uint8Array): Promise<void> {
  const db = await openDb('save');
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(bytes, key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(new AttuneError(`save: IndexedDB write of '${key}' failed: ${tx.error?.message}`));
  });
  db.close();
}

async function idbGet(key: string): Promise<Uint8Array> {
  const db = await openDb('load');
  const value = await new Promise<unknown>((resolve, reject) => {
    const req = db.transaction(STORE, 'readonly').objectStore(STORE).get(key);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new AttuneError(`load: IndexedDB read of '${key}' failed: ${req.error?.message}`));
  });
  db.close();
  if (!(value instanceof Uint8Array)) throw new DataError(`load: nothing saved under indexeddb://${key}`);
  return value;
}
