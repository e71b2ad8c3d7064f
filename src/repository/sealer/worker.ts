/**
 * A sealing worker: reads files and cuts them into chunks (or takes whole blocks handed to
 * it), hashes, compresses and encrypts the chunks the repository does not have yet. Runs off the main thread so both cores work.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { blobPayload } from '../blob.ts';
import { SEAL_OVERHEAD, sealInto } from '../crypto.ts';
import { Chunker } from '../chunker.ts';
import { sha256 } from '../hash.ts';
import type { FileJob, FileResult, FromWorker, SealedBlobRef, ToWorker } from './protocol.ts';

/** Chunks are sent to the main thread in rounds of about this many plaintext bytes. */
const ROUND_BYTES = 4 * 1024 * 1024;
const READ_BYTES = 1024 * 1024;

/**
 * A young-generation collection after each round's worth of bytes (a round of whole blocks
 * may be smaller: an etcd value chunk is 1 MiB). Sealing leaves a round's worth of dead
 * buffers (zstd and cipher output) behind small wrappers in the young generation, and V8
 * collects them only once the external memory it tracks has grown by tens of megabytes:
 * each worker would carry that much garbage. A scavenge of this small heap takes well
 * under a millisecond. (`gc` is exposed for the contexts created after the flag is set.)
 */
setFlagsFromString('--expose-gc');
const collectYoung = runInNewContext('gc') as (options: { type: 'minor' }) => void;

const port = parentPort!;
const inbox: ToWorker[] = [];
let wake: (() => void) | undefined;
port.on('message', (message: ToWorker) => {
  inbox.push(message);
  wake?.();
});

async function receive(): Promise<ToWorker> {
  while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
  wake = undefined;
  return inbox.shift()!;
}

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

interface Pending {
  readonly id: string;
  readonly data: Uint8Array;
}

class Round {
  private pending: Pending[] = [];
  private bytes = 0;
  private readonly key: Uint8Array;
  /**
   * Chunks cut from the reused read buffer are copied here until the round is sealed: one
   * buffer for every round, where a copy per chunk would leave tens of megabytes of garbage
   * per worker between collections. Room for a full round plus the largest chunk.
   */
  private readonly plain: Buffer;
  private plainUsed = 0;
  /** The buffer sealed blobs are handed over in; the main thread gives it back with its ack. */
  private spare: ArrayBuffer | undefined;
  /** Plaintext bytes flushed since the last young-generation collection. */
  private uncollected = 0;

  constructor(key: Uint8Array, maxChunk: number) {
    this.key = key;
    this.plain = Buffer.allocUnsafe(ROUND_BYTES + maxChunk);
  }

  /** Adds a block the round may keep until it is sealed (a block handed to the worker). */
  add(data: Uint8Array): string {
    const id = sha256(data);
    this.pending.push({ id, data });
    this.bytes += data.length;
    return id;
  }

  /** Adds a view of a buffer that is reused as soon as this returns: its bytes are copied. */
  addCopy(view: Uint8Array): string {
    const copy = this.plain.subarray(this.plainUsed, this.plainUsed + view.length);
    copy.set(view);
    this.plainUsed += view.length;
    return this.add(copy);
  }

  get full(): boolean {
    return this.bytes >= ROUND_BYTES;
  }

