/**
 * One backup run: lock, find the parent, run the sources into one blob writer, make the
 * packs and the index durable, and only then write the snapshot.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { userName } from '../repository/user.ts';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { BlobWriter } from '../repository/blob-writer.ts';
import { FORMAT_VERSION } from '../repository/config.ts';
import type { Id } from '../repository/hash.ts';
import { Lock } from '../repository/lock.ts';
import type { Repository } from '../repository/repository.ts';
import { SealerPool } from '../repository/sealer/pool.ts';
import type { Snapshot, SnapshotSource, StoredSnapshot } from '../repository/snapshot.ts';
import { listSnapshots, saveSnapshot } from '../repository/snapshots.ts';
import type { TreeNode } from '../repository/tree.ts';
import type { EtcdBackupRequest, EtcdProgress } from '../sources/etcd/backup.ts';
import type { DatabaseBase } from '../sources/etcd/database-writer.ts';
import { DATABASE_FILES, etcdRecord } from '../sources/etcd/record.ts';
import { FilesBackup, type FilesProgress } from '../sources/files/backup.ts';
import { ObjectsBackup, type ObjectsBackupRequest, type ObjectsProgress } from '../sources/objects/backup.ts';
import { pruneLiveSnapshots, type ImageBase, type RbdImageRecord } from '../sources/volumes/rbd/image-backup.ts';
import { VolumesBackup, type VolumesBackupRequest, type VolumesProgress } from '../sources/volumes/backup.ts';
import { volumeNode } from '../sources/volumes/layout.ts';
import { backupDirectory } from './volumes/directory-backup.ts';
import { imageKey, volumesRecord } from '../sources/volumes/record.ts';

export interface BackupProgress {
  readonly files?: FilesProgress;
  readonly etcd?: EtcdProgress;
  readonly objects?: ObjectsProgress;
  readonly volumes?: VolumesProgress;
}

export interface BackupOptions {
  /** Local paths for the `files` source (none: no files). */
  readonly paths: readonly string[];
  /** A snapshot of this etcd cluster, taken first. */
  readonly etcd?: Omit<EtcdBackupRequest, 'signal'>;
  /** Every API object the filters select, from this cluster. */
  readonly objects?: Omit<ObjectsBackupRequest, 'signal'>;
  /** The volumes a selection of workloads and claims resolves to. */
  readonly volumes?: Omit<VolumesBackupRequest, 'bases' | 'directoryBases' | 'readDirectory'> & {
    /** Where the node's root file system is: node directories are read below it (default /). */
    readonly hostRoot?: string;
  };
  readonly tags: readonly string[];
  /** The plan this run belongs to, recorded in the snapshot. */
  readonly plan?: string;
  readonly host?: string;
  /** The time to record instead of now (imports of existing backup sets, tests), as restic's --time. */
  readonly time?: Date;
  /** A snapshot ID to compare against; by default the latest with the same host and paths. */
  readonly parent?: Id;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BackupProgress) => void;
}

export interface BackupOutcome {
  readonly id: Id;
  readonly snapshot: Snapshot;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((x) => set.has(x));
}

