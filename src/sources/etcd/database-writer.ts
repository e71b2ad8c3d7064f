/**
 * Stores an etcd database as it streams past, split so that a day's snapshot costs about
 * what changed that day (docs/repository-format.md, "The etcd directory").
 *
 * Why not pages: bbolt writes every changed node to a free page, so a fresh 5% of keys
 * rewritten moves 17% of the pages, each still holding its unchanged neighbours' values.
 * Values, not pages, are what stays put: the key bucket maps a revision to its value, and a
 * revision's value never changes. So each leaf of revisions is stored as the list of its
 * values, and a value already stored in the base snapshot (same revision, length and
 * CRC-32) is referred to, not stored again. Everything else (meta, branch and freelist
 * pages, other buckets, freed pages) is kept as whole pages.
 */
import { crc32 } from 'node:zlib';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import type { SealerPool } from '../../repository/sealer/pool.ts';
import { StreamWriter } from '../../repository/stream-writer.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { MapBuilder, readTable, TableWriter } from './database-map.ts';
import { loadTableBytes } from './database-reader.ts';
import { DATABASE_FILES, type DatabaseStorage } from './record.ts';
import { leafSpan, splitRevisionLeaf, type RevisionLeaf } from './revision-leaf.ts';
import { ValueIdentities } from './value-identities.ts';

/** Values are gathered into chunks of at most this size (or one larger value): compressed together, and dropped together once none is referred to. */
const VALUE_CHUNK = 1024 * 1024;
/** Chunks this small are sealed on the main thread: not worth a worker's message. */
const SMALL_CHUNK = 64 * 1024;
/** Value chunks being sealed at once. */
const CHUNKS_IN_FLIGHT = 8;
/** A leaf claiming a longer span is not believed (stale bytes in a freed page): kept as a page. */
const MAX_NODE = 64 * 1024 * 1024;
const BOLT_MAGIC = 0xed0cdaed;
/** Meta page 0: the magic at byte 16, the page size at 24. */
const META_PAGE_SIZE_END = 28;
const DEFAULT_PAGE = 4096;
/**
 * A base whose value chunks are less than half referred to is not built on: the next
 * snapshot stores every value afresh, and the old chunks go when no snapshot refers to them.
 */
const MIN_BASE_LIVENESS = 0.5;

/** The value chunks of the snapshot a new one builds on, and the table of each. */
export interface DatabaseBase {
  readonly chunks: readonly Id[];
  readonly tables: readonly Id[];
  readonly storage: DatabaseStorage;
}

/** The base's values, by identity, and which chunk each is in. */
export class BaseValues {
  readonly identities = new ValueIdentities();
  readonly chunkOf: Int32Array;
  readonly sizes: number[] = [];
  readonly chunkFirst: number[] = [];
  readonly chunkBytes: number[] = [];
  readonly tableBytes: number[] = [];
  readonly used: Uint8Array;
  readonly base: DatabaseBase;

  /** `tables`: the base's value tables as stored, read here without an object per value. */
  constructor(base: DatabaseBase, tables: readonly Uint8Array[]) {
    this.base = base;
    const chunkOf: number[] = [];
    tables.forEach((table, chunk) => {
      this.chunkFirst.push(this.sizes.length);
      this.tableBytes.push(table.length);
      let bytes = 0;
      readTable(table, (key, size, crc) => {
        chunkOf.push(chunk);
        this.identities.set(key, size, crc, this.sizes.length);
        this.sizes.push(size);
        bytes += size;
      });
      this.chunkBytes.push(bytes);
    });
    this.chunkOf = Int32Array.from(chunkOf);
    this.used = new Uint8Array(chunkOf.length);
  }

  /** The base's tables, read; undefined when the base is not worth building on. */
  static async load(repository: Repository, base: DatabaseBase): Promise<BaseValues | undefined> {
    if (base.chunks.length !== base.tables.length || base.storage.valueBytes < MIN_BASE_LIVENESS * base.storage.chunkBytes) return undefined;
    return new BaseValues(base, await loadTableBytes(repository, base.tables));
  }
}

interface NewChunk {
  readonly id: Promise<Id>;
  readonly table: Promise<Id>;
  readonly bytes: number;
  readonly tableBytes: number;
}

export interface StoredDatabase {
  /** The files of the `etcd` directory. */
  readonly files: TreeNode[];
  readonly storage: DatabaseStorage;
}

export class DatabaseWriter {
  private pageSize = 0;
  private pgid = 0;
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  /** Bytes needed in hand before the next node can be read; at first, meta page 0 up to its page size. */
  private needed = META_PAGE_SIZE_END;
  private pagesFile: StreamWriter | undefined;
  private map: MapBuilder | undefined;
  /** Identity → handle: a base ordinal (≥ 0) or -(index of a new value + 1). */
  private readonly seen: ValueIdentities;
  private newValues = 0;
  private newValueBytes = 0;
  /** The value chunk being filled. */
  private chunk: Buffer | undefined;
  /** The table of the value chunk being filled. */
  private readonly table = new TableWriter();
  private chunkLength = 0;
  private readonly chunks: NewChunk[] = [];
  /** The handles of the leaf being split, reused from leaf to leaf (the map copies them). */
  private readonly handles: number[] = [];
  private readonly sealing = new Set<Promise<unknown>>();
  private readonly repository: Repository;
  private readonly writer: BlobWriter;
  private readonly pool: SealerPool;
  private readonly base: BaseValues | undefined;

