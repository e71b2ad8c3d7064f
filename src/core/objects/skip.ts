/**
 * What a backup leaves out, and why: objects that cannot be restored, or that the cluster
 * recreates by itself and that would fight their controller if restored. Every skip is
 * recorded in the snapshot with its reason.
 */
import type { KubeObject, ResourceType } from './types.ts';

/** Types left out entirely; undefined when the type is backed up. */
export function typeSkipReason(type: ResourceType): string | undefined {
  if (!type.verbs.includes('list') || !type.verbs.includes('get')) return 'not listable (the API serves no list for it)';
  if (!type.verbs.includes('create')) return 'cannot be created (read-only type)';
  if (type.resource === 'events' && (type.group === '' || type.group === 'events.k8s.io')) return 'events are transient records';
  if (type.resource === 'leases' && type.group === 'coordination.k8s.io') return 'leases are leader-election state, taken again by their holders';
  if (type.group === 'networking.k8s.io' && type.resource === 'ipaddresses') return 'allocated by the API server for Services';
  if (type.group === 'storage.k8s.io' && (type.resource === 'csinodes' || type.resource === 'volumeattachments')) return 'written by kubelets and the attach/detach controller';
  return undefined;
}

/** Kinds whose controller recreates the pods, replica sets, jobs and revisions it owns. */
const RECREATING_OWNERS: ReadonlySet<string> = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController']);
const OWNED_WHEN_CONTROLLED: ReadonlySet<string> = new Set(['pods', 'replicasets', 'jobs', 'controllerrevisions']);

export interface SkipContext {
  /** "namespace/name" of every Service with a selector: their Endpoints belong to the endpoints controller. */
  readonly servicesWithSelector: ReadonlySet<string>;
}

/** Single objects left out; undefined when the object is backed up. */
export function objectSkipReason(type: ResourceType, object: KubeObject, context: SkipContext): string | undefined {
  const meta = object.metadata;
  const builtin = type.group === '' || type.group === 'apps' || type.group === 'batch';
  if (builtin && OWNED_WHEN_CONTROLLED.has(type.resource)) {
    const controller = meta.ownerReferences?.find((o) => o.controller === true && RECREATING_OWNERS.has(o.kind));
    if (controller !== undefined) return `recreated by its ${controller.kind}`;
  }
  if (type.group === '' && type.resource === 'pods' && meta.annotations?.['kubernetes.io/config.mirror'] !== undefined) {
    return 'mirror pod of a static manifest (restored with the node files)';
  }
  if (type.group === '' && type.resource === 'endpoints') {
    if (meta.labels?.['endpoints.kubernetes.io/managed-by'] !== undefined || context.servicesWithSelector.has(`${meta.namespace ?? ''}/${meta.name}`)) {
      return 'managed by the endpoints controller for its Service';
    }
  }
  if (type.group === 'discovery.k8s.io' && type.resource === 'endpointslices') {
    const manager = meta.labels?.['endpointslice.kubernetes.io/managed-by'];
    if (manager !== undefined) return `managed by ${manager}`;
  }
  return undefined;
}

/** The key a Service contributes to SkipContext, when it has a selector. */
export function serviceSelectorKey(object: KubeObject): string | undefined {
  const spec = object['spec'] as { selector?: Record<string, string> } | undefined;
  if (spec?.selector === undefined || Object.keys(spec.selector).length === 0) return undefined;
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
