// Child of round-trip.test.ts: loads every model saved in argv[2] in a fresh Node process and
// prints each one's fingerprint as JSON on stdout.
import { join } from 'node:path';
import * as at from '../../src/index.js';
import { MODEL_TYPES, fingerprint } from './model-zoo.js';

const dir = process.argv[2]!;
const out: Record<string, unknown> = {};
for (const type of MODEL_TYPES)
  out[type] = await fingerprint(at, await at.load<unknown>(join(dir, `fresh-${type}.safetensors`)));
process.stdout.write(JSON.stringify(out));
