/** Reading and writing snapshot manifests; finding one by ID prefix or `latest`. */
import { AmbiguousId, RepositoryDamaged, SnapshotNotFound } from './errors.ts';
import { FORMAT_VERSION } from './config.ts';
import type { Id } from './hash.ts';
import type { Repository } from './repository.ts';
import type { Snapshot, StoredSnapshot } from './snapshot.ts';

export interface SnapshotListing {
  readonly snapshots: readonly StoredSnapshot[];
  /** Snapshot objects that could not be read (damaged), by key. */
  readonly damaged: readonly { key: string; message: string }[];
}

export async function listSnapshots(repository: Repository): Promise<SnapshotListing> {
  const snapshots: StoredSnapshot[] = [];
  const damaged: { key: string; message: string }[] = [];
  for await (const object of repository.backend.list('snapshots/')) {
    const id = object.key.slice('snapshots/'.length);
    try {
      const snapshot = repository.unsealMetadata('snapshot', await repository.backend.load(object.key)) as Snapshot;
      snapshots.push({ ...snapshot, id });
    } catch (error) {
      damaged.push({ key: object.key, message: (error as Error).message });
    }
  }
  snapshots.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
  return { snapshots, damaged };
}

/** `ref` is a full ID, a unique prefix of one, or `latest`. */
export async function findSnapshot(repository: Repository, ref: string): Promise<StoredSnapshot> {
  const { snapshots } = await listSnapshots(repository);
  if (ref === 'latest') {
    const latest = snapshots.at(-1);
    if (latest === undefined) throw new SnapshotNotFound(`repository ${repository.backend.location} has no snapshots yet`);
    return latest;
  }
  const matches = snapshots.filter((s) => s.id.startsWith(ref.toLowerCase()));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new AmbiguousId(`snapshot ID ${ref} is ambiguous: ${matches.map((s) => s.id.slice(0, 12)).join(', ')}`, { hint: 'give more digits' });
  throw new SnapshotNotFound(`no snapshot ${ref} in ${repository.backend.location}`, { hint: 'list them with `strata snapshots`' });
}

export async function saveSnapshot(repository: Repository, snapshot: Snapshot): Promise<Id> {
  if (snapshot.version !== FORMAT_VERSION) throw new RepositoryDamaged(`refusing to write a snapshot of version ${snapshot.version}`);
  return repository.saveMetadata('snapshots', 'snapshot', snapshot);
}
