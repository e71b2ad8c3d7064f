/**
 * `strata check`: is every snapshot complete and every byte intact? Structure always
 * (index, packs present with the right size, every tree readable, every blob indexed);
 * with readData, every pack (or a random subset) is read, hashed, and each blob opened and
 * verified. Damage is reported by blob, with the snapshots and files it belongs to.
 */
import { unsealBlob } from '../repository/blob.ts';
import type { BlobLocation } from '../repository/master-index.ts';
import { packKey, parsePackHeader } from '../repository/pack.ts';
import type { Repository } from '../repository/repository.ts';
import type { StoredSnapshot } from '../repository/snapshot.ts';
import { listSnapshots } from '../repository/snapshots.ts';
import { sha256, type Id } from '../repository/hash.ts';
import { collect } from '../storage/backend.ts';

export interface CheckOptions {
  /** Fraction of packs to read (0 = structure only, 1 = everything). */
  readonly readData: number;
}

export interface DamagedBlob {
  readonly id: Id;
  readonly pack: Id;
  readonly reason: string;
  /** Where it is used: snapshot ID and the path of the file or directory. */
  readonly usedBy: readonly { snapshot: Id; path: string }[];
}

export interface CheckReport {
  readonly ok: boolean;
  readonly snapshots: number;
  readonly packs: number;
  readonly packsRead: number;
  readonly blobs: number;
  readonly errors: readonly string[];
  readonly notes: readonly string[];
  readonly damagedBlobs: readonly DamagedBlob[];
  readonly damagedSnapshots: readonly Id[];
}

/**
 * Backups running beside a check write packs, then index files, then their snapshot. So the
 * snapshots are listed first and the index loaded after: every snapshot seen has its index
 * files written already. Should a blob still look missing, the snapshots are walked again
 * with a freshly loaded index before anything is reported.
 */
export async function check(repository: Repository, options: CheckOptions): Promise<CheckReport> {
  const errors: string[] = [];
  const notes: string[] = [];
  const { snapshots, damaged: unreadable } = await listSnapshots(repository);
  const load = await repository.loadIndex({ force: true });
  for (const problem of load.damaged) errors.push(`${problem.key}: ${problem.message}`);
  if (load.recoveredPacks > 0) notes.push(`${load.recoveredPacks} pack(s) were indexed from their own headers because an index is damaged`);

  const stored = new Map((await collect(repository.backend.list('data/'))).map((o) => [o.key.slice(o.key.lastIndexOf('/') + 1), o.size]));
  for (const [pack, size] of repository.index.packs()) {
    const actual = stored.get(pack);
    if (actual === undefined) errors.push(`pack ${pack} is in the index but missing from storage`);
    else if (actual !== size) errors.push(`pack ${pack} is ${actual} bytes, the index says ${size}`);
  }
  const unindexed = [...stored.keys()].filter((p) => !repository.index.hasPack(p));
  if (unindexed.length > 0) notes.push(`${unindexed.length} pack(s) are in no index (left by interrupted runs; harmless, prune removes them)`);

  const damaged = new Map<Id, { pack: Id; reason: string }>();
  const byPack = new Map<Id, BlobLocation[]>();
  for (const blob of repository.index.entries()) {
    let list = byPack.get(blob.pack);
    if (list === undefined) byPack.set(blob.pack, (list = []));
    list.push(blob);
  }
  const toRead = [...byPack.keys()].filter((pack) => stored.has(pack) && (options.readData >= 1 || (options.readData > 0 && Math.random() < options.readData)));
  for (const pack of toRead) await readPack(repository, pack, byPack.get(pack)!, stored.get(pack)!, damaged, errors);

  for (const problem of unreadable) errors.push(`${problem.key}: cannot be read: ${problem.message}`);
  let walked = await walkAll(repository, snapshots, damaged);
  if (walked.missing.length > 0) {
    // Looked up again in a fresh index: a blob a running backup indexed meanwhile is not damage.
    const fresh = await repository.loadIndex({ force: true });
    for (const problem of fresh.damaged.filter((p) => !load.damaged.some((q) => q.key === p.key))) errors.push(`${problem.key}: ${problem.message}`);
    walked = await walkAll(repository, snapshots, damaged);
  }
  const { usedBy, damagedSnapshots } = walked;
  errors.push(...walked.errors);
  for (const m of walked.missing) errors.push(`snapshot ${m.snapshot.slice(0, 8)} ${m.path}: blob ${m.blob} is missing`);

  const damagedBlobs = [...damaged].map(([id, d]) => ({ id, ...d, usedBy: usedBy.get(id) ?? [] }));
  for (const blob of damagedBlobs) {
    const where = blob.usedBy.length === 0 ? 'not used by any snapshot' : blob.usedBy.map((u) => `snapshot ${u.snapshot.slice(0, 8)} ${u.path}`).join(', ');
    errors.push(`blob ${blob.id} in pack ${blob.pack.slice(0, 12)} is damaged (${blob.reason}); used by: ${where}`);
  }
  return {
    ok: errors.length === 0,
    snapshots: snapshots.length,
    packs: stored.size,
    packsRead: toRead.length,
    blobs: repository.index.blobCount,
    errors,
    notes,
    damagedBlobs,
    damagedSnapshots: [...damagedSnapshots],
  };
}

