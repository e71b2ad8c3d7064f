/**
 * `strata prune`: remove the data no snapshot uses, while backups keep running.
 *
 * Deleting a pack is only safe once no run can still refer to it. A backup that was running
 * when the prune decided may have deduplicated against a blob the prune considers unused,
 * and its snapshot, written later, would name a deleted blob. So, as in Duplicacy's two-step
 * fossil collection:
 *
 * 1. mark: every blob the snapshots use; packs nothing uses are candidates, packs mostly
 *    unused are repacked (their used blobs copied into new packs) and become candidates;
 * 2. the candidates leave the index: a backup that starts from now on cannot reuse them;
 * 3. wait until every run holding a lock at that moment has finished;
 * 4. the snapshots written meanwhile are walked: a candidate holding a blob one of them
 *    uses is put back into the index, the others are deleted.
 *
 * When the wait times out nothing is deleted: the candidates stay in storage, outside the
 * index, and the next prune decides about them again (a pack no index names is either put
 * back, when a snapshot uses it, or removed). A prune killed at any step leaves the same
 * recoverable state, and no snapshot loses a blob: `check` reports the stray packs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { unsealBlob } from '../../repository/blob.ts';
import type { Id } from '../../repository/hash.ts';
import { RepositoryDamaged } from '../../repository/errors.ts';
import { listLocks, Lock, type StoredLock } from '../../repository/lock.ts';
import { indexFile, MasterIndex, type IndexedPack, type IndexFile } from '../../repository/master-index.ts';
import { PackBuilder, packKey, type BlobType } from '../../repository/pack.ts';
import { reachableBlobs } from '../../repository/reachable.ts';
import type { Repository } from '../../repository/repository.ts';
import { listSnapshots } from '../../repository/snapshots.ts';
import { collect } from '../../storage/backend.ts';
import { selectPacks, type PackUsage, type PruneStats } from './select.ts';

export interface PruneOptions {
  readonly dryRun: boolean;
  /** Unused bytes that may remain, as a fraction of the used bytes' share (restic's --max-unused); 1 = repack nothing. */
  readonly maxUnused: number;
  /** How long to wait for runs that overlap the prune before leaving the deletion to the next prune. */
  readonly waitMs: number;
  readonly pollMs?: number;
  readonly onPhase?: (phase: string) => void;
}

export interface PruneReport {
  readonly dryRun: boolean;
  readonly snapshots: number;
  readonly packs: number;
  readonly stats: PruneStats;
  readonly removedPacks: number;
  readonly repackedPacks: number;
  readonly reindexedPacks: number;
  /** Candidates that a snapshot written during the prune turned out to use: kept. */
  readonly keptForNewSnapshots: number;
  /** Candidates left for the next prune because a run outlived the wait. */
  readonly deferredPacks: number;
  /** The runs the prune waited for ("backup on cp-1, pid 4242"). */
  readonly waitedFor: readonly string[];
  readonly freedBytes: number;
}

/** How many packs one index file lists, so that no index file grows without bound. */
const PACKS_PER_INDEX = 5000;

