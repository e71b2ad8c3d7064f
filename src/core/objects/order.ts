/**
 * The order a restore creates things in, so that nothing waits on what is not there yet:
 * CRDs (then wait until Established), namespaces, storage, RBAC and identities, config,
 * policy, services, workloads, everything else, custom resources, and admission webhooks
 * last (a webhook restored early would judge — or block — the rest of the restore).
 */
import { typeName, type ResourceType } from './types.ts';

export const STAGES = [
  'custom resource definitions',
  'namespaces',
  'storage classes',
  'persistent volumes',
  'persistent volume claims',
  'RBAC',
  'service accounts',
  'secrets',
  'config maps',
  'limits, quotas and priority classes',
  'services',
  'workloads',
  'other resources',
  'custom resources',
  'admission webhooks',
] as const;

export type Stage = (typeof STAGES)[number];

const BY_TYPE: ReadonlyMap<string, Stage> = new Map<string, Stage>([
  ['customresourcedefinitions.apiextensions.k8s.io', 'custom resource definitions'],
  ['namespaces', 'namespaces'],
  ['storageclasses.storage.k8s.io', 'storage classes'],
  ['persistentvolumes', 'persistent volumes'],
  ['persistentvolumeclaims', 'persistent volume claims'],
  ['clusterroles.rbac.authorization.k8s.io', 'RBAC'],
  ['clusterrolebindings.rbac.authorization.k8s.io', 'RBAC'],
  ['roles.rbac.authorization.k8s.io', 'RBAC'],
  ['rolebindings.rbac.authorization.k8s.io', 'RBAC'],
  ['serviceaccounts', 'service accounts'],
  ['secrets', 'secrets'],
  ['configmaps', 'config maps'],
  ['limitranges', 'limits, quotas and priority classes'],
  ['resourcequotas', 'limits, quotas and priority classes'],
  ['priorityclasses.scheduling.k8s.io', 'limits, quotas and priority classes'],
  ['services', 'services'],
  ['deployments.apps', 'workloads'],
  ['statefulsets.apps', 'workloads'],
  ['daemonsets.apps', 'workloads'],
  ['replicasets.apps', 'workloads'],
  ['replicationcontrollers', 'workloads'],
  ['jobs.batch', 'workloads'],
  ['cronjobs.batch', 'workloads'],
  ['pods', 'workloads'],
  ['validatingwebhookconfigurations.admissionregistration.k8s.io', 'admission webhooks'],
  ['mutatingwebhookconfigurations.admissionregistration.k8s.io', 'admission webhooks'],
  ['validatingadmissionpolicies.admissionregistration.k8s.io', 'admission webhooks'],
  ['validatingadmissionpolicybindings.admissionregistration.k8s.io', 'admission webhooks'],
  ['mutatingadmissionpolicies.admissionregistration.k8s.io', 'admission webhooks'],
  ['mutatingadmissionpolicybindings.admissionregistration.k8s.io', 'admission webhooks'],
]);

/** `customTypes` holds "plural.group" of every CRD in the restore. */
export function stageOf(type: Pick<ResourceType, 'group' | 'resource'>, customTypes: ReadonlySet<string>): Stage {
  const name = typeName(type);
  return BY_TYPE.get(name) ?? (customTypes.has(name) ? 'custom resources' : 'other resources');
}

export const stageIndex = (stage: Stage): number => STAGES.indexOf(stage);