async function readPack(repository: Repository, pack: Id, blobs: readonly BlobLocation[], size: number, damaged: Map<Id, { pack: Id; reason: string }>, errors: string[]): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await repository.backend.load(packKey(pack));
  } catch (error) {
    errors.push(`pack ${pack}: cannot be read: ${(error as Error).message}`);
    return;
  }
  if (sha256(bytes) !== pack) errors.push(`pack ${pack}: content does not match its name (the file is damaged)`);
  try {
    const header = parsePackHeader(repository.masterKey, bytes, size);
    if ('need' in header) throw new Error('header is larger than the pack');
  } catch (error) {
    errors.push(`pack ${pack}: header is damaged: ${(error as Error).message}`);
  }
  for (const blob of blobs) {
    try {
      unsealBlob(repository.masterKey, blob, bytes.subarray(blob.offset, blob.offset + blob.length));
    } catch (error) {
      damaged.set(blob.id, { pack, reason: (error as Error).message });
    }
  }
}

interface Walked {
  readonly usedBy: Map<Id, { snapshot: Id; path: string }[]>;
  readonly damagedSnapshots: Set<Id>;
  readonly missing: MissingBlob[];
  readonly errors: string[];
}

async function walkAll(repository: Repository, snapshots: readonly StoredSnapshot[], damaged: Map<Id, { pack: Id; reason: string }>): Promise<Walked> {
  const walked: Walked = { usedBy: new Map(), damagedSnapshots: new Set(), missing: [], errors: [] };
  const clean = new Set<Id>();
  for (const snapshot of snapshots) await walk(repository, snapshot, damaged, walked.usedBy, walked.damagedSnapshots, walked.missing, walked.errors, clean);
  return walked;
}

interface MissingBlob {
  readonly snapshot: Id;
  readonly path: string;
  readonly blob: Id;
}

/** Walks a snapshot's trees: every blob must be indexed and undamaged; records who uses damaged ones. */
async function walk(
  repository: Repository,
  snapshot: StoredSnapshot,
  damaged: Map<Id, { pack: Id; reason: string }>,
  usedBy: Map<Id, { snapshot: Id; path: string }[]>,
  damagedSnapshots: Set<Id>,
  missing: MissingBlob[],
  errors: string[],
  clean: Set<Id>,
): Promise<void> {
  const use = async (blob: Id, path: string): Promise<boolean> => {
    const location = repository.index.get(blob);
    if (location === undefined) {
      missing.push({ snapshot: snapshot.id, path, blob });
      damagedSnapshots.add(snapshot.id);
      return true;
    }
    if (damaged.has(blob)) {
      let list = usedBy.get(blob);
      if (list === undefined) usedBy.set(blob, (list = []));
      list.push({ snapshot: snapshot.id, path });
      damagedSnapshots.add(snapshot.id);
      return true;
    }
    // A delta needs the block below it as much as itself.
    if (location.type !== 'delta' || clean.has(blob)) return false;
    let base: Id;
    try {
      base = (await repository.loadDelta(blob)).base;
    } catch (error) {
      errors.push(`snapshot ${snapshot.id.slice(0, 8)} ${path}: block ${blob.slice(0, 8)} cannot be read: ${(error as Error).message}`);
      damagedSnapshots.add(snapshot.id);
      return true;
    }
    if (await use(base, path)) return true;
    clean.add(blob);
    return false;
  };
  const visit = async (tree: Id, path: string): Promise<boolean> => {
    // Snapshots share most of their trees: a subtree known to be whole is not walked again.
    if (clean.has(tree)) return false;
    if (await use(tree, path || '/')) return true;
    let nodes;
    try {
      nodes = (await repository.loadTree(tree)).nodes;
    } catch (error) {
      errors.push(`snapshot ${snapshot.id.slice(0, 8)} ${path || '/'}: directory cannot be read: ${(error as Error).message}`);
      damagedSnapshots.add(snapshot.id);
      return true;
    }
    let dirty = false;
    for (const node of nodes) {
      const child = `${path}/${node.name}`;
      if (node.type === 'dir' && node.subtree !== undefined) dirty = (await visit(node.subtree, child)) || dirty;
      for (const blob of node.content ?? []) dirty = (await use(blob, child)) || dirty;
    }
    if (!dirty) clean.add(tree);
    return dirty;
  };
  await visit(snapshot.tree, '');
}
