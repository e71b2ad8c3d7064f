/** What the `volumes` source records in the snapshot manifest. */
import { UsageError } from '../../core/errors.ts';
import type { Backend, Volume } from '../../core/volumes/types.ts';
import type { SnapshotSource, StoredSnapshot } from '../../repository/snapshot.ts';
import type { VolumeSnapshotRecord } from './csi/volume-snapshot.ts';
import type { RbdImageRecord } from './rbd/image-backup.ts';

/** A node directory read as files. */
export interface DirectoryRecord {
  /** The directory as the volume names it (hostPath / local path). */
  readonly path: string;
  readonly node?: string;
  readonly files: number;
  readonly dirs: number;
  readonly bytes: number;
  /** Whether a previous backup of the claim was compared against (unchanged files not read). */
  readonly incremental: boolean;
}

export interface VolumeEntry {
  readonly namespace: string;
  readonly claim: string;
  readonly volume?: string;
  readonly storageClass?: string;
  readonly workloads: readonly string[];
  readonly backend: Backend;
  /** The PersistentVolume's spec without its claimRef: what a static copy for the restored data starts from. */
  readonly pv?: Volume['spec'];
  /** Where it is in the snapshot's tree: volumes/NAMESPACE/CLAIM. */
  readonly path?: string;
  /** For RBD images: the Ceph snapshot, size, block size and diff base. */
  readonly rbd?: RbdImageRecord;
  /** For node directories read as files: what was read. */
  readonly files?: DirectoryRecord;
  /** For CSI volumes: the VolumeSnapshot taken and its content (the data stays with the driver). */
  readonly csi?: VolumeSnapshotRecord;
  /** Why it is not in the snapshot. */
  readonly skipped?: string;
  readonly error?: string;
}

export interface VolumesRecord {
  readonly server: string;
  readonly volumes: readonly VolumeEntry[];
}

export function volumesRecord(sources: readonly SnapshotSource[]): VolumesRecord | undefined {
  return sources.find((s) => s.type === 'volumes')?.record as VolumesRecord | undefined;
}

export function requireVolumesRecord(snapshot: StoredSnapshot): VolumesRecord {
  const record = volumesRecord(snapshot.sources);
  if (record === undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)} holds no volumes`, { hint: 'pick a snapshot taken with `strata backup --volumes`' });
  return record;
}

export const imageKey = (image: { pool: string; radosNamespace?: string; image: string }) => `${image.pool}/${image.radosNamespace ?? ''}/${image.image}`;
