/**
 * Gathers sealed blobs into packs, uploads full packs with bounded concurrency, and writes
 * the index for them only after they are durable (docs/repository-format.md, "Crash
 * safety"). A snapshot may be written once `flush()` has returned.
 */
import { sealBlob, type SealedBlob } from './blob.ts';
import { encodeDelta, type Delta } from './delta.ts';
import { sha256, type Id } from './hash.ts';
import { encodeTree, type TreeNode } from './tree.ts';
import { indexFile, type IndexedPack } from './master-index.ts';
import { PackBuilder, packKey, type BlobType } from './pack.ts';
import type { Repository } from './repository.ts';

/**
 * Tree packs are cut smaller than data packs: their buffer grows by doubling, and a backup
 * of many small items (API objects) writes megabytes of trees. Readers take packs of any size.
 */
const TREE_PACK_SIZE = 4 * 1024 * 1024;

/** Room for the pack header beyond the data: 42 bytes per blob, sealed. */
const PACK_HEADROOM = 256 * 1024;

export interface BlobWriterStats {
  blobsAdded: number;
  bytesAdded: number;
  packsWritten: number;
}

export class BlobWriter {
  private readonly repository: Repository;
  private readonly open = new Map<BlobType, PackBuilder>();
  /** Blobs accepted in this run but not yet in the repository's index. */
  private readonly pending = new Set<Id>();
  private readonly uploads = new Set<Promise<void>>();
  private readonly written: IndexedPack[] = [];
  private readonly concurrency: number;
  /** Data pack buffers whose bytes are stored, for the next packs: no 16 MiB garbage per pack. */
  private readonly spareBuffers: Buffer[] = [];
  private failure: unknown;
  readonly stats: BlobWriterStats = { blobsAdded: 0, bytesAdded: 0, packsWritten: 0 };

  constructor(repository: Repository, options: { concurrency?: number } = {}) {
    this.repository = repository;
    this.concurrency = options.concurrency ?? 2;
  }

  /** Whether the blob is already stored or accepted: then it need not be sealed again. */
  known(id: Id): boolean {
    return this.pending.has(id) || this.repository.index.has(id);
  }

  /**
   * Adds a blob unless it is known; resolves when there is room for more. Callers run
   * concurrently (one per sealing worker), so every change to the open packs happens before
   * the first await.
   */
  async add(type: BlobType, blob: SealedBlob): Promise<void> {
    this.throwIfFailed();
    if (this.known(blob.id)) return;
    this.pending.add(blob.id);
    const packSize = type === 'tree' ? Math.min(TREE_PACK_SIZE, this.repository.config.packSize) : this.repository.config.packSize;
    let pack = this.open.get(type);
    // Cut the pack before a blob would overflow the buffer it was sized for.
    if (pack !== undefined && pack.count > 0 && pack.length + blob.sealed.length > packSize) {
      this.startUpload(pack);
      pack = undefined;
    }
    if (pack === undefined) this.open.set(type, (pack = new PackBuilder(type, type === 'data' ? this.dataBuffer() : undefined)));
    pack.add(blob.id, blob.sealed, blob.rawLength, blob.compressed);
    this.stats.blobsAdded++;
    this.stats.bytesAdded += blob.sealed.length;
    if (pack.length >= packSize) this.startUpload(pack);
    while (this.uploads.size > this.concurrency) await Promise.race(this.uploads);
    this.throwIfFailed();
  }

  /** Stores a directory listing; returns its tree ID. */
  async saveTree(nodes: readonly TreeNode[]): Promise<Id> {
    const blob = sealBlob(this.repository.masterKey, encodeTree(nodes));
    await this.add('tree', blob);
    return blob.id;
  }

  /** Stores a blob of data given in memory (small items: manifests, objects); returns its ID. */
  async saveData(data: Uint8Array): Promise<Id> {
    const id = sha256(data);
    if (!this.known(id)) await this.add('data', sealBlob(this.repository.masterKey, data, id));
    return id;
  }

  /** Stores a block as changes to an earlier one (delta.ts); returns the delta blob's ID. */
  async saveDelta(delta: Delta): Promise<Id> {
    const plaintext = encodeDelta(delta);
    const id = sha256(plaintext);
    // Its plaintext length in the index is the block's: what a reader of the ID gets.
    if (!this.known(id)) await this.add('delta', { ...sealBlob(this.repository.masterKey, plaintext, id), rawLength: delta.length });
    return id;
  }

  /** Writes every open pack and then one index file for this run's packs. */
  async flush(): Promise<Id | undefined> {
    for (const pack of [...this.open.values()]) if (pack.count > 0) this.startUpload(pack);
    this.open.clear();
    while (this.uploads.size > 0) await Promise.allSettled([...this.uploads]);
    this.throwIfFailed();
    if (this.written.length === 0) return undefined;
    const packs = this.written.splice(0);
    const id = await this.repository.saveMetadata('index', 'index', indexFile(packs));
    for (const pack of packs) this.repository.index.addPack(pack);
    for (const pack of packs) for (const blob of pack.blobs) this.pending.delete(blob.id);
    return id;
  }

  private dataBuffer(): Buffer {
    const size = this.repository.config.packSize + PACK_HEADROOM;
    const spare = this.spareBuffers.pop();
    return spare !== undefined && spare.length >= size ? spare : Buffer.allocUnsafe(size);
  }

  /** Closes the pack and starts storing it; the index learns of it once it is durable. */
  private startUpload(pack: PackBuilder): void {
    if (this.open.get(pack.type) === pack) this.open.delete(pack.type);
    const upload = pack
      .finish(this.repository.masterKey)
      .then(async ({ id, bytes, blobs }) => {
        await this.repository.backend.save(packKey(id), bytes);
        this.written.push({ id, size: bytes.length, blobs });
        this.stats.packsWritten++;
        // One spare is enough to avoid a 16 MiB allocation per pack; more would only hold memory.
        if (pack.type === 'data' && this.spareBuffers.length === 0) this.spareBuffers.push(pack.storage);
      })
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.uploads.delete(upload));
    this.uploads.add(upload);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
