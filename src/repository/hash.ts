/** Blob and object IDs: SHA-256, as 64 lowercase hex digits. */
import { createHash } from 'node:crypto';

export type Id = string;

export function sha256(data: Uint8Array): Id {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The same, computed on libuv's thread pool (WebCrypto runs digests there): for a pack's
 * 16 MiB, which would otherwise hold the main thread — and every stream it feeds — for
 * milliseconds.
 */
export async function sha256Async(data: Uint8Array): Promise<Id> {
  return Buffer.from(await crypto.subtle.digest('SHA-256', data)).toString('hex');
}

export function isId(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(text);
}

export function shortId(id: Id): string {
  return id.slice(0, 8);
}
