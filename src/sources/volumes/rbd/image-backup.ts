/**
 * One RBD image into the repository, reading only what changed. Ceph takes a snapshot
 * (`strata-<UTC time>`); `rbd export-diff` from the previous Strata snapshot of the image
 * (when Ceph still has it) streams the changed extents; the image is stored as fixed-size
 * blocks, each a content-addressed blob, and the blocks no extent touched are the previous
 * backup's; a block a few small writes touched is stored as those extents over its previous
 * content (a delta blob). So every backup lists every block of the image — it is complete and
 * restores on its own — while only what changed is read and stored.
 * The node is a file whose content is the image: `strata restore --target` gives a raw image.
 */
import type { Id } from '../../../repository/hash.ts';
import type { BlobWriter } from '../../../repository/blob-writer.ts';
import type { Repository } from '../../../repository/repository.ts';
import type { TreeNode } from '../../../repository/tree.ts';
import { decideLiveSnapshots, liveSnapshotName, type LiveDecision } from '../../../core/volumes/live-snapshots.ts';
import type { RetentionPolicy } from '../../../core/retention/policy.ts';
import { readDiffStream } from './diff-stream.ts';
import { isZero } from './zero.ts';
import { worthADelta } from '../../../repository/delta.ts';
import { imageSpec, type RbdRunner } from './runner.ts';

export interface RbdImage {
  readonly pool: string;
  readonly radosNamespace?: string;
  readonly image: string;
}

/** What the previous backup of this image stored: the diff base. */
export interface ImageBase {
  readonly snapshot: string;
  readonly size: number;
  readonly blockSize: number;
  readonly blocks: readonly Id[];
}

export interface RbdImageRecord extends RbdImage {
  readonly snapshot: string;
  readonly size: number;
  readonly blockSize: number;
  /** The Ceph snapshot the diff was taken from, or null when the whole image was read. */
  readonly base: string | null;
  /** Bytes the diff named as written or zeroed. */
  readonly changedBytes: number;
  readonly blocksStored: number;
  /** Of blocksStored, those stored as their changed extents over the previous block (delta blobs). */
  readonly blocksAsDeltas?: number;
}

export interface RbdImageProgress {
  changedBytes: number;
  blocksStored: number;
  blocksAsDeltas: number;
}

export const DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;
/** Blocks being sealed at once: enough to keep every sealing worker busy while rbd streams. */
const MAX_IN_FLIGHT = 16;

/** Seals a block off the main thread (the repository's SealerPool); it may take the block's memory. */
export interface BlockSealer {
  sealBlock(block: Uint8Array): Promise<Id>;
  /** A zeroed buffer of `length` bytes for a block to seal (recycled memory). */
  blockBuffer(length: number): Buffer;
}
/** Marks a block that holds only zeros until its length is known. */
const ZERO = '';
/** The writes to one block, in stream order, and their total length. */
interface Changes {
  readonly writes: { readonly start: number; readonly bytes: Buffer }[];
  bytes: number;
}

export async function liveSnapshots(runner: RbdRunner, image: RbdImage): Promise<string[]> {
  const list = JSON.parse(await runner.run(['snap', 'ls', '--format', 'json', imageSpec(image)])) as { name: string }[];
  return list.map((s) => s.name);
}

/** A Ceph snapshot taken for a backup, and the diff base it will be read against. */
export interface TakenSnapshot {
  readonly image: RbdImage;
  readonly snapshot: string;
  readonly at: Date;
  readonly blockSize: number;
  /** The previous backup, when Ceph still has its snapshot and the block size is the same. */
  readonly usable: ImageBase | undefined;
  readonly warnings: readonly string[];
}

/**
 * Takes the Ceph snapshot a backup of the image reads (strata-<time>). Separate from the
 * read so that every image of a backup is snapshotted first, within moments: the volumes
 * of one workload are then taken together, and a freeze hook need only cover this part.
 */
export async function takeImageSnapshot(runner: RbdRunner, image: RbdImage, base: ImageBase | undefined, options: { blockSize?: number; at?: Date } = {}): Promise<TakenSnapshot> {
  const warnings: string[] = [];
  const blockSize = options.blockSize ?? base?.blockSize ?? DEFAULT_BLOCK_SIZE;
  const existing = await liveSnapshots(runner, image);
  const at = options.at ?? new Date();
  const snapshot = liveSnapshotName(at);
  const usable = base !== undefined && base.blockSize === blockSize && existing.includes(base.snapshot) ? base : undefined;
  if (base !== undefined && usable === undefined) {
    warnings.push(base.blockSize !== blockSize
      ? `${imageSpec(image)}: the block size changed (${base.blockSize} → ${blockSize} bytes); the whole image was read`
      : `${imageSpec(image)}: the previous backup's Ceph snapshot ${base.snapshot} is gone; the whole image was read`);
  }
  if (existing.includes(snapshot)) throw new Error(`${imageSpec(image, snapshot)} exists already: two backups in the same second`);
  await runner.run(['snap', 'create', '--no-progress', imageSpec(image, snapshot)]);
  return { image, snapshot, at, blockSize, usable, warnings };
}

