/**
 * Objects every cluster makes for itself. A restore leaves them to the target: its own
 * `kube-root-ca.crt` holds its own CA, its own `kubernetes` Service and default service
 * accounts, and a copy from another cluster would at best be "unchanged" and at worst fail a
 * pre-flight on an empty cluster of the same version.
 */
import { listAt } from './json.ts';
import type { KubeObject, ResourceType } from './types.ts';

const SYSTEM_PRIORITY_CLASSES: ReadonlySet<string> = new Set(['system-cluster-critical', 'system-node-critical']);

/** Why the target makes this object itself; undefined when the restore should bring it. */
export function madeByCluster(type: Pick<ResourceType, 'group' | 'resource'>, object: KubeObject): string | undefined {
  const meta = object.metadata;
  if (type.group === '' && type.resource === 'services' && meta.namespace === 'default' && meta.name === 'kubernetes') return 'the API server\'s own Service';
  if (type.group === '' && type.resource === 'configmaps' && meta.name === 'kube-root-ca.crt') return 'published in every namespace with the target\'s own CA';
  if (type.group === '' && type.resource === 'serviceaccounts' && meta.name === 'default' && !customised(object)) return 'made in every namespace by the service account controller';
  if (type.group === 'networking.k8s.io' && type.resource === 'servicecidrs' && meta.name === 'kubernetes') return 'the API server\'s own service CIDR';
  if (type.group === 'scheduling.k8s.io' && type.resource === 'priorityclasses' && SYSTEM_PRIORITY_CLASSES.has(meta.name)) return 'made by the API server';
  return undefined;
}

/** A default ServiceAccount someone changed (pull secrets, token mounting, labels) is restored. */
function customised(account: KubeObject): boolean {
  return listAt(account, 'imagePullSecrets').length > 0
    || account['automountServiceAccountToken'] !== undefined
    || Object.keys(account.metadata.labels ?? {}).length > 0
    || Object.keys(account.metadata.annotations ?? {}).length > 0;
}

/**
 * Objects the target's API server reconciles when it has them: bootstrap RBAC (`admin`,
 * `edit`, `view`, `system:*`) and the API priority-and-fairness defaults. Where the target
 * has one, it keeps its own (not a difference, not a failure); where it lacks one (an add-on
 * that copied the label), the restore creates it.
 */
export function reconciledByTarget(object: KubeObject): string | undefined {
  if (object.metadata.labels?.['kubernetes.io/bootstrapping'] !== undefined) return 'bootstrap RBAC: the target keeps its own, reconciled by its API server';
  if (object.metadata.annotations?.['apf.kubernetes.io/autoupdate-spec'] === 'true') return 'API priority and fairness default: the target keeps its own';
  return undefined;
}
