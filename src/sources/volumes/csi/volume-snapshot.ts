/**
 * CSI VolumeSnapshots (snapshot.storage.k8s.io/v1) of claims whose driver takes snapshots:
 * the class is the one named (plan or flag) or the driver's default; Strata creates the
 * VolumeSnapshot, waits until it is readyToUse (bounded; an error the controller reports
 * fails it at once), and records it with its bound content. The data stays with the
 * driver; the repository holds the record, and a restore creates a claim from it.
 */
import { OperationError, UsageError } from '../../../core/errors.ts';
import { KubeApiError } from '../../../kube/errors.ts';
import type { KubeHttp } from '../../../kube/http.ts';

const API = '/apis/snapshot.storage.k8s.io/v1';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'strata' };
const DEFAULT_CLASS = 'snapshot.storage.kubernetes.io/is-default-class';

export interface VolumeSnapshotRecord {
  readonly namespace: string;
  readonly name: string;
  readonly className: string;
  readonly driver: string;
  readonly content: string;
  readonly snapshotHandle: string;
  /** Bytes, as the driver reports (the least a claim made from it may ask for). */
  readonly restoreSize?: number;
  readonly creationTime?: string;
}

interface SnapshotClass { metadata: { name: string; annotations?: Record<string, string> }; driver: string }

/** The class to snapshot a `driver` volume with: `wanted` (checked), or the driver's default, or its only class. */
export async function snapshotClassFor(http: KubeHttp, driver: string, wanted: string | undefined, what: string): Promise<string | undefined> {
  let classes: SnapshotClass[];
  try {
    classes = (await http.json<{ items: SnapshotClass[] }>(`${API}/volumesnapshotclasses`)).items;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) {
      if (wanted === undefined) return undefined;
      throw new UsageError(`${what} ${wanted}: the cluster serves no VolumeSnapshotClasses (snapshot.storage.k8s.io is not installed)`, { hint: 'install the external-snapshotter CRDs and snapshot-controller' });
    }
    throw error;
  }
  if (wanted !== undefined) {
    const found = classes.find((c) => c.metadata.name === wanted);
    if (found === undefined) throw new UsageError(`${what} ${wanted}: no such VolumeSnapshotClass`, { hint: `have: ${classes.map((c) => c.metadata.name).join(', ') || 'none'}` });
    if (found.driver !== driver) throw new UsageError(`${what} ${wanted}: the class is for driver ${found.driver}, not ${driver}`);
    return wanted;
  }
  const forDriver = classes.filter((c) => c.driver === driver);
  return (forDriver.find((c) => c.metadata.annotations?.[DEFAULT_CLASS] === 'true') ?? (forDriver.length === 1 ? forDriver[0] : undefined))?.metadata.name;
}

/** A DNS-1123 name from the claim and the time: strata-CLAIM-20261124t120000z, at most 253 characters. */
export function volumeSnapshotName(claim: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'z').toLowerCase();
  return `strata-${claim.slice(0, 253 - 'strata-'.length - stamp.length - 1)}-${stamp}`;
}

const snapshotPath = (namespace: string, name = '') => `${API}/namespaces/${encodeURIComponent(namespace)}/volumesnapshots${name === '' ? '' : `/${encodeURIComponent(name)}`}`;

interface VolumeSnapshot {
  status?: { readyToUse?: boolean; boundVolumeSnapshotContentName?: string; restoreSize?: string; creationTime?: string; error?: { message?: string } };
}

/** Kubernetes quantities as bytes ("10Mi", "1G", "1048576"). */
export function quantityBytes(quantity: string | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([KMGTPE]i?|k)?$/.exec(quantity);
  if (m === null) return undefined;
  const units: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Math.round(Number(m[1]) * (m[2] === undefined ? 1 : units[m[2]]!));
}

export async function takeVolumeSnapshot(http: KubeHttp, request: { namespace: string; claim: string; className: string; driver: string; at: Date; timeoutMs: number }): Promise<VolumeSnapshotRecord> {
  const name = volumeSnapshotName(request.claim, request.at);
  await http.json(snapshotPath(request.namespace), {
    method: 'POST',
    body: {
      apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot',
      metadata: { name, namespace: request.namespace, labels: MANAGED_BY, annotations: { 'strata.dev/taken-at': request.at.toISOString() } },
      spec: { volumeSnapshotClassName: request.className, source: { persistentVolumeClaimName: request.claim } },
    },
  });
  const deadline = Date.now() + request.timeoutMs;
  let snapshot: VolumeSnapshot;
  for (;;) {
    snapshot = await http.json<VolumeSnapshot>(snapshotPath(request.namespace, name));
    if (snapshot.status?.readyToUse === true && snapshot.status.boundVolumeSnapshotContentName !== undefined) break;
    const failure = snapshot.status?.error?.message;
    if (failure !== undefined || Date.now() > deadline) {
      // Nothing half-made is left behind: the claim's next backup takes a new one.
      await deleteVolumeSnapshot(http, request.namespace, name).catch(() => undefined);
      throw new OperationError(failure !== undefined
        ? `VolumeSnapshot ${request.namespace}/${name}: ${failure}`
        : `VolumeSnapshot ${request.namespace}/${name} was not readyToUse after ${Math.round(request.timeoutMs / 1000)}s`, { hint: `check the snapshot-controller and the ${request.driver} csi-snapshotter sidecar (kubectl describe volumesnapshot)` });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const contentName = snapshot.status!.boundVolumeSnapshotContentName!;
  const content = await http.json<{ status?: { snapshotHandle?: string; restoreSize?: number } }>(`${API}/volumesnapshotcontents/${encodeURIComponent(contentName)}`);
  const restoreSize = content.status?.restoreSize ?? quantityBytes(snapshot.status?.restoreSize);
  return {
    namespace: request.namespace, name, className: request.className, driver: request.driver, content: contentName,
    snapshotHandle: content.status?.snapshotHandle ?? '',
    ...(restoreSize !== undefined && { restoreSize }),
    ...(snapshot.status?.creationTime !== undefined && { creationTime: snapshot.status.creationTime }),
  };
}

/** Deletes a VolumeSnapshot; one that is gone already counts as deleted. */
export async function deleteVolumeSnapshot(http: KubeHttp, namespace: string, name: string): Promise<void> {
  try {
    await http.json(snapshotPath(namespace, name), { method: 'DELETE' });
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 404)) throw error;
  }
}

export async function volumeSnapshotExists(http: KubeHttp, namespace: string, name: string): Promise<boolean> {
  const response = await http.request(snapshotPath(namespace, name));
  return response.status === 200;
}
