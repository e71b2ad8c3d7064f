/**
 * Puts a stored etcd database back together into a file, byte for byte what etcd sent
 * (docs/repository-format.md, "The etcd directory"). Two passes, so memory holds no more
 * than the map, the tables and one value chunk: first the pages in order — whole pages as
 * stored, leaves rebuilt with their values left as zeros — then each value chunk once, its
 * values written where the leaves want them.
 */
import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { forEachBounded } from '../../core/bounded.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { decodeMap, decodeTable, MapFormatError } from './database-map.ts';
import { DATABASE_FILES } from './record.ts';
import { buildRevisionLeaf } from './revision-leaf.ts';

/** Output gathered before a write. */
const WRITE_BUFFER = 8 * 1024 * 1024;

/** Reads a file's content as one stream, a given number of bytes at a time. */
class ContentCursor {
  private next = 0;
  private current: Buffer = Buffer.alloc(0);
  private at = 0;
  private readonly repository: Repository;
  private readonly content: readonly Id[];

  constructor(repository: Repository, content: readonly Id[]) {
    this.repository = repository;
    this.content = content;
  }

  /** Up to `length` bytes (fewer only at the end), as views where they lie in one blob. */
  async take(length: number): Promise<Buffer[]> {
    const parts: Buffer[] = [];
    let wanted = length;
    while (wanted > 0) {
      if (this.at === this.current.length) {
        if (this.next === this.content.length) break;
        this.current = await this.repository.loadBlob(this.content[this.next++]!);
        this.at = 0;
      }
      const n = Math.min(wanted, this.current.length - this.at);
      parts.push(this.current.subarray(this.at, this.at + n));
      this.at += n;
      wanted -= n;
    }
    return parts;
  }
}

/** Writes at increasing positions of the file, in large writes. */
class SequentialOutput {
  position = 0;
  private readonly buffer = Buffer.alloc(WRITE_BUFFER);
  private filled = 0;
  private readonly handle: FileHandle;

  constructor(handle: FileHandle) {
    this.handle = handle;
  }

  async write(parts: readonly Uint8Array[]): Promise<void> {
    for (const part of parts) {
      if (this.filled + part.length > this.buffer.length) await this.flush();
      if (part.length > this.buffer.length) await this.handle.write(part, 0, part.length, this.position);
      else {
        this.buffer.set(part, this.filled);
        this.filled += part.length;
      }
      this.position += part.length;
    }
  }

  async flush(): Promise<void> {
    if (this.filled === 0) return;
    await this.handle.write(this.buffer, 0, this.filled, this.position - this.filled);
    this.filled = 0;
  }
}

/** The value tables `ids` name, as stored (database-map.ts reads them), in order. */
export async function loadTableBytes(repository: Repository, ids: readonly Id[]): Promise<Buffer[]> {
  const tables: Buffer[] = [];
  await forEachBounded(ids.map((id, i) => ({ id, i })), 8, async ({ id, i }) => {
    tables[i] = await repository.loadBlob(id);
  });
  return tables;
}

function contentOf(nodes: readonly TreeNode[], name: string): readonly Id[] {
  const content = nodes.find((n) => n.name === name)?.content;
  if (content === undefined) throw new MapFormatError(`the etcd directory has no ${name}`);
  return content;
}

/** Writes the database (and its trailer) from the `etcd` directory's files into `handle`; returns its length. */
export async function rebuildDatabase(repository: Repository, nodes: readonly TreeNode[], handle: FileHandle): Promise<number> {
  const mapParts = await new ContentCursor(repository, contentOf(nodes, DATABASE_FILES.map)).take(Number.MAX_SAFE_INTEGER);
  const { pageSize, segments } = decodeMap(Buffer.concat(mapParts));
  const chunks = contentOf(nodes, DATABASE_FILES.values);
  const tableIds = contentOf(nodes, DATABASE_FILES.tables);
  if (tableIds.length !== chunks.length) throw new MapFormatError(`${chunks.length} value chunks but ${tableIds.length} tables`);
  const tables = (await loadTableBytes(repository, tableIds)).map(decodeTable);
  const entries = tables.flat();

  // Pass 1: every page in order; leaves get their header, elements and keys.
  const pages = new ContentCursor(repository, contentOf(nodes, DATABASE_FILES.pages));
  const output = new SequentialOutput(handle);
  const placedOrdinals: number[] = [];
  const placedAt: number[] = [];
  let pgid = 0;
  for (const segment of segments) {
    if (segment.kind === 'pages') {
      const parts = await pages.take(segment.count * pageSize);
      if (parts.reduce((sum, p) => sum + p.length, 0) !== segment.count * pageSize) throw new MapFormatError(`the pages file ends before page ${pgid + segment.count}`);
      await output.write(parts);
      pgid += segment.count;
      continue;
    }
    const span = (1 + segment.overflow) * pageSize;
    const values = segment.values.map((ordinal) => {
      const entry = entries[ordinal];
      if (entry === undefined) throw new MapFormatError(`page ${pgid} refers to value ${ordinal}; there are ${entries.length}`);
      return entry;
    });
    const node = Buffer.alloc(span);
    const offsets = buildRevisionLeaf(node, pgid, segment.overflow, values.map((v) => v.key), values.map((v) => v.size));
    segment.values.forEach((ordinal, i) => {
      placedOrdinals.push(ordinal);
      placedAt.push(output.position + offsets[i]!);
    });
    await output.write([node]);
    pgid += 1 + segment.overflow;
  }
  // The rest of the pages file: the trailer.
  for (let parts = await pages.take(WRITE_BUFFER); parts.length > 0; parts = await pages.take(WRITE_BUFFER)) await output.write(parts);
  await output.flush();

  // Pass 2: each value chunk once, in order, its values written where the leaves want them.
  const order = Uint32Array.from(placedOrdinals.keys()).sort((a, b) => placedOrdinals[a]! - placedOrdinals[b]!);
  let next = 0;
  let first = 0;
  for (let chunk = 0; chunk < chunks.length; chunk++) {
    const table = tables[chunk]!;
    const end = first + table.length;
    if (next < order.length && placedOrdinals[order[next]!]! < end) {
      const bytes = await repository.loadBlob(chunks[chunk]!);
      const starts: number[] = [];
      let at = 0;
      for (const entry of table) {
        starts.push(at);
        at += entry.size;
      }
      if (at !== bytes.length) throw new MapFormatError(`value chunk ${chunk} holds ${bytes.length} bytes; its table says ${at}`);
      for (; next < order.length && placedOrdinals[order[next]!]! < end; next++) {
        const index = placedOrdinals[order[next]!]! - first;
        writeSync(handle.fd, bytes, starts[index]!, table[index]!.size, placedAt[order[next]!]!);
      }
    }
    first = end;
  }
  return output.position;
}