export async function prune(repository: Repository, options: PruneOptions): Promise<PruneReport> {
  const phase = options.onPhase ?? (() => undefined);
  const lock = await Lock.acquire(repository, 'prune', 'maintenance');
  try {
    phase('reading the index and listing packs');
    const indexFiles = await readIndexFiles(repository);
    const indexed = new Map<Id, IndexedPack>();
    for (const file of indexFiles) for (const pack of file.packs) if (!indexed.has(pack.id)) indexed.set(pack.id, pack);
    const stored = new Map((await collect(repository.backend.list('data/'))).map((o) => [o.key.slice(o.key.lastIndexOf('/') + 1), o.size]));
    const lost = [...indexed.keys()].filter((id) => !stored.has(id));
    if (lost.length > 0) {
      throw new RepositoryDamaged(`prune refused: ${lost.length} pack(s) in the index are missing from storage (first: ${lost[0]})`, {
        hint: 'run `strata check` to see which snapshots are affected; prune removes nothing while data is missing',
      });
    }
    const unindexed: IndexedPack[] = [];
    for (const [id, size] of stored) {
      if (indexed.has(id)) continue;
      // A pack whose header cannot be read holds nothing anyone can use.
      const blobs = await repository.readPackHeader(id, size).catch(() => []);
      unindexed.push({ id, size, blobs });
    }
    const packs = new Map<Id, IndexedPack>([...indexed, ...unindexed.map((p) => [p.id, p] as const)]);
    repository.index = indexOf(packs.values());

    phase('finding the data snapshots use');
    const listing = await listSnapshots(repository);
    if (listing.damaged.length > 0) {
      throw new RepositoryDamaged(`prune refused: ${listing.damaged.length} snapshot(s) cannot be read (first: ${listing.damaged[0]!.key})`, {
        hint: 'run `strata check`; prune cannot know what an unreadable snapshot uses',
      });
    }
    const { used, missing } = await reachableBlobs(repository, listing.snapshots);
    if (missing.size > 0) {
      const [blob, snapshot] = missing.entries().next().value!;
      throw new RepositoryDamaged(`prune refused: ${missing.size} blob(s) that snapshots use are missing (blob ${blob.slice(0, 12)} of snapshot ${snapshot.slice(0, 8)})`, {
        hint: 'run `strata check` to see which snapshots are affected',
      });
    }

    const selection = selectPacks(usageOf(packs, indexed, used, repository.index), options.maxUnused);
    const base = { dryRun: options.dryRun, snapshots: listing.snapshots.length, packs: stored.size, stats: selection.stats };
    if (options.dryRun) {
      return { ...base, removedPacks: selection.remove.length, repackedPacks: selection.repack.length, reindexedPacks: selection.reindex.length, keptForNewSnapshots: 0, deferredPacks: 0, waitedFor: [], freedBytes: 0 };
    }

    phase(`repacking ${selection.repack.length} pack(s)`);
    const repacked = await repack(repository, selection.repack.map((id) => packs.get(id)!), used);
    await lock.refresh();

    phase('writing the new index');
    const survivors = [...selection.keep, ...selection.reindex].map((id) => packs.get(id)!);
    await writeIndex(repository, [...survivors, ...repacked]);
    for (const file of indexFiles) await repository.backend.remove(file.key);

    const overlapping = (await listLocks(repository)).filter((l) => !l.stale && l.session !== lock.session && !l.maintenance && !l.exclusive);
    const waitedFor = overlapping.map((l) => `${l.operation} on ${l.host}, pid ${l.pid}`);
    if (overlapping.length > 0) phase(`waiting for ${waitedFor.join('; ')}`);
    const finished = await waitForRuns(repository, overlapping, lock, options);
    const candidates = [...selection.remove, ...selection.repack];
    if (!finished) {
      return { ...base, removedPacks: 0, repackedPacks: selection.repack.length, reindexedPacks: selection.reindex.length, keptForNewSnapshots: 0, deferredPacks: candidates.length, waitedFor, freedBytes: 0 };
    }

    phase('checking the snapshots written meanwhile');
    await repository.loadIndex({ force: true });
    const current = new Set(repository.index.packs().keys());
    // The candidates go back into the in-memory index after the live packs (the first location
    // of a blob wins), so trees a new snapshot reused from them can be read, and found.
    for (const id of candidates) repository.index.addPack(packs.get(id)!);
    const known = new Set(listing.snapshots.map((s) => s.id));
    const written = (await listSnapshots(repository)).snapshots.filter((s) => !known.has(s.id));
    const needed = new Set<Id>();
    for (const blob of (await reachableBlobs(repository, written, new Set(used))).used) {
      const pack = repository.index.get(blob)?.pack;
      if (pack !== undefined && !current.has(pack)) needed.add(pack);
    }
    await repository.loadIndex({ force: true });
    const putBack = [...needed].map((id) => packs.get(id)!);
    if (putBack.length > 0) await writeIndex(repository, putBack);

    phase('deleting unused packs');
    let freedBytes = 0;
    let removedPacks = 0;
    for (const id of candidates) {
      if (needed.has(id) || current.has(id)) continue;
      await repository.backend.remove(packKey(id));
      freedBytes += packs.get(id)!.size;
      removedPacks++;
    }
    return { ...base, removedPacks, repackedPacks: selection.repack.length, reindexedPacks: selection.reindex.length, keptForNewSnapshots: putBack.length, deferredPacks: 0, waitedFor, freedBytes };
  } finally {
    await lock.release();
  }
}