  /** Asks which chunks are new, seals those, and hands them over. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    this.uncollected += this.bytes;
    this.bytes = 0;
    // Everything below reads `plain` before this returns; the next round may overwrite it then.
    this.plainUsed = 0;
    send({ type: 'query', ids: pending.map((p) => p.id) });
    const answer = await receive();
    if (answer.type !== 'need') throw new Error(`expected need, got ${answer.type}`);
    const needed = pending.filter((_, i) => answer.need[i] === true).map((p) => ({ ...p, ...blobPayload(p.data) }));
    if (needed.length === 0) return;
    const total = needed.reduce((sum, p) => sum + p.payload.length + SEAL_OVERHEAD, 0);
    // The main thread hands the last round's buffer back with its ack: no fresh memory per round.
    const buffer = this.spare !== undefined && this.spare.byteLength >= total ? this.spare : new ArrayBuffer(Math.max(total, this.plain.length + 64 * 1024));
    this.spare = undefined;
    const view = new Uint8Array(buffer);
    const blobs: SealedBlobRef[] = [];
    let offset = 0;
    for (const blob of needed) {
      const length = sealInto(this.key, 'blob', blob.payload, view, offset);
      blobs.push({ id: blob.id, offset, length, rawLength: blob.data.length, compressed: blob.compressed });
      offset += length;
    }
    send({ type: 'blobs', buffer, blobs }, [buffer]);
    const ack = await receive();
    if (ack.type !== 'ack') throw new Error(`expected ack, got ${ack.type}`);
    this.spare = ack.buffer;
    if (this.uncollected < ROUND_BYTES) return;
    this.uncollected = 0;
    collectYoung({ type: 'minor' });
  }
}

/** Reads one file to its end, cutting chunks as it goes; the buffer is reused between rounds. */
async function chunkFile(path: string | Uint8Array, chunker: Chunker, round: Round, buffer: Buffer): Promise<FileResult> {
  const content: string[] = [];
  let size = 0;
  let fd: number;
  try {
    fd = openSync(typeof path === 'string' ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength), 'r');
  } catch (error) {
    return { content, size, error: (error as Error).message };
  }
  try {
    let filled = 0;
    let eof = false;
    while (!eof || filled > 0) {
      while (!eof && filled < buffer.length) {
        // Read at most 1 MiB at a time: the kernel serves page-cache reads into a huge
        // user buffer markedly slower, and small files never need more.
        const n = readSync(fd, buffer, filled, Math.min(buffer.length - filled, READ_BYTES), null);
        if (n === 0) eof = true;
        filled += n;
        size += n;
      }
      let start = 0;
      for (;;) {
        const length = chunker.cut(buffer, start, filled, eof);
        if (length <= 0) break;
        content.push(round.addCopy(buffer.subarray(start, start + length)));
        start += length;
        if (round.full) await round.flush();
      }
      buffer.copyWithin(0, start, filled);
      filled -= start;
      if (eof && filled === 0) break;
    }
  } catch (error) {
    return { content, size, error: (error as Error).message };
  } finally {
    closeSync(fd);
  }
  return { content, size };
}

async function main(): Promise<void> {
  const init = await receive();
  if (init.type !== 'init') throw new Error('worker needs init first');
  const chunker = new Chunker(init.chunker);
  // Room for one largest chunk plus some, so a read usually yields several chunks.
  const buffer = Buffer.allocUnsafe(chunker.maxSize + 2 * 1024 * 1024);
  const round = new Round(init.key, chunker.maxSize);
  for (;;) {
    const task = await receive();
    const files: FileResult[] = [];
    if (task.type === 'blocks') {
      for (const { bytes, piece } of task.blocks) {
        const content: string[] = [];
        for (let at = 0; at < bytes.length; at += piece) {
          content.push(round.add(bytes.subarray(at, at + piece)));
          if (round.full) await round.flush();
        }
        files.push({ content, size: bytes.length });
      }
      await round.flush();
      // Sealed blocks are copied into the round buffer: their memory goes back for reuse.
      const memory = task.blocks.map((block) => block.bytes.buffer as ArrayBuffer);
      send({ type: 'done', files, blocks: memory }, memory);
    } else if (task.type === 'task') {
      for (const job of task.files as FileJob[]) files.push(await chunkFile(job.path, chunker, round, buffer));
      await round.flush();
      send({ type: 'done', files });
    } else throw new Error(`expected a task, got ${task.type}`);
  }
}

main().catch((error: unknown) => send({ type: 'fatal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
