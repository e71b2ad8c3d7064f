/**
 * A restored RBD image made usable by a workload: a static PersistentVolume copied from the
 * backed-up one (same driver, attributes, access modes, capacity and class) pointing at the
 * new image, with a Retain policy so that deleting the claim never deletes restored data,
 * pre-bound to a new claim in the original namespace. For ceph-csi the image is named in
 * volumeAttributes and `staticVolume: "true"` marks it as not provisioned by the driver.
 */
import { UsageError } from '../../core/errors.ts';
import type { Volume } from '../../core/volumes/types.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { claimsPath, createObject, waitBound, type RestoredClaim } from './claims.ts';
import type { VolumeEntry } from './record.ts';

type Spec = Volume['spec'];

/** The recorded volume spec, pointing at `image` in `pool`. */
export function pointAt(spec: Spec, pool: string, image: string): Spec {
  if (spec.csi !== undefined) {
    return { ...spec, csi: { ...spec.csi, volumeHandle: image, volumeAttributes: { ...spec.csi.volumeAttributes, pool, imageName: image, staticVolume: 'true' } } };
  }
  if (spec.rbd !== undefined) return { ...spec, rbd: { ...spec.rbd, pool, image } };
  if (spec.flexVolume !== undefined) return { ...spec, flexVolume: { ...spec.flexVolume, options: { ...spec.flexVolume.options, pool, image } } };
  throw new UsageError('the backed-up volume is not an RBD volume');
}

export async function createStaticClaim(http: KubeHttp, entry: VolumeEntry, target: { pool: string; image: string }, name: string, labels: Readonly<Record<string, string>>, timeoutMs = 60_000): Promise<RestoredClaim> {
  if (entry.pv === undefined) throw new UsageError(`${entry.namespace}/${entry.claim}: the snapshot did not record its PersistentVolume`, { hint: 'bind the restored image by hand (docs/runbooks/volumes-restore.md)' });
  const storage = entry.pv.capacity?.['storage'];
  const volume = {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name, labels },
    spec: {
      ...pointAt(entry.pv, target.pool, target.image),
      persistentVolumeReclaimPolicy: 'Retain',
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: entry.namespace, name },
    },
  };
  const claim = {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: entry.namespace, labels },
    spec: {
      accessModes: entry.pv.accessModes ?? ['ReadWriteOnce'],
      storageClassName: entry.pv.storageClassName ?? '',
      volumeName: name,
      ...(entry.pv.volumeMode !== undefined && { volumeMode: entry.pv.volumeMode }),
      ...(storage !== undefined && { resources: { requests: { storage } } }),
    },
  };
  await createObject(http, '/api/v1/persistentvolumes', volume, `PersistentVolume ${name}`);
  await createObject(http, claimsPath(entry.namespace), claim, `PersistentVolumeClaim ${entry.namespace}/${name}`);
  return waitBound(http, entry.namespace, name, timeoutMs);
}