async function readIndexFiles(repository: Repository): Promise<{ key: string; packs: readonly IndexedPack[] }[]> {
  const files: { key: string; packs: readonly IndexedPack[] }[] = [];
  for (const object of await collect(repository.backend.list('index/'))) {
    let file: IndexFile;
    try {
      file = repository.unsealMetadata('index', await repository.backend.load(object.key)) as IndexFile;
    } catch (error) {
      throw new RepositoryDamaged(`prune refused: index file ${object.key} cannot be read: ${(error as Error).message}`, {
        hint: 'run `strata check`; prune cannot know which packs a damaged index describes',
      });
    }
    files.push({ key: object.key, packs: file.packs });
  }
  return files;
}

function indexOf(packs: Iterable<IndexedPack>): MasterIndex {
  const index = new MasterIndex();
  for (const pack of packs) index.addPack(pack);
  return index;
}

/**
 * How much of each pack is used. A blob stored twice (two backups raced) counts in the pack
 * the index resolves it to; its other copy is unused.
 */
function usageOf(packs: ReadonlyMap<Id, IndexedPack>, indexed: ReadonlyMap<Id, IndexedPack>, used: ReadonlySet<Id>, index: MasterIndex): PackUsage[] {
  return [...packs.values()].map((pack) => {
    let usedBytes = 0;
    let usedBlobs = 0;
    for (const blob of pack.blobs) {
      if (!used.has(blob.id) || index.get(blob.id)?.pack !== pack.id) continue;
      usedBytes += blob.length;
      usedBlobs++;
    }
    return { id: pack.id, size: pack.size, usedBytes, usedBlobs, blobs: pack.blobs.length, indexed: indexed.has(pack.id) };
  });
}

/** Copies the used blobs of `sources` into new packs, sealed bytes as they are (no re-encryption). */
async function repack(repository: Repository, sources: readonly IndexedPack[], used: ReadonlySet<Id>): Promise<IndexedPack[]> {
  const written: IndexedPack[] = [];
  const builders = new Map<BlobType, PackBuilder>();
  const store = async (builder: PackBuilder): Promise<void> => {
    const { id, bytes, blobs } = await builder.finish(repository.masterKey);
    await repository.backend.save(packKey(id), bytes);
    written.push({ id, size: bytes.length, blobs: [...blobs] });
  };
  for (const source of sources) {
    const bytes = await repository.backend.load(packKey(source.id));
    for (const blob of source.blobs) {
      // Only blobs this pack provides: a copy that another kept pack serves is dropped.
      if (!used.has(blob.id) || repository.index.get(blob.id)?.pack !== source.id) continue;
      const sealed = bytes.subarray(blob.offset, blob.offset + blob.length);
      try {
        // A damaged blob must not move into a new pack as if it were whole.
        unsealBlob(repository.masterKey, blob, sealed);
      } catch (error) {
        throw new RepositoryDamaged(`prune refused: blob ${blob.id.slice(0, 12)} in pack ${source.id.slice(0, 12)} is damaged (${(error as Error).message})`, {
          hint: 'run `strata check --read-data` to see which snapshots use it; back them up again',
        });
      }
      let builder = builders.get(blob.type);
      if (builder === undefined) builders.set(blob.type, (builder = new PackBuilder(blob.type)));
      builder.add(blob.id, sealed, blob.rawLength, blob.compressed);
      if (builder.length >= repository.config.packSize) {
        await store(builder);
        builders.delete(blob.type);
      }
    }
  }
  for (const builder of builders.values()) if (builder.count > 0) await store(builder);
  return written;
}

async function writeIndex(repository: Repository, packs: readonly IndexedPack[]): Promise<void> {
  for (let at = 0; at < packs.length; at += PACKS_PER_INDEX) {
    await repository.saveMetadata('index', 'index', indexFile(packs.slice(at, at + PACKS_PER_INDEX)));
  }
}

/** True when every run in `runs` has released its lock (or gone stale) within the wait. */
async function waitForRuns(repository: Repository, runs: readonly StoredLock[], own: Lock, options: PruneOptions): Promise<boolean> {
  const sessions = new Set(runs.map((l) => l.session ?? l.id));
  const deadline = Date.now() + options.waitMs;
  let lastRefresh = Date.now();
  while (sessions.size > 0) {
    const live = new Set((await listLocks(repository)).filter((l) => !l.stale).map((l) => l.session ?? l.id));
    for (const session of sessions) if (!live.has(session)) sessions.delete(session);
    if (sessions.size === 0) return true;
    if (Date.now() >= deadline) return false;
    if (Date.now() - lastRefresh > 60_000) {
      await own.refresh();
      lastRefresh = Date.now();
    }
    await sleep(Math.min(options.pollMs ?? 1000, Math.max(0, deadline - Date.now())));
  }
  return true;
}
