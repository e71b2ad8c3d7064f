/**
 * Writes small restored files with plain blocking system calls, off the main thread: open,
 * write, close, owner, mode and times of a whole batch in one go. Through fs/promises each
 * of those is a hand-off to libuv's pool and back, and on a restore of many small files
 * those hand-offs, not the disk, kept the main thread busy.
 */
import { chmodSync, closeSync, constants, ftruncateSync, lchownSync, openSync, rmSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { dataRuns } from './holes.ts';
import { setTimes } from './libc.ts';
import type { SmallFileBatch, SmallFileDone, SmallFileJob, SmallFileResult } from './small-file-protocol.ts';

const port = parentPort!;
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Creates the file exclusively; what is in the way is removed and the creation tried once more. */
function create(path: string | Buffer, mode: number): number {
  try {
    return openSync(path, CREATE, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    rmSync(path, { force: true });
    return openSync(path, CREATE, mode);
  }
}

async function write(job: SmallFileJob, bytes: Uint8Array): Promise<SmallFileResult> {
  const path = typeof job.path === 'string' ? job.path : Buffer.from(job.path);
  try {
    const fd = create(path, job.openMode);
    try {
      let end = 0;
      for (const [from, to] of dataRuns(bytes)) {
        for (let at = from; at < to;) {
          const written = writeSync(fd, bytes, at, to - at, at);
          if (written === 0) throw new Error(`no room to write at byte ${at}`);
          at += written;
        }
        end = to;
      }
      // A file that ends in a hole gets its length from truncate; the file is new, so nothing is cut.
      if (end < bytes.length) ftruncateSync(fd, bytes.length);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
  try {
    if (job.owner !== undefined) lchownSync(path, job.owner.uid, job.owner.gid);
    if (job.mode !== undefined) chmodSync(path, job.mode);
    await setTimes(path, job.mtimeNs, false);
    return {};
  } catch (error) {
    return { warning: `metadata not fully restored: ${(error as Error).message}` };
  }
}

port.on('message', (batch: SmallFileBatch) => {
  void (async () => {
    const results: SmallFileResult[] = [];
    for (const job of batch.jobs) results.push(await write(job, new Uint8Array(batch.buffer, job.offset, job.length)));
    port.postMessage({ id: batch.id, results } satisfies SmallFileDone);
  })();
});