export class RbdImageBackup {
  private readonly runner: RbdRunner;
  private readonly repository: Repository;
  private readonly writer: BlobWriter;
  readonly progress: RbdImageProgress = { changedBytes: 0, blocksStored: 0, blocksAsDeltas: 0 };
  private readonly zeroIds = new Map<number, Promise<Id>>();
  private readonly sealer: BlockSealer | undefined;

  constructor(runner: RbdRunner, repository: Repository, writer: BlobWriter, sealer?: BlockSealer) {
    this.runner = runner;
    this.repository = repository;
    this.writer = writer;
    this.sealer = sealer;
  }

  async run(image: RbdImage, name: string, base: ImageBase | undefined, options: { blockSize?: number; at?: Date } = {}): Promise<{ node: TreeNode; record: RbdImageRecord; warnings: string[] }> {
    return this.read(await takeImageSnapshot(this.runner, image, base, options), name);
  }

  /** Reads what changed up to a snapshot takeImageSnapshot took, into blocks. */
  async read(taken: TakenSnapshot, name: string): Promise<{ node: TreeNode; record: RbdImageRecord; warnings: string[] }> {
    const { image, snapshot, usable, blockSize, at } = taken;
    const warnings = [...taken.warnings];
    const diff = this.runner.read(['export-diff', '--no-progress', ...(usable ? ['--from-snap', usable.snapshot] : []), imageSpec(image, snapshot), '-']);
    const finished = diff.done.catch((error: unknown) => error);
    let size = usable?.size ?? 0;
    /** Block IDs; ZERO until the end for blocks that hold only zeros (no allocation for them). */
    let blocks: Id[] = [...(usable?.blocks ?? [])];
    /** Changed blocks held whole: their previous content read, the changes written over it. */
    const dirty = new Map<number, Buffer>();
    /**
     * Changed blocks of the previous backup held as their changes only, in stream order: most
     * are touched by a few small writes and are stored as a delta without reading the block.
     */
    const changes = new Map<number, Changes>();
    const blockLength = (index: number) => Math.min(blockSize, size - index * blockSize);
    /** The block whole: its previous content (unless the change covers all of it), with the changes held so far. */
    const materialize = async (index: number, whole = false, held = changes.get(index)): Promise<Buffer> => {
      let buffer = dirty.get(index);
      if (buffer !== undefined) return buffer;
      const previous = blocks[index];
      const old = previous === undefined || previous === ZERO || whole ? undefined : await this.repository.loadBlob(previous);
      buffer = this.sealer?.blockBuffer(blockLength(index)) ?? Buffer.alloc(blockLength(index));
      old?.copy(buffer, 0, 0, Math.min(old.length, buffer.length));
      for (const change of held?.writes ?? []) buffer.set(change.bytes, change.start);
      changes.delete(index);
      dirty.set(index, buffer);
      return buffer;
    };
    /** Blocks being sealed; the stream goes on meanwhile, up to MAX_IN_FLIGHT of them. */
    const inFlight = new Set<Promise<void>>();
    /** Stores the changed blocks before `limit` (the stream is past them). */
    const flush = async (limit: number): Promise<void> => {
      for (const index of [...dirty.keys(), ...changes.keys()].sort((x, y) => x - y)) {
        if (index >= limit) break;
        const block = dirty.get(index);
        const change = changes.get(index);
        dirty.delete(index);
        changes.delete(index);
        const into = blocks;
        const previous = blocks[index]!;
        const whole = async () => {
          const buffer = await materialize(index, false, change);
          dirty.delete(index);
          return buffer;
        };
        const stored: Promise<void> = (block !== undefined ? this.store(block) : this.storeChanges(previous, blockLength(index), change!, whole)).then((id) => {
          into[index] = id;
          this.progress.blocksStored++;
        }).finally(() => inFlight.delete(stored));
        stored.catch(() => undefined); // awaited below; marked handled so a failure cannot crash the run
        inFlight.add(stored);
        if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      }
    };
    let flushedBelow = 0;
    try {
      for await (const record of readDiffStream(diff.output)) {
        if (record.kind === 'size') {
          await Promise.all(inFlight);
          const oldSize = size;
          size = record.bytes;
          const count = Math.ceil(size / blockSize);
          const previous = blocks;
          blocks = Array.from({ length: count }, (_, i) => ((i + 1) * blockSize <= Math.min(oldSize, size) ? previous[i]! : ZERO));
          // A block cut by the old or the new end keeps its old bytes, resized: load it now.
          for (let i = 0; i < count; i++) {
            if (blocks[i] === ZERO && i * blockSize < oldSize) {
              blocks[i] = previous[i] ?? ZERO;
              await materialize(i);
            }
          }
        } else if (record.kind === 'write' || record.kind === 'zero') {
          const length = record.kind === 'write' ? record.data.length : record.length;
          const extent = record.kind === 'write' ? record.extent : { offset: record.offset, length: record.length };
          const first = Math.floor(record.offset / blockSize);
          if (first < flushedBelow) throw new Error(`rbd export-diff of ${imageSpec(image)} went back to offset ${record.offset}`);
          this.progress.changedBytes += length;
          for (let at = record.offset; at < record.offset + length;) {
            const index = Math.floor(at / blockSize);
            const within = at - index * blockSize;
            const take = Math.min(blockSize - within, record.offset + length - at);
            const bytes = record.kind === 'write' ? record.data.subarray(at - record.offset, at - record.offset + take) : undefined;
            // A block the extent overwrites whole needs nothing of its previous content.
            const start = index * blockSize;
            const whole = extent.offset <= start && extent.offset + extent.length >= start + blockLength(index);
            const previous = blocks[index];
            if (dirty.has(index) || whole || previous === undefined || previous === ZERO) {
              const buffer = await materialize(index, whole);
              if (bytes !== undefined) buffer.set(bytes, within);
              else buffer.fill(0, within, within + take);
            } else {
              let change = changes.get(index);
              if (change === undefined) changes.set(index, (change = { writes: [], bytes: 0 }));
              // A copy: the stream's buffer is reused.
              change.writes.push({ start: within, bytes: bytes === undefined ? Buffer.alloc(take) : Buffer.from(bytes) });
              change.bytes += take;
              // Too much for a delta: read the block now rather than hold the changes.
              if (change.bytes > blockLength(index) / 4) await materialize(index);
            }
            at += take;
          }
          // Zero extents and the stream's order let everything before this extent be stored.
          if (first > flushedBelow) {
            await flush(first);
            flushedBelow = first;
          }
        }
      }
      await flush(Number.MAX_SAFE_INTEGER);
      await Promise.all(inFlight);
      for (let i = 0; i < blocks.length; i++) if (blocks[i] === ZERO) blocks[i] = await this.zeroBlock(blockLength(i));
    } catch (error) {
      diff.output.destroy();
      throw error;
    }
    const failure = await finished;
    if (failure !== undefined) throw failure;
    const record: RbdImageRecord = {
      ...image, snapshot, size, blockSize, base: usable?.snapshot ?? null,
      changedBytes: this.progress.changedBytes, blocksStored: this.progress.blocksStored, blocksAsDeltas: this.progress.blocksAsDeltas,
    };
    const node: TreeNode = { name, type: 'file', mode: 0o600, uid: 0, gid: 0, mtimeNs: String(BigInt(at.getTime()) * 1_000_000n), size, content: blocks };
    return { node, record, warnings };
  }

