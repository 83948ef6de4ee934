import { ValueError, fmtValue } from '../../core/errors.js';
import type { Id } from '../idmap.js';

/** Options of {@link Pseudonymizer.create}. */
export interface PseudonymizerOptions {
  /**
   * A short public label of the key (e.g. `'2026-q4'`), written before every pseudonym as
   * `label:` so tables made with different keys are never joined by mistake; default none.
   */
  keyId?: string;
  /** Bytes of the HMAC kept, 8..32; default 16 (32 hex characters, collisions negligible below 10^15 ids). */
  bytes?: number;
}

const encoder = new TextEncoder();

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s)
    throw new ValueError(
      'Pseudonymizer: Web Crypto (globalThis.crypto.subtle) is not available; use Node ≥ 20 or a browser over HTTPS',
    );
  return s;
}

/**
 * Keyed pseudonymisation of customer ids: HMAC-SHA-256(key, id) in hex, through Web Crypto, so
 * Node and browsers give the same pseudonym for the same key and id. Without the key a pseudonym
 * cannot be reversed or recomputed from a guessed id (a plain hash of an email can be: hash
 * the guess and compare). Ids are taken as text (`7` and `'7'` give the same pseudonym).
 *
 * Key rotation: keep the raw ids only in the system of record. To rotate, create a new
 * Pseudonymizer with the new key and a new keyId, re-pseudonymise from the raw ids, and give
 * downstream tables {@link rotationMap} (old pseudonym → new) to re-key their rows without ever
 * seeing a raw id; then destroy the old key. The keyId prefix shows which key made a pseudonym.
 *
 * @example
 * const p = await at.privacy.Pseudonymizer.create(secretKeyBytes, { keyId: 'k2026' });
 * await p.pseudonymize('alice@example.com'); // 'k2026:3f1c...'
 */
export class Pseudonymizer {
  private readonly cache = new Map<string, string>();

  private constructor(
    private readonly key: CryptoKey,
    readonly keyId: string | undefined,
    readonly bytes: number,
  ) {}

  /**
   * Imports the key: at least 16 bytes (a Uint8Array, or a string of at least 16 characters,
   * UTF-8 encoded; random bytes are better than a passphrase).
   */
  static async create(key: Uint8Array | string, options: PseudonymizerOptions = {}): Promise<Pseudonymizer> {
    const op = 'Pseudonymizer.create';
    const raw = typeof key === 'string' ? encoder.encode(key) : key;
    if (!(raw instanceof Uint8Array) || raw.length < 16)
      throw new ValueError(
        `${op}: key must be at least 16 bytes; got ${raw instanceof Uint8Array ? `${raw.length} bytes` : typeof key}`,
      );
    const bytes = options.bytes ?? 16;
    if (!Number.isInteger(bytes) || bytes < 8 || bytes > 32)
      throw new ValueError(`${op}: bytes must be an integer in [8, 32]; got ${fmtValue(bytes)}`);
    if (options.keyId !== undefined && !/^[A-Za-z0-9._-]{1,32}$/.test(options.keyId))
      throw new ValueError(`${op}: keyId must be 1-32 characters of A-Z a-z 0-9 . _ -; got ${fmtValue(options.keyId)}`);
    const cryptoKey = await subtle().importKey('raw', Uint8Array.from(raw), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    return new Pseudonymizer(cryptoKey, options.keyId, bytes);
  }

  /** The pseudonym of one id. */
  async pseudonymize(id: Id): Promise<string> {
    if ((typeof id !== 'string' && typeof id !== 'number') || (typeof id === 'number' && !Number.isFinite(id)))
      throw new ValueError(`Pseudonymizer.pseudonymize: id must be a string or a finite number; got ${fmtValue(id)}`);
    const text = String(id);
    const hit = this.cache.get(text);
    if (hit !== undefined) return hit;
    const mac = new Uint8Array(await subtle().sign('HMAC', this.key, encoder.encode(text)));
    let hex = '';
    for (let i = 0; i < this.bytes; i++) hex += mac[i]!.toString(16).padStart(2, '0');
    const out = this.keyId === undefined ? hex : `${this.keyId}:${hex}`;
    this.cache.set(text, out);
    return out;
  }

  /** The pseudonyms of many ids, in order (repeated ids are computed once). */
  async pseudonymizeAll(ids: ArrayLike<Id>): Promise<string[]> {
    const out: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = await this.pseudonymize(ids[i]!);
    return out;
  }
}

/**
 * For key rotation: the map from each id's pseudonym under `from` to its pseudonym under `to`,
 * computed where the raw ids live, so other systems can re-key their tables with it.
 */
export async function rotationMap(
  from: Pseudonymizer,
  to: Pseudonymizer,
  ids: ArrayLike<Id>,
): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  for (let i = 0; i < ids.length; i++) map.set(await from.pseudonymize(ids[i]!), await to.pseudonymize(ids[i]!));
  return map;
}
