/** Restores a snapshot (or the parts --include selects) into a directory. */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathMatcher } from '../core/glob.ts';
import { Lock } from '../repository/lock.ts';
import type { Repository } from '../repository/repository.ts';
import type { StoredSnapshot } from '../repository/snapshot.ts';
import { FilesRestore, type RestoreResult } from '../sources/files/restore.ts';

export async function restoreSnapshot(repository: Repository, snapshot: StoredSnapshot, target: string, include: readonly string[]): Promise<RestoreResult> {
  const lock = await Lock.acquire(repository, 'restore', 'shared');
  try {
    await repository.loadIndex();
    const destination = resolve(target);
    await mkdir(destination, { recursive: true, mode: 0o700 });
    return await new FilesRestore(repository, pathMatcher(include)).run(snapshot.tree, '/', destination);
  } finally {
    await lock.release();
  }
}