  /** `base`: the values of the snapshot this one builds on (BaseValues.load), if any. */
  constructor(repository: Repository, writer: BlobWriter, pool: SealerPool, base: BaseValues | undefined) {
    this.repository = repository;
    this.writer = writer;
    this.pool = pool;
    this.base = base;
    this.seen = base?.identities ?? new ValueIdentities();
  }

  async push(bytes: Uint8Array): Promise<void> {
    this.pending.push(bytes);
    this.pendingLength += bytes.length;
    if (this.pendingLength >= this.needed) await this.read(false);
    while (this.sealing.size >= CHUNKS_IN_FLIGHT) await Promise.race(this.sealing);
  }

  /** Stores what is left, the map and the value list; the files get `mtimeNs` as their time. */
  async finish(mtimeNs: string): Promise<StoredDatabase> {
    await this.read(true);
    const pages = this.pagesWriter();
    // The trailer, and any bytes short of a page: the rest of the pages file.
    for (const rest of this.pending) await pages.push(rest);
    this.pending = [];
    if (this.table.count > 0) this.cutChunk();
    while (this.sealing.size > 0) await Promise.race(this.sealing);
    const chunkIds = await Promise.all(this.chunks.map((c) => c.id));
    const tableIds = await Promise.all(this.chunks.map((c) => c.table));
    const pagesStored = await pages.finish();

    // The value list: the base's chunks still referred to, in their order, then the new ones.
    const base = this.base;
    const kept: number[] = [];
    const keptFirst = new Map<number, number>();
    let referencedBytes = this.newValueBytes;
    let referenced = this.newValues;
    let listed = 0;
    if (base !== undefined) {
      const chunkUsed = new Uint8Array(base.chunkBytes.length);
      base.used.forEach((used, ordinal) => {
        if (used === 0) return;
        chunkUsed[base.chunkOf[ordinal]!] = 1;
        referencedBytes += base.sizes[ordinal]!;
        referenced++;
      });
      chunkUsed.forEach((used, chunk) => {
        if (used === 0) return;
        kept.push(chunk);
        keptFirst.set(chunk, listed);
        listed += (base.chunkFirst[chunk + 1] ?? base.sizes.length) - base.chunkFirst[chunk]!;
      });
    }
    const ordinal = (handle: number): number => {
      if (handle < 0) return listed - handle - 1;
      const chunk = base!.chunkOf[handle]!;
      return keptFirst.get(chunk)! + handle - base!.chunkFirst[chunk]!;
    };
    const mapStored = new StreamWriter(this.repository, this.writer);
    await mapStored.push(this.map!.encode(ordinal));
    const mapResult = await mapStored.finish();

    const values = [...kept.map((c) => base!.base.chunks[c]!), ...chunkIds];
    const tables = [...kept.map((c) => base!.base.tables[c]!), ...tableIds];
    const chunkBytes = kept.reduce((sum, c) => sum + base!.chunkBytes[c]!, 0) + this.chunks.reduce((sum, c) => sum + c.bytes, 0);
    const tableBytes = kept.reduce((sum, c) => sum + base!.tableBytes[c]!, 0) + this.chunks.reduce((sum, c) => sum + c.tableBytes, 0);
    const file = (name: string, size: number, content: readonly Id[]): TreeNode => ({ name, type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs, size, content });
    return {
      files: [
        file(DATABASE_FILES.map, mapResult.size, mapResult.content),
        file(DATABASE_FILES.pages, pagesStored.size, pagesStored.content),
        file(DATABASE_FILES.values, chunkBytes, values),
        file(DATABASE_FILES.tables, tableBytes, tables),
      ],
      storage: { values: referenced, valueBytes: referencedBytes, chunkBytes, newValueBytes: this.newValueBytes, incremental: base !== undefined },
    };
  }

  /**
   * Reads every whole node in hand; at the end, also what is left of a node cut short.
   * Nodes are read where they lie in the stream's messages; only a node that a message
   * boundary cuts is copied together.
   */
  private async read(final: boolean): Promise<void> {
    if (this.pageSize === 0) {
      if (this.pending.length > 1) this.pending = [Buffer.concat(this.pending)];
      this.startDatabase(this.pending[0] ?? new Uint8Array(0));
    }
    while (this.pending.length > 1) {
      if (this.pendingLength < this.needed) {
        if (!final) return;
        this.pending = [Buffer.concat(this.pending)];
        break;
      }
      const left = await this.readNodes(this.takeFront(this.needed), false);
      // Left over only when the node is longer than was known (its header was cut): needed has grown.
      if (left.length > 0) {
        this.pending.unshift(left);
        this.pendingLength += left.length;
      }
    }
    if (this.pending.length === 1) {
      const left = await this.readNodes(this.pending[0]!, final);
      // Copied: it waits for the next message, and may be a view of this one.
      this.pending = left.length > 0 ? [Buffer.from(left)] : [];
      this.pendingLength = left.length;
    }
  }