  private async store(block: Buffer): Promise<Id> {
    if (isZero(block)) return this.zeroBlock(block.length);
    return this.sealer === undefined ? this.writer.saveData(block) : this.sealer.sealBlock(block);
  }

  /**
   * Stores a block of the previous backup that a few writes changed: as those writes over
   * it (a delta blob, without reading the block) while the chain below stays short, else whole.
   */
  private async storeChanges(previous: Id, length: number, change: Changes, whole: () => Promise<Buffer>): Promise<Id> {
    const location = this.repository.index.get(previous);
    const below = location?.type === 'delta' ? await this.repository.loadDelta(previous) : { depth: 0, chainBytes: 0 };
    if (location?.rawLength === length && worthADelta(length, change.bytes, below)) {
      this.progress.blocksAsDeltas++;
      return this.writer.saveDelta({ base: previous, depth: below.depth + 1, chainBytes: below.chainBytes + change.bytes, length, extents: change.writes });
    }
    return this.store(await whole());
  }

  /** The blob of `length` zeros, made once: a sparse terabyte costs no terabyte of memset. */
  private zeroBlock(length: number): Promise<Id> {
    let id = this.zeroIds.get(length);
    if (id === undefined) this.zeroIds.set(length, (id = this.writer.saveData(Buffer.alloc(length))));
    return id;
  }
}

/**
 * Removes the Strata snapshots of the image that `policy` does not keep; `diffBase`, the
 * snapshot just backed up, always stays.
 */
export async function pruneLiveSnapshots(runner: RbdRunner, image: RbdImage, diffBase: string, policy: RetentionPolicy | undefined): Promise<LiveDecision> {
  const decision = decideLiveSnapshots(await liveSnapshots(runner, image), diffBase, policy);
  for (const name of decision.remove) await runner.run(['snap', 'rm', '--no-progress', imageSpec(image, name)]);
  return decision;
}
