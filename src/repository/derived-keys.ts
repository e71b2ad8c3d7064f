/**
 * Keys derived from a repository's master key for uses outside the repository itself
 * (HKDF-SHA-256, one label per use): whoever can open the repository can recompute them,
 * and nobody else can.
 */
import { createHmac, hkdfSync } from 'node:crypto';

/** The HMAC of history digests (docs/history.md): stable for one repository, unrelated across repositories. */
export function historyMac(masterKey: Uint8Array): (value: Uint8Array) => Buffer {
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'strata/v1/history-digest', 32));
  return (value) => createHmac('sha256', key).update(value).digest();
}