  /** Reads the whole nodes at the start of `data`; returns the bytes after them. */
  private async readNodes(data: Uint8Array, final: boolean): Promise<Uint8Array> {
    const size = this.pageSize;
    let at = 0;
    this.needed = size;
    while (data.length - at >= size) {
      const span = leafSpan(data, at) ?? 1;
      const believed = span * size <= MAX_NODE ? span : 1;
      if (data.length - at < believed * size && !final) {
        this.needed = believed * size;
        break;
      }
      const node = data.subarray(at, at + believed * size);
      const leaf = node.length === believed * size ? splitRevisionLeaf(node, this.pgid, size) : undefined;
      const taken = leaf === undefined ? 1 : believed;
      if (leaf === undefined) await this.keepPages(data.subarray(at, at + size), 1);
      else this.splitLeaf(leaf);
      at += taken * size;
      this.pgid += taken;
    }
    return data.subarray(at);
  }

  /** The first `length` bytes in hand, copied into one buffer and taken out of `pending`. */
  private takeFront(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const head = this.pending[0]!;
      const n = Math.min(head.length, length - filled);
      out.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(n);
    }
    this.pendingLength -= length;
    return out;
  }

  /** The page size, from meta page 0; a stream that is no bolt database is kept as pages (the inventory rejects it). */
  private startDatabase(data: Uint8Array): void {
    const view = new DataView(data.buffer, data.byteOffset, data.length);
    const size = data.length >= META_PAGE_SIZE_END && view.getUint32(16, true) === BOLT_MAGIC ? view.getUint32(24, true) : 0;
    this.pageSize = size >= 512 && size <= 65536 && (size & (size - 1)) === 0 ? size : DEFAULT_PAGE;
    this.map = new MapBuilder(this.pageSize);
  }

  private pagesWriter(): StreamWriter {
    this.pagesFile ??= new StreamWriter(this.repository, this.writer, { kind: 'aligned', size: this.pageSize }, this.pool);
    return this.pagesFile;
  }

  private async keepPages(pages: Uint8Array, count: number): Promise<void> {
    this.map!.pages(count);
    await this.pagesWriter().push(pages);
  }

  /** Synchronous, as is all per-value work: awaiting per value cost a promise and a turn each. */
  private splitLeaf(leaf: RevisionLeaf): void {
    const handles = this.handles;
    handles.length = 0;
    for (let i = 0; i < leaf.keys.length; i++) {
      const key = leaf.keys[i]!;
      const value = leaf.values[i]!;
      const crc = crc32(value);
      let handle = this.seen.get(key, value.length, crc);
      if (handle === undefined) {
        handle = -(++this.newValues);
        this.seen.set(key, value.length, crc, handle);
        this.addValue(key, crc, value);
      } else if (handle >= 0) {
        this.base!.used[handle] = 1;
      }
      handles.push(handle);
    }
    this.map!.leaf(leaf.overflow, handles);
  }

  private addValue(key: Uint8Array, crc: number, value: Uint8Array): void {
    if (this.chunkLength + value.length > VALUE_CHUNK && this.table.count > 0) this.cutChunk();
    // Copied at once: a view would keep the whole stream message alive until the chunk is cut.
    this.chunk ??= Buffer.allocUnsafeSlow(Math.max(VALUE_CHUNK, value.length));
    this.chunk.set(value, this.chunkLength);
    this.chunkLength += value.length;
    this.table.add(key, value.length, crc);
    this.newValueBytes += value.length;
  }

  /** Starts sealing the chunk; push waits while too many are in flight. */
  private cutChunk(): void {
    const length = this.chunkLength;
    const chunk = this.chunk!;
    const table = this.table.take();
    this.chunk = undefined;
    this.chunkLength = 0;
    // A worker takes the chunk's memory (all of its buffer), and seals the part filled.
    const id = length < SMALL_CHUNK ? this.writer.saveData(chunk.subarray(0, length)) : this.pool.sealBlock(chunk, length);
    const tableId = this.writer.saveData(table);
    this.chunks.push({ id, table: tableId, bytes: length, tableBytes: table.length });
    this.track(id);
    this.track(tableId);
  }

  private track(work: Promise<unknown>): void {
    const task: Promise<unknown> = work.finally(() => this.sealing.delete(task));
    // A failure surfaces where the IDs are awaited, in finish.
    task.catch(() => undefined);
    this.sealing.add(task);
  }
}
