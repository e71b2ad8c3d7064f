/**
 * The `volumes` source: resolve the selection to claims and their volumes, then by mode:
 * each RBD image from its diff against the previous backup (rbd/), other CSI volumes by
 * VolumeSnapshot (csi/; recorded, the data stays with the driver), node directories as
 * files (directory/). A volume that cannot be read, or fails, is recorded with the reason
 * and makes the snapshot partially failed; the others are stored.
 * Tree: volumes/NAMESPACE/CLAIM, a file whose content is the image, or the directory.
 */
import type { RetentionPolicy } from '../../core/retention/policy.ts';
import { resolveVolumes, type VolumeSelection } from '../../core/volumes/resolve.ts';
import type { Backend, ResolvedVolume } from '../../core/volumes/types.ts';
import { volumeMethod, type Method, type VolumeMode } from '../../core/volumes/method.ts';
import { UsageError } from '../../core/errors.ts';
import type { Id } from '../../repository/hash.ts';
import { SealerPool } from '../../repository/sealer/pool.ts';
import { snapshotClassFor, takeVolumeSnapshot, type VolumeSnapshotRecord } from './csi/volume-snapshot.ts';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import type { Repository } from '../../repository/repository.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { describeKubeError } from '../../kube/connection.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { RbdImageBackup, takeImageSnapshot, type ImageBase, type RbdImage, type TakenSnapshot } from './rbd/image-backup.ts';
import type { RbdRunner } from './rbd/runner.ts';
import { readInventory } from './inventory.ts';
import { VOLUMES_DIR } from './layout.ts';
import { imageKey, type DirectoryRecord, type VolumeEntry, type VolumesRecord } from './record.ts';

export interface VolumesBackupRequest {
  readonly http: KubeHttp;
  readonly selection: VolumeSelection;
  readonly rbd: RbdRunner;
  /** The previous backup of each image (by imageKey), the diff base. */
  readonly bases: ReadonlyMap<string, ImageBase>;
  readonly blockSize?: number;
  /** Which Strata snapshots Ceph keeps after the backup (GFS); only the newest when unset. */
  readonly liveSnapshots?: RetentionPolicy;
  /** The time to take the Ceph snapshots at (the snapshot's recorded time); now by default. */
  readonly at?: Date;
  /** How volumes are read: auto (RBD images from Ceph, other CSI volumes by VolumeSnapshot), rbd only, or csi (VolumeSnapshots, RBD through ceph-csi too). */
  readonly mode?: VolumeMode;
  /** The VolumeSnapshotClass to use, and the flag or field that named it (for errors). */
  readonly volumeSnapshotClass?: { readonly name: string; readonly from: string };
  /** Called once every snapshot is taken, before data is read (a plan's afterSnapshot hooks: thaw). */
  readonly afterSnapshots?: () => Promise<void>;
  /** How long a VolumeSnapshot may take to become readyToUse (default 10 minutes). */
  readonly snapshotTimeoutMs?: number;
  /** Reads node directories as files (the engine lends the `files` source's walker); without one they are skipped. */
  readonly readDirectory?: (request: DirectoryReadRequest) => Promise<DirectoryRead>;
  /** This node's name: local volumes pinned to another node are left to that node's agent. */
  readonly node?: string;
  /** The previous file-level backup of each claim ("namespace/claim"): its tree, for unchanged files. */
  readonly directoryBases?: ReadonlyMap<string, Id>;
}

export interface DirectoryReadRequest {
  readonly claim: string;
  readonly path: string;
  readonly node?: string;
  /** The claim's previous file-level backup: unchanged files are taken from it. */
  readonly parentTree: Id | undefined;
}

export interface DirectoryRead {
  /** The directory, named after the claim. */
  readonly node: TreeNode;
  readonly record: DirectoryRecord;
  readonly warnings: readonly string[];
  readonly failed: boolean;
}

export interface VolumesProgress {
  volumes: number;
  volumesDone: number;
  changedBytes: number;
}

/** What the manifest says of every resolved volume, stored or not. */
function entryBase(volume: ResolvedVolume): VolumeEntry {
  const pv = volume.spec === undefined ? undefined : (({ claimRef: _claimRef, ...rest }) => rest)(volume.spec);
  return {
    namespace: volume.namespace, claim: volume.claim,
    ...(volume.volume !== undefined && { volume: volume.volume }),
    ...(volume.storageClass !== undefined && { storageClass: volume.storageClass }),
    workloads: volume.workloads, backend: volume.backend,
    ...(pv !== undefined && { pv }),
  };
}

function rbdImage(backend: Extract<Backend, { kind: 'rbd' }>): RbdImage {
  return { pool: backend.pool, image: backend.image, ...(backend.radosNamespace !== undefined && { radosNamespace: backend.radosNamespace }) };
}

/** What backing up one volume gave. */
interface Outcome {
  readonly entry: Partial<VolumeEntry>;
  readonly node?: TreeNode;
  readonly warnings?: readonly string[];
  readonly failed?: boolean;
  /** Bytes read (changed, for images). */
  readonly bytes?: number;
}

export class VolumesBackup {
  readonly progress: VolumesProgress = { volumes: 0, volumesDone: 0, changedBytes: 0 };
  private readonly repository: Repository;
  private readonly writer: BlobWriter;

  constructor(repository: Repository, writer: BlobWriter) {
    this.repository = repository;
    this.writer = writer;
  }

