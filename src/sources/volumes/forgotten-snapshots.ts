/**
 * A CSI VolumeSnapshot lives as long as the Strata snapshot that recorded it: when retention
 * forgets that snapshot, the VolumeSnapshot is deleted from the cluster too (the class's
 * deletionPolicy decides what happens to the driver's data). Only VolumeSnapshots of the
 * connected cluster are touched; the others are reported back.
 */
import type { KubeHttp } from '../../kube/http.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { deleteVolumeSnapshot } from './csi/volume-snapshot.ts';
import { volumesRecord } from './record.ts';

export interface VolumeSnapshotCleanup {
  readonly deleted: readonly string[];
  /** Recorded on another API server than the connected one: left alone. */
  readonly elsewhere: readonly string[];
  readonly errors: readonly string[];
}

/** The VolumeSnapshots ("namespace/name") the snapshots recorded, by the API server they were taken on. */
export function recordedVolumeSnapshots(snapshots: readonly StoredSnapshot[]): { server: string; name: string }[] {
  return snapshots.flatMap((s) => {
    const record = volumesRecord(s.sources);
    return (record?.volumes ?? []).flatMap((v) => (v.csi === undefined ? [] : [{ server: record!.server, name: `${v.csi.namespace}/${v.csi.name}` }]));
  });
}

export async function deleteForgottenVolumeSnapshots(http: KubeHttp, forgotten: readonly StoredSnapshot[]): Promise<VolumeSnapshotCleanup> {
  const deleted: string[] = [];
  const elsewhere: string[] = [];
  const errors: string[] = [];
  for (const { server, name } of recordedVolumeSnapshots(forgotten)) {
    if (server !== http.connection.server) {
      elsewhere.push(name);
      continue;
    }
    const [namespace = '', short = ''] = name.split('/');
    try {
      await deleteVolumeSnapshot(http, namespace, short);
      deleted.push(name);
    } catch (error) {
      errors.push(`VolumeSnapshot ${name}: ${(error as Error).message}`);
    }
  }
  return { deleted, elsewhere, errors };
}
