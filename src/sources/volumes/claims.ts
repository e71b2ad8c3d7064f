/** Creating the claims (and volumes) a volume restore hands back, and waiting until they bind. */
import { OperationError, UsageError } from '../../core/errors.ts';
import { KubeApiError } from '../../kube/errors.ts';
import type { KubeHttp } from '../../kube/http.ts';

export interface RestoredClaim {
  /** The PersistentVolume bound to it. */
  readonly volume: string;
  /** namespace/name */
  readonly claim: string;
  readonly phase: string;
}

/** POSTs an object; one that exists already is a usage error naming it (nothing is overwritten). */
export async function createObject(http: KubeHttp, path: string, body: unknown, what: string): Promise<void> {
  try {
    await http.json(path, { method: 'POST', body });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 409) throw new UsageError(`${what} exists already`, { hint: 'pick another --image-suffix, or delete it first' });
    throw error;
  }
}

export const claimsPath = (namespace: string, name = '') => `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims${name === '' ? '' : `/${encodeURIComponent(name)}`}`;

export async function waitBound(http: KubeHttp, namespace: string, name: string, timeoutMs: number): Promise<RestoredClaim> {
  const deadline = Date.now() + timeoutMs;
  let phase: string;
  for (;;) {
    const current = await http.json<{ spec?: { volumeName?: string }; status?: { phase?: string } }>(claimsPath(namespace, name));
    phase = current.status?.phase ?? 'Pending';
    if (phase === 'Bound') return { volume: current.spec?.volumeName ?? '', claim: `${namespace}/${name}`, phase };
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new OperationError(`PersistentVolumeClaim ${namespace}/${name} is ${phase} after ${Math.round(timeoutMs / 1000)}s, not Bound`, { hint: `\`kubectl describe pvc -n ${namespace} ${name}\` tells why (provisioner, controller manager, storage class binding mode)` });
}
