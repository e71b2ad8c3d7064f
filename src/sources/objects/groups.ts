/**
 * A type's objects as JSON Lines, cut into groups of about 16 KiB, one blob each
 * (docs/repository-format.md, "API objects"). Objects compressed one by one cost several
 * times a tarball of them (most of an object is field names its neighbours repeat, and
 * each blob's ID, index entry and seal cost as much again); compressed together they cost
 * less than the tarball. Where a group ends depends only on the objects in it — the last
 * one's key and the group's size — so an object that changes re-stores its own group and
 * nothing else, and an unchanged type stores nothing.
 */
import { createHash } from 'node:crypto';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import { RepositoryDamaged } from '../../repository/errors.ts';
import type { Id } from '../../repository/hash.ts';

/** A group never ends before this many bytes… */
export const MIN_GROUP = 4 * 1024;
/** …ends after about this many more, on average… */
export const AVERAGE_EXTRA = 12 * 1024;
/** …and never grows past this (a larger object is a group of its own). */
export const MAX_GROUP = 128 * 1024;

const NEWLINE = 0x0a;

/** A fixed, well-spread number from an object's key: the same key always draws the same. */
function draw(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32LE(0);
}

/**
 * Whether a group that is `groupBytes` long after adding an object of `objectBytes` under
 * `key` ends there. Each byte ends a group with probability 1/AVERAGE_EXTRA, so groups hold
 * about the same bytes whatever the objects' sizes.
 */
export function endsGroup(groupBytes: number, objectBytes: number, key: string): boolean {
  if (groupBytes < MIN_GROUP) return false;
  return draw(key) < Math.min(1, objectBytes / AVERAGE_EXTRA) * 2 ** 32;
}

export interface StoredGroups {
  /** The groups' blob IDs, in order: the type's file content. */
  readonly content: readonly Id[];
  /** Bytes of all lines. */
  readonly size: number;
  readonly objects: number;
}

/** Collects one type's objects, in the order listed, and stores each group as it closes. */
export class ObjectGroups {
  private readonly writer: BlobWriter;
  private readonly content: Id[] = [];
  private lines: Buffer[] = [];
  private groupBytes = 0;
  private size = 0;
  private objects = 0;

  constructor(writer: BlobWriter) {
    this.writer = writer;
  }

  /** Adds one object's compact JSON (no newline in it, as JSON.stringify writes it). */
  async add(json: Buffer, key: string): Promise<void> {
    const line = Buffer.concat([json, Buffer.of(NEWLINE)]);
    if (this.groupBytes > 0 && this.groupBytes + line.length > MAX_GROUP) await this.close();
    this.lines.push(line);
    this.groupBytes += line.length;
    this.size += line.length;
    this.objects++;
    if (endsGroup(this.groupBytes, line.length, key) || this.groupBytes >= MAX_GROUP) await this.close();
  }

  async finish(): Promise<StoredGroups> {
    await this.close();
    return { content: this.content, size: this.size, objects: this.objects };
  }

  private async close(): Promise<void> {
    if (this.lines.length === 0) return;
    const group = Buffer.concat(this.lines, this.groupBytes);
    this.lines = [];
    this.groupBytes = 0;
    this.content.push(await this.writer.saveData(group));
  }
}

/** The objects' lines of a group, each without its newline. */
export function groupLines(group: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let end = group.indexOf(NEWLINE); end !== -1; end = group.indexOf(NEWLINE, start)) {
    lines.push(group.subarray(start, end));
    start = end + 1;
  }
  if (start !== group.length) throw new RepositoryDamaged(`an object group ends inside an object (${group.length - start} bytes after the last newline)`);
  return lines;
}
