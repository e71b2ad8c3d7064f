/**
 * Hands small restored files to a worker (small-file-worker.ts) in batches: the files that
 * one turn of the event loop made ready go together, with their bytes copied into one
 * buffer that is moved, not cloned. Each write resolves when its file has its content,
 * owner, mode and times.
 */
import { Worker } from 'node:worker_threads';
import type { FsPath } from './fs-path.ts';
import type { SmallFileBatch, SmallFileDone, SmallFileJob, SmallFileResult } from './small-file-protocol.ts';

const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './small-file-worker.ts' : './small-file-worker.js', import.meta.url);

/** A batch is sent at once when it holds this many files or bytes. */
const BATCH_FILES = 128;
const BATCH_BYTES = 4 * 1024 * 1024;

export interface SmallFile {
  readonly path: FsPath;
  readonly content: readonly Uint8Array[];
  readonly openMode: number;
  readonly owner?: { readonly uid: number; readonly gid: number };
  readonly mode?: number;
  readonly mtimeNs: string;
}

interface Pending {
  readonly file: SmallFile;
  readonly settle: (result: SmallFileResult) => void;
}

export class SmallFileWriter {
  private readonly worker: Worker;
  private batch: Pending[] = [];
  private batchBytes = 0;
  private scheduled = false;
  private nextId = 0;
  private readonly sent = new Map<number, Pending[]>();
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(workerUrl);
    this.worker.unref();
    this.worker.on('message', (done: SmallFileDone) => {
      const pending = this.sent.get(done.id) ?? [];
      this.sent.delete(done.id);
      pending.forEach((p, i) => p.settle(done.results[i] ?? { error: 'the writer gave no answer for it' }));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the file writer stopped (exit ${code})`)));
  }

  /** Resolves with a warning (metadata not fully set) or nothing; rejects when the content could not be written. */
  write(file: SmallFile): Promise<string | undefined> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<string | undefined>((resolve, reject) => {
      this.batch.push({ file, settle: (r) => (r.error !== undefined ? reject(new Error(r.error)) : resolve(r.warning)) });
      this.batchBytes += file.content.reduce((sum, part) => sum + part.length, 0);
      if (this.batch.length >= BATCH_FILES || this.batchBytes >= BATCH_BYTES) this.send();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.send());
      }
    });
  }

  /** Stops the worker: for after every write has settled (one still out fails); later writes are refused. */
  async close(): Promise<void> {
    this.failure ??= new Error('the file writer is closed');
    await this.worker.terminate();
  }

  private send(): void {
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const pending = this.batch;
    const buffer = new Uint8Array(this.batchBytes);
    this.batch = [];
    this.batchBytes = 0;
    let offset = 0;
    const jobs: SmallFileJob[] = pending.map(({ file }) => {
      const start = offset;
      for (const part of file.content) {
        buffer.set(part, offset);
        offset += part.length;
      }
      return {
        path: file.path, offset: start, length: offset - start, openMode: file.openMode, mtimeNs: file.mtimeNs,
        ...(file.owner !== undefined && { owner: file.owner }), ...(file.mode !== undefined && { mode: file.mode }),
      };
    });
    const id = this.nextId++;
    this.sent.set(id, pending);
    this.worker.postMessage({ id, buffer: buffer.buffer, jobs } satisfies SmallFileBatch, [buffer.buffer]);
  }

  /** The worker is gone: every file sent or waiting fails with why. */
  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of [...this.sent.values(), this.batch]) for (const p of pending) p.settle({ error: error.message });
    this.sent.clear();
    this.batch = [];
    this.batchBytes = 0;
  }
}
