/** Metadata objects (config, index, snapshot, lock): zstd-compressed JSON, sealed. */
import { compress, decompress } from './compression.ts';
import { seal, unseal, type ObjectKind } from './crypto.ts';

export function sealJson(key: Uint8Array, kind: ObjectKind, value: unknown): Buffer {
  return seal(key, kind, compress(Buffer.from(JSON.stringify(value))));
}

export function unsealJson(key: Uint8Array, kind: ObjectKind, sealed: Uint8Array): unknown {
  return JSON.parse(decompress(unseal(key, kind, sealed)).toString('utf8'));
}