  async run(request: VolumesBackupRequest): Promise<{ node: TreeNode; record: VolumesRecord; warnings: string[]; failed: boolean }> {
    const inventory = await readInventory(request.http, request.selection);
    const { volumes, problems } = resolveVolumes(inventory, request.selection);
    const warnings = [...problems];
    let failed = problems.length > 0;
    this.progress.volumes = volumes.length;
    const entries: VolumeEntry[] = [];
    const byNamespace = new Map<string, TreeNode[]>();
    // Image blocks are sealed by worker threads while rbd streams; started at the first image.
    let pool: SealerPool | undefined;
    const sealer = () => (pool ??= new SealerPool(this.repository, this.writer));
    const planned = volumes.map((volume) => ({ volume, method: volumeMethod(volume, request.mode ?? 'auto', request.node) }));
    // Every snapshot first, one right after another, before any data is read: the volumes
    // of one workload are taken together, and a freeze need only last this long (the
    // plan's afterSnapshot hooks thaw right after). Failures are reported with their volume.
    const taken = new Map<ResolvedVolume, Promise<TakenSnapshot | VolumeSnapshotRecord>>();
    const at = request.at ?? new Date(); // one name for all of them: strata-<time>
    for (const { volume, method } of planned) {
      let snapshot: Promise<TakenSnapshot | VolumeSnapshotRecord>;
      if (method.kind === 'csi') snapshot = this.volumeSnapshot(request, volume, method.driver, at);
      else if (method.kind === 'rbd' && volume.backend.kind === 'rbd') {
        const image = rbdImage(volume.backend);
        snapshot = takeImageSnapshot(request.rbd, image, request.bases.get(imageKey(image)), { ...(request.blockSize !== undefined && { blockSize: request.blockSize }), at });
      } else continue;
      await snapshot.catch(() => undefined);
      taken.set(volume, snapshot);
    }
    await request.afterSnapshots?.();
    try {
      for (const { volume, method } of planned) {
        const label = `${volume.namespace}/${volume.claim}`;
        try {
          const outcome = await this.backUp(request, volume, method, sealer, taken.get(volume));
          entries.push({ ...entryBase(volume), ...outcome.entry });
          warnings.push(...(outcome.warnings ?? []).map((w) => `volume ${label}: ${w}`));
          failed ||= outcome.failed ?? false;
          if (outcome.node !== undefined) byNamespace.set(volume.namespace, [...(byNamespace.get(volume.namespace) ?? []), outcome.node]);
          this.progress.changedBytes += outcome.bytes ?? 0;
        } catch (error) {
          const message = describeKubeError(error);
          entries.push({ ...entryBase(volume), error: message });
          warnings.push(`volume ${label}: ${message}`);
          failed = true;
        }
        this.progress.volumesDone++;
      }
    } finally {
      await pool?.close();
    }
    const namespaceNodes: TreeNode[] = [];
    for (const [namespace, nodes] of [...byNamespace].sort(([a], [b]) => (a < b ? -1 : 1))) {
      namespaceNodes.push({ name: namespace, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtimeNs: '0', subtree: await this.writer.saveTree(nodes) });
    }
    const node: TreeNode = { name: VOLUMES_DIR, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtimeNs: '0', subtree: await this.writer.saveTree(namespaceNodes) };
    return { node, record: { server: request.http.connection.server, volumes: entries }, warnings, failed };
  }

  /** One volume by its method: what its manifest entry adds, and its node in the tree if stored here. */
  private async backUp(request: VolumesBackupRequest, volume: ResolvedVolume, method: Method, sealer: () => SealerPool, taken: Promise<TakenSnapshot | VolumeSnapshotRecord> | undefined): Promise<Outcome> {
    switch (method.kind) {
      case 'elsewhere':
        return { entry: { skipped: method.reason } };
      case 'skip':
        return { entry: { skipped: method.reason }, warnings: [`not backed up: ${method.reason}`], failed: true };
      case 'csi':
        if (taken === undefined) throw new Error('no VolumeSnapshot was taken of it');
        return { entry: { csi: (await taken) as VolumeSnapshotRecord } };
      case 'files': {
        if (request.readDirectory === undefined) throw new Error('this run reads no node directories');
        const label = `${volume.namespace}/${volume.claim}`;
        const result = await request.readDirectory({ claim: volume.claim, path: method.path, ...(method.node !== undefined && { node: method.node }), parentTree: request.directoryBases?.get(label) });
        return { entry: { path: `${VOLUMES_DIR}/${label}`, files: result.record }, node: result.node, warnings: result.warnings, failed: result.failed, bytes: result.record.bytes };
      }
      case 'rbd': {
        if (taken === undefined) throw new Error('no Ceph snapshot was taken of it');
        const source = new RbdImageBackup(request.rbd, this.repository, this.writer, sealer());
        const result = await source.read((await taken) as TakenSnapshot, volume.claim);
        return { entry: { path: `${VOLUMES_DIR}/${volume.namespace}/${volume.claim}`, rbd: result.record }, node: result.node, warnings: result.warnings, bytes: result.record.changedBytes };
      }
    }
  }

  private async volumeSnapshot(request: VolumesBackupRequest, volume: ResolvedVolume, driver: string, at: Date): Promise<VolumeSnapshotRecord> {
    const wanted = request.volumeSnapshotClass;
    const className = await snapshotClassFor(request.http, driver, wanted?.name, wanted?.from ?? '--volume-snapshot-class');
    if (className === undefined) throw new UsageError(`no VolumeSnapshotClass for driver ${driver} (none is marked default, or several are)`, { hint: 'name one with --volume-snapshot-class or the plan\'s volumeSnapshotClass:' });
    return takeVolumeSnapshot(request.http, { namespace: volume.namespace, claim: volume.claim, className, driver, at, timeoutMs: request.snapshotTimeoutMs ?? 600_000 });
  }
}
