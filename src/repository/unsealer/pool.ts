/**
 * Unsealing workers for a restore: a blob's stored bytes go in, its verified plaintext
 * comes out, and the main thread stays free to read packs and write files. One worker per
 * core but one, which the main thread keeps.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BlobDamaged } from '../blob.ts';
import type { Id } from '../hash.ts';
import type { FromUnsealer, ToUnsealer } from './protocol.ts';

const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

interface Pending {
  readonly resolve: (plaintext: Buffer) => void;
  readonly reject: (error: Error) => void;
}

export class UnsealerPool {
  private readonly workers: Worker[] = [];
  /** Blobs handed to each worker and not yet back: the next goes to the least busy. */
  private readonly busy: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private failure: Error | undefined;

  constructor(key: Uint8Array, size = Math.max(1, Math.min(availableParallelism() - 1, 4))) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(workerUrl);
      worker.unref();
      worker.postMessage({ type: 'init', key } satisfies ToUnsealer);
      worker.on('message', (reply: FromUnsealer) => this.settle(i, reply));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => this.fail(new Error(`an unsealing worker stopped (exit ${code})`)));
      this.workers.push(worker);
      this.busy.push(0);
    }
  }

  /** The plaintext of a blob, proven to hash to `id` (BlobDamaged when it does not). */
  unseal(id: Id, stored: Uint8Array, compressed: boolean): Promise<Buffer> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const seq = this.seq++;
    const at = this.busy.indexOf(Math.min(...this.busy));
    this.busy[at]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.workers[at]!.postMessage({ type: 'unseal', seq, id, stored, compressed } satisfies ToUnsealer);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the unsealing workers are closed');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private settle(worker: number, reply: FromUnsealer): void {
    this.busy[worker]!--;
    const pending = this.pending.get(reply.seq);
    this.pending.delete(reply.seq);
    if ('damaged' in reply) pending?.reject(new BlobDamaged(reply.damaged));
    else pending?.resolve(Buffer.from(reply.plaintext.buffer, reply.plaintext.byteOffset, reply.plaintext.byteLength));
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
