/**
 * Holds (docs/repository-format.md, "Holds"): a snapshot under hold is never forgotten,
 * whatever the retention policy says — for an incident under investigation, a legal hold,
 * the last backup before an upgrade. One sealed object per held snapshot, named by it, so
 * that placing a hold never rewrites the snapshot (whose ID is its content's hash).
 */
import type { Id } from './hash.ts';
import type { Repository } from './repository.ts';

export interface Hold {
  readonly snapshot: Id;
  readonly time: string;
  readonly reason: string;
  readonly host: string;
  readonly username: string;
}

const key = (snapshot: Id): string => `holds/${snapshot}`;

export async function placeHold(repository: Repository, hold: Hold): Promise<void> {
  await repository.backend.save(key(hold.snapshot), repository.sealMetadata('hold', hold));
}

/** Whether there was a hold to release. */
export async function releaseHold(repository: Repository, snapshot: Id): Promise<boolean> {
  try {
    await repository.backend.stat(key(snapshot));
  } catch (error) {
    if (repository.backend.isNotFound(error)) return false;
    throw error;
  }
  await repository.backend.remove(key(snapshot));
  return true;
}

export async function listHolds(repository: Repository): Promise<Map<Id, Hold>> {
  const holds = new Map<Id, Hold>();
  for await (const object of repository.backend.list('holds/')) {
    const hold = repository.unsealMetadata('hold', await repository.backend.load(object.key)) as Hold;
    holds.set(hold.snapshot, hold);
  }
  return holds;
}
