/**
 * A VolumeSnapshot seen from another namespace: a claim can only be made from a snapshot in
 * its own namespace, so a copy points at the same driver snapshot (its snapshotHandle)
 * through a pre-provisioned VolumeSnapshotContent bound to a new VolumeSnapshot there. The
 * content's deletionPolicy is Retain: removing the copy never deletes the driver's snapshot,
 * which the original still holds.
 */
import { OperationError } from '../../../core/errors.ts';
import type { KubeHttp } from '../../../kube/http.ts';
import { createObject } from '../claims.ts';
import type { VolumeSnapshotRecord } from './volume-snapshot.ts';

const API = '/apis/snapshot.storage.k8s.io/v1';
const POLL_MS = 500;

interface Copied {
  status?: { readyToUse?: boolean; error?: { message?: string } };
}

/** Makes `namespace/name` a ready VolumeSnapshot of the same driver snapshot as `original`; returns the content's name. */
export async function copyVolumeSnapshot(http: KubeHttp, original: VolumeSnapshotRecord, into: { namespace: string; name: string; content: string }, labels: Readonly<Record<string, string>>, timeoutMs: number): Promise<string> {
  if (original.snapshotHandle === '') throw new OperationError(`VolumeSnapshot ${original.namespace}/${original.name} was recorded without a snapshotHandle: it cannot be copied to another namespace`);
  await createObject(http, `${API}/volumesnapshotcontents`, {
    apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent',
    metadata: { name: into.content, labels },
    spec: {
      deletionPolicy: 'Retain',
      driver: original.driver,
      source: { snapshotHandle: original.snapshotHandle },
      volumeSnapshotClassName: original.className,
      volumeSnapshotRef: { namespace: into.namespace, name: into.name },
    },
  }, `VolumeSnapshotContent ${into.content}`);
  const path = `${API}/namespaces/${encodeURIComponent(into.namespace)}/volumesnapshots`;
  await createObject(http, path, {
    apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot',
    metadata: { name: into.name, namespace: into.namespace, labels },
    spec: { source: { volumeSnapshotContentName: into.content } },
  }, `VolumeSnapshot ${into.namespace}/${into.name}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const copy = await http.json<Copied>(`${path}/${encodeURIComponent(into.name)}`);
    if (copy.status?.readyToUse === true) return into.content;
    const failure = copy.status?.error?.message;
    if (failure !== undefined) throw new OperationError(`VolumeSnapshot ${into.namespace}/${into.name} (a copy of ${original.namespace}/${original.name}): ${failure}`);
    if (Date.now() > deadline) throw new OperationError(`VolumeSnapshot ${into.namespace}/${into.name} (a copy of ${original.namespace}/${original.name}) was not readyToUse after ${Math.round(timeoutMs / 1000)}s`, { hint: `check the snapshot-controller and the ${original.driver} csi-snapshotter sidecar (kubectl describe volumesnapshotcontent ${into.content})` });
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
