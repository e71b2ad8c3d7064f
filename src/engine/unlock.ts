/** `unlock`: locks left by processes that died are removed; live ones only when asked. */
import { listLocks, type StoredLock } from '../repository/lock.ts';
import type { Repository } from '../repository/repository.ts';

/** Removes stale locks (or all of them); returns what was removed. */
export async function unlock(repository: Repository, all: boolean): Promise<StoredLock[]> {
  const removed: StoredLock[] = [];
  for (const lock of await listLocks(repository)) {
    if (!all && !lock.stale) continue;
    await repository.backend.remove(`locks/${lock.id}`).catch((error: unknown) => {
      if (!repository.backend.isNotFound(error)) throw error;
    });
    removed.push(lock);
  }
  return removed;
}
