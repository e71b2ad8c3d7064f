/**
 * A CSI volume restored: a new claim whose dataSource is the recorded VolumeSnapshot, with
 * the original claim's class and access modes, asking for at least the snapshot's restore
 * size; the driver's provisioner creates the volume from the snapshot.
 */
import { UsageError } from '../../core/errors.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { quantityBytes, volumeSnapshotExists } from './csi/volume-snapshot.ts';
import type { VolumeEntry } from './record.ts';
import { claimsPath, createObject, waitBound, type RestoredClaim } from './claims.ts';

/** The claim `name` made from the entry's VolumeSnapshot, in its namespace; or, with `copy`, from that copy of it in another. */
export async function claimFromSnapshot(http: KubeHttp, entry: VolumeEntry, name: string, labels: Readonly<Record<string, string>>, timeoutMs = 300_000, copy?: { readonly namespace: string; readonly name: string }): Promise<RestoredClaim> {
  const snapshot = copy ?? entry.csi!;
  const namespace = copy?.namespace ?? entry.namespace;
  if (!(await volumeSnapshotExists(http, snapshot.namespace, snapshot.name))) {
    throw new UsageError(`VolumeSnapshot ${snapshot.namespace}/${snapshot.name} no longer exists in this cluster`, { hint: 'it was deleted (by retention or by hand); restore from a newer snapshot, or check --kubeconfig points at the cluster it was taken in' });
  }
  const capacity = quantityBytes(entry.pv?.capacity?.['storage']) ?? 0;
  const bytes = Math.max(capacity, entry.csi!.restoreSize ?? 0);
  await createObject(http, claimsPath(namespace), {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name, namespace, labels },
    spec: {
      accessModes: entry.pv?.accessModes ?? ['ReadWriteOnce'],
      ...(entry.storageClass !== undefined && { storageClassName: entry.storageClass }),
      ...(entry.pv?.volumeMode !== undefined && { volumeMode: entry.pv.volumeMode }),
      dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: snapshot.name },
      resources: { requests: { storage: String(bytes) } },
    },
  }, `PersistentVolumeClaim ${namespace}/${name}`);
  return waitBound(http, namespace, name, timeoutMs);
}
