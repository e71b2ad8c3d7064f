/** A blob's stored form: zstd when that is smaller, then sealed (docs/repository-format.md, "Blobs"). */
import { RepositoryDamaged } from './errors.ts';
import { compress, compressAsync, decompress, worthCompressing } from './compression.ts';
import { seal, unseal } from './crypto.ts';
import { sha256, type Id } from './hash.ts';
import type { PackedBlob } from './pack.ts';

export interface SealedBlob {
  readonly id: Id;
  readonly sealed: Buffer;
  readonly rawLength: number;
  readonly compressed: boolean;
}

/** What a blob's plaintext is stored as before sealing: zstd when that is smaller. */
export function blobPayload(plaintext: Uint8Array): { readonly payload: Uint8Array; readonly compressed: boolean } {
  const packed = worthCompressing(plaintext) ? compress(plaintext) : plaintext;
  return packed.length < plaintext.length ? { payload: packed, compressed: true } : { payload: plaintext, compressed: false };
}

export function sealBlob(key: Uint8Array, plaintext: Uint8Array, id: Id = sha256(plaintext)): SealedBlob {
  const { payload, compressed } = blobPayload(plaintext);
  return { id, sealed: seal(key, 'blob', payload), rawLength: plaintext.length, compressed };
}

/** sealBlob with the compression off the main thread. */
export async function sealBlobAsync(key: Uint8Array, plaintext: Uint8Array, id: Id = sha256(plaintext)): Promise<SealedBlob> {
  const packed = worthCompressing(plaintext) ? await compressAsync(plaintext) : plaintext;
  const compressed = packed.length < plaintext.length;
  return { id, sealed: seal(key, 'blob', compressed ? packed : plaintext), rawLength: plaintext.length, compressed };
}

/** A blob that does not decrypt or hash to its ID: the repository is damaged there (exit 1). */
export class BlobDamaged extends RepositoryDamaged {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, hint: 'run `strata check --read-data` to find every damaged blob and the snapshots and files that use it; snapshots it does not list restore normally' });
  }
}

/** What opening a stored blob needs to know of it, from the index or its pack's header. */
export type BlobDescription = Pick<PackedBlob, 'id' | 'rawLength' | 'compressed'>;

/** Opens a stored blob and proves it is the blob that was asked for. */
export function unsealBlob(key: Uint8Array, blob: BlobDescription, stored: Uint8Array): Buffer {
  const { id } = blob;
  let plaintext: Buffer;
  try {
    const opened = unseal(key, 'blob', stored);
    plaintext = blob.compressed ? decompress(opened, blob.rawLength) : opened;
  } catch (error) {
    throw new BlobDamaged(`blob ${id.slice(0, 8)} is damaged: ${(error as Error).message}`, { cause: error });
  }
  if (sha256(plaintext) !== id) throw new BlobDamaged(`blob ${id.slice(0, 8)} is damaged: its content does not match its ID`);
  return plaintext;
}
