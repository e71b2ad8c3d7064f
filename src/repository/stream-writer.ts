/**
 * Stores one stream of unknown length (an etcd snapshot, a command's output) as a file's
 * content, each new chunk sealed and added to the blob writer. Chunks are compressed on
 * libuv's thread pool, a few at a time, so the main thread keeps receiving the stream.
 *
 * Two ways to cut: the repository's content-defined chunker (for data whose changes insert
 * and delete bytes), or fixed pieces aligned to the start (for page files such as etcd's
 * bolt database, where a change writes whole pages and leaves the others where they are:
 * aligned pieces that hold only unchanged pages keep their IDs, whatever moved elsewhere).
 */
import { sealBlobAsync } from './blob.ts';
import type { BlobWriter } from './blob-writer.ts';
import { Chunker } from './chunker.ts';
import { sha256, type Id } from './hash.ts';
import type { Repository } from './repository.ts';
import type { SealerPool } from './sealer/pool.ts';

export type Cutting = { readonly kind: 'content-defined' } | { readonly kind: 'aligned'; readonly size: number };

/**
 * Chunks being compressed at once, each held twice (plain and sealed), and the bytes they
 * may hold past the first: four content-defined chunks, or two 8 MiB pieces, so that a
 * registry's four layers at a time stay in tens of MiB and the stream keeps arriving while
 * a piece waits for its pack to be stored.
 */
const IN_FLIGHT = 4;
const IN_FLIGHT_BYTES = 16 * 1024 * 1024;
/** Pieces gathered into one block for a sealing worker: one message per 64 pieces, not per piece. */
const PIECES_PER_BLOCK = 64;
/** Blocks handed to the sealing workers at once (16 MiB of 16 KiB pieces): both stay busy. */
const BLOCKS_IN_FLIGHT = 16;

/** Sealing workers (the repository's SealerPool), for aligned pieces. */
export type PieceSealer = Pick<SealerPool, 'sealPieces' | 'blockBuffer'>;

export class StreamWriter {
  private readonly repository: Repository;
  private readonly writer: BlobWriter;
  private readonly chunker: Chunker | undefined;
  private readonly alignedSize: number;
  private pieces: Uint8Array[] = [];
  private buffered = 0;
  private readonly content: Id[] = [];
  private size = 0;
  private inFlight = 0;
  private readonly sealing = new Set<Promise<void>>();
  private failure: unknown;

  private readonly sealer: PieceSealer | undefined;
  /** With a sealer: the block being filled with the next pieces, and how much of it is. */
  private block: Buffer | undefined;
  private filled = 0;

  /**
   * With a `sealer` (aligned cutting only), pieces are copied into blocks that its workers
   * hash, compress and seal, and the main thread only copies the stream: a fast stream (an
   * etcd snapshot) is then not held to the speed of one core.
   */
  constructor(repository: Repository, writer: BlobWriter, cutting: Cutting = { kind: 'content-defined' }, sealer?: PieceSealer) {
    if (sealer !== undefined && cutting.kind !== 'aligned') throw new RangeError('sealing workers take aligned pieces only');
    this.repository = repository;
    this.writer = writer;
    this.sealer = sealer;
    this.chunker = cutting.kind === 'content-defined' ? new Chunker(repository.config.chunker) : undefined;
    this.alignedSize = cutting.kind === 'aligned' ? cutting.size : 0;
  }

  /** The most bytes a cut needs in hand so every boundary is the one the whole stream would give. */
  private get window(): number {
    return this.chunker?.maxSize ?? this.alignedSize;
  }

  async push(bytes: Uint8Array): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.size += bytes.length;
    if (this.sealer !== undefined) return this.fill(this.sealer, bytes);
    this.pieces.push(bytes);
    this.buffered += bytes.length;
    // Content-defined cuts are made over two windows, so each concat yields several chunks;
    // an aligned piece is cut as soon as it is whole, so no more than one is held.
    if (this.buffered >= (this.chunker === undefined ? 1 : 2) * this.window) await this.cut(false);
  }

  /** The content IDs and length of everything pushed, once every new chunk is in the blob writer. */
  async finish(): Promise<{ content: Id[]; size: number }> {
    if (this.sealer !== undefined) {
      if (this.filled > 0) await this.sealBlock(this.sealer);
    } else await this.cut(true);
    while (this.sealing.size > 0) await Promise.race(this.sealing);
    if (this.failure !== undefined) throw this.failure;
    return { content: this.content, size: this.size };
  }

  private length(data: Uint8Array, start: number, final: boolean): number {
    if (this.chunker !== undefined) return this.chunker.cut(data, start, data.length, final);
    return Math.min(this.alignedSize, data.length - start);
  }

  private async cut(final: boolean): Promise<void> {
    const data = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces);
    let start = 0;
    while (start < data.length) {
      if (!final && data.length - start < this.window) break;
      const length = this.length(data, start, final);
      if (length <= 0) break;
      await this.store(data.subarray(start, start + length));
      start += length;
    }
    const rest = data.subarray(start);
    this.pieces = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
  }

  private async store(chunk: Uint8Array): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const id = sha256(chunk);
    this.content.push(id);
    if (this.writer.known(id)) return;
    while (this.sealing.size >= IN_FLIGHT || (this.sealing.size > 0 && this.inFlight + chunk.length > IN_FLIGHT_BYTES)) await Promise.race(this.sealing);
    this.inFlight += chunk.length;
    // Added to the writer in whatever order sealing ends: pack order does not matter, the content list keeps the file's order.
    this.track(
      sealBlobAsync(this.repository.masterKey, chunk, id)
        .then((blob) => this.writer.add('data', blob))
        .finally(() => (this.inFlight -= chunk.length)),
    );
  }

  /** Copies bytes into the current block; a full block goes to the workers. */
  private async fill(sealer: PieceSealer, bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; ) {
      this.block ??= sealer.blockBuffer(this.alignedSize * PIECES_PER_BLOCK);
      const n = Math.min(bytes.length - at, this.block.length - this.filled);
      this.block.set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.block.length) await this.sealBlock(sealer);
    }
  }

  private async sealBlock(sealer: PieceSealer): Promise<void> {
    const block = this.block!;
    const filled = this.filled;
    this.block = undefined;
    this.filled = 0;
    const first = this.content.length;
    for (let at = 0; at < filled; at += this.alignedSize) this.content.push('');
    while (this.sealing.size >= BLOCKS_IN_FLIGHT) await Promise.race(this.sealing);
    this.track(sealer.sealPieces(block, this.alignedSize, filled).then((ids) => this.content.splice(first, ids.length, ...ids)));
  }

  private track(work: Promise<unknown>): void {
    const task: Promise<void> = work
      .then(() => undefined)
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.sealing.delete(task));
    this.sealing.add(task);
  }
}
