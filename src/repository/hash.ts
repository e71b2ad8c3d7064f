/** Blob and object IDs: SHA-256, as 64 lowercase hex digits. */
import { createHash } from 'node:crypto';

export type Id = string;

export function sha256(data: Uint8Array): Id {
  return createHash('sha256').update(data).digest('hex');
}

export function isId(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(text);
}

export function shortId(id: Id): string {
  return id.slice(0, 8);
}
