/**
 * Where every blob is: the union of all index files, plus pack headers read when an index is
 * damaged or missing. A blob found in several packs (two concurrent backups) keeps the first.
 */
import type { Id } from './hash.ts';
import type { BlobType, PackedBlob } from './pack.ts';

export interface BlobLocation extends PackedBlob {
  readonly pack: Id;
}

export interface IndexedPack {
  readonly id: Id;
  readonly size: number;
  readonly blobs: readonly PackedBlob[];
}

export interface IndexFile {
  readonly version: number;
  readonly packs: readonly IndexedPack[];
}

/** The newest index file version this strata reads. */
export const INDEX_VERSION = 2;

/**
 * An index file for `packs`. One that names a delta blob is version 2, so a strata that
 * predates delta blobs refuses the repository with "upgrade strata" rather than reading a
 * delta as a damaged block; every other index file stays version 1.
 */
export function indexFile(packs: readonly IndexedPack[]): IndexFile {
  return { version: packs.some((pack) => pack.blobs.some((blob) => blob.type === 'delta')) ? 2 : 1, packs };
}

export class MasterIndex {
  private readonly blobs = new Map<Id, BlobLocation>();
  private readonly packSizes = new Map<Id, number>();

  addPack(pack: IndexedPack): void {
    this.packSizes.set(pack.id, pack.size);
    for (const blob of pack.blobs) if (!this.blobs.has(blob.id)) this.blobs.set(blob.id, { ...blob, pack: pack.id });
  }

  has(id: Id): boolean {
    return this.blobs.has(id);
  }

  get(id: Id): BlobLocation | undefined {
    return this.blobs.get(id);
  }

  hasPack(id: Id): boolean {
    return this.packSizes.has(id);
  }

  packs(): ReadonlyMap<Id, number> {
    return this.packSizes;
  }

  get blobCount(): number {
    return this.blobs.size;
  }

  *entries(type?: BlobType): Iterable<BlobLocation> {
    for (const blob of this.blobs.values()) if (type === undefined || blob.type === type) yield blob;
  }
}
