/**
 * A pool of sealing workers (one per core by default). Callers hand it file paths and get
 * back each file's chunk IDs; new chunks go into the BlobWriter as the workers produce them,
 * and a worker waits for the writer before it reads on, so memory stays bounded.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BlobWriter } from '../blob-writer.ts';
import type { Repository } from '../repository.ts';
import type { FileJob, FileResult, FromWorker, PieceBlock, ToWorker } from './protocol.ts';

const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

/** Small files are sent to a worker in batches of up to this many, or this many bytes. */
const BATCH_FILES = 128;
const BATCH_BYTES = 16 * 1024 * 1024;

/** Sealed blocks' memory kept for reuse: as many as a reader keeps in flight, and a few more. */
const MAX_SPARE_BLOCKS = 24;

/** A file to read and chunk, or a block of bytes to seal in fixed pieces. */
type Job = { readonly file: FileJob } | { readonly block: PieceBlock };

interface QueuedFile {
  readonly job: Job;
  readonly size: number;
  readonly resolve: (result: FileResult) => void;
  readonly reject: (error: unknown) => void;
}

export class SealerPool {
  private readonly writer: BlobWriter;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  /** Files waiting for a worker, from `head` on (shift() on a long array is O(n)). */
  private queue: QueuedFile[] = [];
  private head = 0;
  private readonly drainWaiters: { below: number; resolve: () => void }[] = [];
  /** Chunks some worker has been told to seal and has not delivered yet. */
  private readonly claimed = new Set<string>();
  private failure: Error | undefined;
  /** Memory of sealed blocks, by the lengths blockBuffer was asked for. */
  private readonly spareBlocks = new Map<number, ArrayBuffer[]>();
  /** Plaintext bytes of file content read so far (progress). */
  bytesRead = 0;

