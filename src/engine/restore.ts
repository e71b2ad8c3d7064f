/** Restores a snapshot (or the parts --include selects) into a directory. */
import { mkdir, stat } from 'node:fs/promises';
import { UsageError } from '../core/errors.ts';
import { resolve } from 'node:path';
import { pathMatcher } from '../core/glob.ts';
import { Lock } from '../repository/lock.ts';
import type { Repository } from '../repository/repository.ts';
import type { StoredSnapshot } from '../repository/snapshot.ts';
import { FilesRestore, type RestoreResult } from '../sources/files/restore.ts';

export async function restoreSnapshot(repository: Repository, snapshot: StoredSnapshot, target: string, include: readonly string[]): Promise<RestoreResult> {
  await expectDirectory(target);
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

/** --target must be a directory or not exist yet (it is made); anything else is the user's to fix. */
async function expectDirectory(target: string): Promise<void> {
  const hint = 'name a directory for --target; it is created when it does not exist';
  for (let at = resolve(target); ; at = resolve(at, '..')) {
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => {
      // Not there (or below a file): look at the directory above.
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw new UsageError(`--target ${target}: ${error.message}`, { hint, cause: error });
    });
    if (found === undefined) continue;
    if (!found.isDirectory()) {
      throw new UsageError(`--target ${target}: ${at === resolve(target) ? 'is' : `lies below ${at}, which is`} a file, not a directory`, { hint });
    }
    return;
  }
}