export async function backup(repository: Repository, options: BackupOptions): Promise<BackupOutcome> {
  const paths = options.paths.map((p) => resolve(p));
  if (paths.length === 0 && options.etcd === undefined && options.objects === undefined && options.volumes === undefined) throw new UsageError('nothing to back up', { hint: 'give --files PATH (one or more), --control-plane, --etcd, --objects or --volumes' });
  for (const path of paths) if (!existsSync(path)) throw new UsageError(`--files ${path}: no such file or directory`, { hint: 'check the path; nothing was written' });
  const host = options.host ?? hostname();
  const started = Date.now();
  const lock = await Lock.acquire(repository, 'backup', 'shared');
  try {
    await repository.loadIndex();
    const writer = new BlobWriter(repository);
    const rootNodes: TreeNode[] = [];
    const sources: SnapshotSource[] = [];
    const warnings: string[] = [];
    let failed = false;
    const summary = { files: 0, dirs: 0, specials: 0, bytes: 0 };
    let parent: StoredSnapshot | undefined;
    const progress: { files?: FilesProgress; etcd?: EtcdProgress; objects?: ObjectsProgress; volumes?: VolumesProgress } = {};
    let images: readonly RbdImageRecord[] = [];
    const report = (): void => options.onProgress?.(progress);
    const ticker = options.onProgress === undefined ? undefined : setInterval(report, 250);
    try {
      if (options.etcd !== undefined) {
        // gRPC is loaded only for runs that take an etcd snapshot.
        const { EtcdBackup } = await import('../sources/etcd/backup.ts');
        const etcd = new EtcdBackup(repository, writer);
        progress.etcd = etcd.progress;
        const result = await etcd.run({ ...options.etcd, bases: await etcdBases(repository), ...(options.signal && { signal: options.signal }) });
        rootNodes.push(result.node);
        sources.push({ type: 'etcd', record: result.record });
        warnings.push(...result.warnings);
        summary.files++;
        summary.bytes += result.record.dbSize;
      }
      if (options.objects !== undefined) {
        const objects = new ObjectsBackup(writer);
        progress.objects = objects.progress;
        const result = await objects.run({ ...options.objects, ...(options.signal && { signal: options.signal }) });
        rootNodes.push(result.node);
        sources.push({ type: 'objects', record: result.record });
        warnings.push(...result.warnings);
        failed ||= result.failed;
        summary.files += result.record.objects;
        summary.bytes += objects.progress.bytes;
      }
      if (options.volumes !== undefined) {
        const volumes = new VolumesBackup(repository, writer);
        progress.volumes = volumes.progress;
        const bases = await volumeBases(repository);
        const hostRoot = options.volumes.hostRoot ?? '/';
        const result = await volumes.run({
          ...options.volumes, bases: bases.images, directoryBases: bases.directories,
          readDirectory: (request) => backupDirectory(repository, writer, hostRoot, request),
          ...(options.time !== undefined && { at: options.time }),
        });
        rootNodes.push(result.node);
        sources.push({ type: 'volumes', record: result.record });
        warnings.push(...result.warnings);
        failed ||= result.failed;
        images = result.record.volumes.flatMap((v) => (v.rbd === undefined ? [] : [v.rbd]));
        summary.files += images.length;
        summary.bytes += images.reduce((sum, i) => sum + i.size, 0);
      }
      if (paths.length > 0) {
        parent = await findParent(repository, host, paths, options.parent);
        const parentFiles = parent === undefined ? undefined : await sourceTree(repository, parent.tree, 'files');
        const pool = new SealerPool(repository, writer);
        const files = new FilesBackup(repository, writer, pool);
        progress.files = files.progress;
        let result;
        try {
          result = await files.run(paths, parentFiles, options.signal);
        } finally {
          await pool.close();
        }
        progress.files = result.progress;
        rootNodes.push({ name: 'files', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtimeNs: '0', subtree: result.tree });
        sources.push({ type: 'files', paths });
        warnings.push(...result.warnings);
        failed ||= result.failed;
        summary.files += result.progress.files;
        summary.dirs += result.progress.dirs;
        summary.specials += result.progress.specials;
        summary.bytes += result.progress.bytes;
      }
    } finally {
      if (ticker !== undefined) clearInterval(ticker);
    }
    report();
    const tree = await writer.saveTree(rootNodes);
    await writer.flush();
    const snapshot: Snapshot = {
      version: FORMAT_VERSION,
      time: (options.time ?? new Date(started)).toISOString(),
      host,
      username: userName(),
      tags: [...options.tags],
      paths,
      parent: parent?.id ?? null,
      tree,
      sources,
      summary: { ...summary, newBytes: writer.stats.bytesAdded, durationMs: Date.now() - started },
      result: failed ? 'partially-failed' : 'completed',
      warnings,
      origin: null,
      ...(options.plan !== undefined && { plan: options.plan }),
    };
    await lock.refresh();
    const id = await saveSnapshot(repository, snapshot);
    // Only now, with the snapshot durable, may Ceph drop the older diff bases.
    if (options.volumes !== undefined) {
      for (const image of images) {
        await pruneLiveSnapshots(options.volumes.rbd, image, image.snapshot, options.volumes.liveSnapshots).catch((error: unknown) => {
          warnings.push(`${image.pool}/${image.image}: old Strata snapshots not removed: ${(error as Error).message}`);
        });
      }
    }
    return { id, snapshot };
  } finally {
    await lock.release();
  }
}