  constructor(repository: Repository, writer: BlobWriter, size = Math.max(1, Math.min(availableParallelism(), 8))) {
    this.writer = writer;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(workerUrl);
      worker.unref();
      worker.postMessage({ type: 'init', key: repository.masterKey, chunker: repository.config.chunker } satisfies ToWorker);
      worker.on('error', (error) => this.fail(error));
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** The chunk IDs of one file, once a worker has read it and every new chunk is in the writer. */
  chunkFile(path: string | Uint8Array, size: number): Promise<FileResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { file: { path } }, size, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * A zeroed buffer for a block that sealBlock or sealPieces will take: the memory of blocks sealed before
   * when there is some of that length, so an image of any size is read in the same few
   * megabytes (fresh memory costs page faults and garbage collections per block).
   */
  blockBuffer(length: number): Buffer {
    const spares = this.spareBlocks.get(length);
    if (spares === undefined) this.spareBlocks.set(length, []);
    const spare = spares?.pop();
    return spare === undefined ? Buffer.alloc(length) : Buffer.from(spare).fill(0);
  }

  /**
   * The blob ID of one block, sealed whole by a worker (image blocks are already the unit):
   * its first `length` bytes, so a block filled short of its buffer is handed over without a copy.
   */
  async sealBlock(block: Uint8Array, length = block.length): Promise<string> {
    return (await this.sealPieces(block, length, length))[0]!;
  }

  /**
   * The blob IDs of the first `length` bytes of `block` cut in fixed pieces of `piece` bytes
   * (the last may be shorter), sealed by one worker: many small pieces travel in one
   * message. The block's memory is handed to the worker when the Buffer owns all of it, so
   * the caller must not use it afterwards.
   */
  async sealPieces(block: Uint8Array, piece: number, length = block.length): Promise<string[]> {
    if (this.failure !== undefined) throw this.failure;
    if (!(piece > 0)) throw new RangeError(`piece length must be positive, got ${piece}`);
    if (!(length >= 0 && length <= block.length)) throw new RangeError(`length ${length} is outside a block of ${block.length}`);
    // A small Buffer may share Node's pool: transferring that would detach every other one.
    const own = block.byteOffset === 0 && block.byteLength === block.buffer.byteLength ? block : new Uint8Array(block.subarray(0, length));
    const bytes = own.subarray(0, length);
    const result = await new Promise<FileResult>((resolve, reject) => {
      this.queue.push({ job: { block: { bytes, piece } }, size: length, resolve, reject });
      this.dispatch();
    });
    return [...result.content];
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Resolves once fewer than `below` files wait for a worker: the walk's back-pressure. */
  drained(below: number): Promise<void> {
    if (this.queued < below) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push({ below, resolve }));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queued > 0) {
      const batch: QueuedFile[] = [];
      let bytes = 0;
      const blocks = 'block' in this.queue[this.head]!.job;
      // A batch is all files or all blocks: one message type per task.
      while (this.queued > 0 && batch.length < BATCH_FILES && 'block' in this.queue[this.head]!.job === blocks && (batch.length === 0 || bytes + this.queue[this.head]!.size <= BATCH_BYTES)) {
        const next = this.queue[this.head++]!;
        batch.push(next);
        bytes += next.size;
      }
      void this.run(this.idle.pop()!, batch);
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    for (let i = this.drainWaiters.length - 1; i >= 0; i--) {
      const waiter = this.drainWaiters[i]!;
      if (this.queued < waiter.below) {
        this.drainWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private async run(worker: Worker, batch: QueuedFile[]): Promise<void> {
    try {
      const results = await this.converse(worker, batch.map((b) => b.job));
      batch.forEach((item, i) => item.resolve(results[i]!));
      this.idle.push(worker);
      this.dispatch();
    } catch (error) {
      batch.forEach((item) => item.reject(error));
      this.fail(error as Error);
    }
  }

  /** One task: answer the worker's queries and take its blobs until it is done. */
  private converse(worker: Worker, jobs: readonly Job[]): Promise<readonly FileResult[]> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromWorker): void => {
        void this.handle(worker, message).then((done) => {
          if (done === undefined) return;
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolve(done);
        }, (error: unknown) => {
          worker.off('message', onMessage);
          reject(error as Error);
        });
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      const blocks = jobs.flatMap((j) => ('block' in j ? [j.block] : []));
      if (blocks.length > 0) worker.postMessage({ type: 'blocks', blocks } satisfies ToWorker, blocks.map((b) => b.bytes.buffer as ArrayBuffer));
      else worker.postMessage({ type: 'task', files: jobs.map((j) => (j as { file: FileJob }).file) } satisfies ToWorker);
    });
  }

  private async handle(worker: Worker, message: FromWorker): Promise<readonly FileResult[] | undefined> {
    switch (message.type) {
      case 'query': {
        const need = message.ids.map((id) => {
          if (this.claimed.has(id) || this.writer.known(id)) return false;
          this.claimed.add(id);
          return true;
        });
        worker.postMessage({ type: 'need', need } satisfies ToWorker);
        return undefined;
      }
      case 'blobs': {
        const bytes = Buffer.from(message.buffer);
        for (const blob of message.blobs) {
          await this.writer.add('data', { id: blob.id, sealed: bytes.subarray(blob.offset, blob.offset + blob.length), rawLength: blob.rawLength, compressed: blob.compressed });
          this.claimed.delete(blob.id);
        }
        worker.postMessage({ type: 'ack', buffer: message.buffer } satisfies ToWorker, [message.buffer]);
        return undefined;
      }
      case 'done':
        for (const file of message.files) this.bytesRead += file.size;
        for (const memory of message.blocks ?? []) this.keepBlock(memory);
        return message.files;
      case 'fatal':
        throw new Error(`sealing worker failed: ${message.message}`);
    }
  }

  /** Keeps a sealed block's memory for reuse, if blocks of its length are asked for: blocks of odd lengths would only pile up. */
  private keepBlock(memory: ArrayBuffer): void {
    const spares = this.spareBlocks.get(memory.byteLength);
    if (spares !== undefined && spares.length < MAX_SPARE_BLOCKS) spares.push(memory);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const item of this.queue.slice(this.head)) item.reject(error);
    this.queue = [];
    this.head = 0;
    for (const waiter of this.drainWaiters.splice(0)) waiter.resolve();
  }
}
