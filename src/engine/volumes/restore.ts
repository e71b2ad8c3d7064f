/**
 * `strata restore ID --volumes`: each RBD image of the snapshot into a new image (by default
 * NAME-restored-SNAPSHOT, in the same pool or --target-pool), verified by SHA-256 read back
 * from Ceph. Existing images are never overwritten. One failure does not stop the others.
 */
import { UsageError } from '../../core/errors.ts';
import { Lock } from '../../repository/lock.ts';
import type { Repository } from '../../repository/repository.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { restoreImage } from '../../sources/volumes/rbd/image-restore.ts';
import type { RbdRunner } from '../../sources/volumes/rbd/runner.ts';
import { VOLUMES_DIR, volumeNode } from '../../sources/volumes/layout.ts';
import { requireVolumesRecord } from '../../sources/volumes/record.ts';

export interface VolumesRestoreOptions {
  readonly rbd: RbdRunner;
  /** Only these claims ("namespace/name"); all when empty. */
  readonly claims: readonly string[];
  readonly targetPool?: string;
  /** Appended to each image name (default: -restored-<snapshot id prefix>). */
  readonly suffix?: string;
}

export interface VolumeRestoreResult {
  readonly claim: string;
  readonly source: string;
  readonly image?: string;
  readonly bytes?: number;
  readonly sha256?: string;
  readonly error?: string;
}

export async function restoreVolumes(repository: Repository, snapshot: StoredSnapshot, options: VolumesRestoreOptions): Promise<VolumeRestoreResult[]> {
  const record = requireVolumesRecord(snapshot);
  const stored = record.volumes.filter((v) => v.rbd !== undefined);
  const wanted = new Set(options.claims);
  for (const claim of wanted) {
    if (!stored.some((v) => `${v.namespace}/${v.claim}` === claim)) throw new UsageError(`--pvc ${claim}: snapshot ${snapshot.id.slice(0, 8)} holds no image for it`, { hint: `it holds: ${stored.map((v) => `${v.namespace}/${v.claim}`).join(', ') || 'none'}` });
  }
  const lock = await Lock.acquire(repository, 'restore', 'shared');
  try {
    await repository.loadIndex();
    const results: VolumeRestoreResult[] = [];
    for (const volume of stored) {
      const claim = `${volume.namespace}/${volume.claim}`;
      if (wanted.size > 0 && !wanted.has(claim)) continue;
      const image = volume.rbd!;
      const source = `${image.pool}/${image.radosNamespace === undefined ? '' : `${image.radosNamespace}/`}${image.image}@${image.snapshot}`;
      const target = { pool: options.targetPool ?? image.pool, ...(image.radosNamespace !== undefined && { radosNamespace: image.radosNamespace }), image: `${image.image}${options.suffix ?? `-restored-${snapshot.id.slice(0, 8)}`}` };
      try {
        const node = await volumeNode(repository, snapshot.tree, volume.namespace, volume.claim);
        if (node === undefined) throw new Error(`the snapshot's tree has no ${VOLUMES_DIR}/${claim}`);
        const restored = await restoreImage(repository, options.rbd, node, target);
        results.push({ claim, source, image: restored.image, bytes: restored.bytes, sha256: restored.sha256 });
      } catch (error) {
        results.push({ claim, source, error: (error as Error).message });
      }
    }
    return results;
  } finally {
    await lock.release();
  }
}