async function findParent(repository: Repository, host: string, paths: readonly string[], explicit: Id | undefined): Promise<StoredSnapshot | undefined> {
  const { snapshots } = await listSnapshots(repository);
  if (explicit !== undefined) return snapshots.find((s) => s.id.startsWith(explicit));
  return snapshots.filter((s) => s.host === host && sameSet(s.paths, paths)).at(-1);
}

/** The subtree a source wrote into a snapshot's root tree. */
export async function sourceTree(repository: Repository, root: Id, source: string): Promise<Id | undefined> {
  try {
    return (await repository.loadTree(root)).nodes.find((n) => n.name === source && n.type === 'dir')?.subtree;
  } catch {
    return undefined;
  }
}

/**
 * The newest stored etcd snapshot of each cluster (by cluster ID): the values a new
 * snapshot of that cluster refers to instead of storing them again. Snapshots stored
 * whole (before values were split out) are no base.
 */
async function etcdBases(repository: Repository): Promise<Map<string, DatabaseBase>> {
  const bases = new Map<string, DatabaseBase>();
  const { snapshots } = await listSnapshots(repository);
  const seen = new Set<string>();
  for (const snapshot of [...snapshots].reverse()) {
    const record = etcdRecord(snapshot.sources);
    if (record === undefined || seen.has(record.clusterId)) continue;
    seen.add(record.clusterId);
    const tree = await sourceTree(repository, snapshot.tree, 'etcd');
    const nodes = tree === undefined ? [] : (await repository.loadTree(tree)).nodes;
    const chunks = nodes.find((n) => n.name === DATABASE_FILES.values)?.content;
    const tables = nodes.find((n) => n.name === DATABASE_FILES.tables)?.content;
    if (chunks !== undefined && tables !== undefined && record.storage !== undefined) bases.set(record.clusterId, { chunks, tables, storage: record.storage });
  }
  return bases;
}

/**
 * The newest stored backup of each RBD image (any snapshot of this repository): the diff
 * base of its next backup, with the blocks it stored; and of each claim read as files, the
 * tree its unchanged files are taken from.
 */
async function volumeBases(repository: Repository): Promise<{ images: Map<string, ImageBase>; directories: Map<string, Id> }> {
  const images = new Map<string, ImageBase>();
  const directories = new Map<string, Id>();
  const { snapshots } = await listSnapshots(repository);
  for (const snapshot of [...snapshots].reverse()) {
    // Older snapshots mostly hold volumes already found: their trees are not read.
    for (const entry of volumesRecord(snapshot.sources)?.volumes ?? []) {
      const claim = `${entry.namespace}/${entry.claim}`;
      if (entry.files !== undefined && !directories.has(claim)) {
        const node = await volumeNode(repository, snapshot.tree, entry.namespace, entry.claim);
        if (node?.subtree !== undefined) directories.set(claim, node.subtree);
      }
      if (entry.rbd === undefined || images.has(imageKey(entry.rbd))) continue;
      const node = await volumeNode(repository, snapshot.tree, entry.namespace, entry.claim);
      if (node?.content === undefined) continue;
      images.set(imageKey(entry.rbd), { snapshot: entry.rbd.snapshot, size: entry.rbd.size, blockSize: entry.rbd.blockSize, blocks: node.content });
    }
  }
  return { images, directories };
}
