/**
 * Lists what volume resolution needs from the cluster: workloads, pods, claims and volumes.
 * Only the namespaces a selection names are read (all of them when it names none); a type
 * the identity may not list is an error that names it, since leaving it out would silently
 * drop volumes from a backup.
 */
import type { KubeObject, ResourceType } from '../../core/objects/types.ts';
import type { Inventory, VolumeSelection } from '../../core/volumes/resolve.ts';
import type { Claim, Pod, Volume, Workload } from '../../core/volumes/types.ts';
import { OperationError, UsageError } from '../../core/errors.ts';
import { describeKubeError } from '../../kube/connection.ts';
import type { KubeHttp } from '../../kube/http.ts';
import { listPages } from '../../kube/list.ts';

const type = (group: string, resource: string, kind: string, namespaced = true): ResourceType => ({ group, version: 'v1', resource, kind, namespaced, verbs: ['list'] });

const WORKLOADS = [
  type('apps', 'deployments', 'Deployment'),
  type('apps', 'statefulsets', 'StatefulSet'),
  type('apps', 'daemonsets', 'DaemonSet'),
  type('apps', 'replicasets', 'ReplicaSet'),
  type('batch', 'jobs', 'Job'),
  type('batch', 'cronjobs', 'CronJob'),
];
const PODS = type('', 'pods', 'Pod');
const CLAIMS = type('', 'persistentvolumeclaims', 'PersistentVolumeClaim');
const VOLUMES = type('', 'persistentvolumes', 'PersistentVolume', false);

async function listAll(http: KubeHttp, resource: ResourceType, namespaces: readonly (string | undefined)[]): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  for (const namespace of resource.namespaced ? namespaces : [undefined]) {
    try {
      for await (const page of listPages(http, resource, namespace === undefined ? {} : { namespace })) items.push(...page);
    } catch (error) {
      throw new OperationError(`cannot list ${resource.resource}${namespace === undefined ? '' : ` in ${namespace}`}: ${describeKubeError(error)}`, {
        hint: 'volume resolution reads workloads, pods, claims and volumes: grant list on them (the backup role in deploy/helm/strata does)',
        cause: error,
      });
    }
  }
  return items;
}

export function selectionNamespaces(selection: VolumeSelection): string[] | undefined {
  const named = [...(selection.workloads ?? []).map((w) => w.namespace), ...(selection.namespaces ?? []), ...(selection.claims ?? []).map((c) => c.namespace)];
  return named.length === 0 ? undefined : [...new Set(named)].sort();
}

export async function readInventory(http: KubeHttp, selection: VolumeSelection): Promise<Inventory> {
  const namespaces = selectionNamespaces(selection) ?? [undefined];
  const [workloads, pods, claims, volumes] = await Promise.all([
    Promise.all(WORKLOADS.map(async (t) => (await listAll(http, t, namespaces)).map((o) => ({ ...o, kind: t.kind }) as unknown as Workload))).then((lists) => lists.flat()),
    listAll(http, PODS, namespaces) as unknown as Promise<Pod[]>,
    listAll(http, CLAIMS, namespaces) as unknown as Promise<Claim[]>,
    listAll(http, VOLUMES, [undefined]) as unknown as Promise<Volume[]>,
  ]);
  return { workloads, pods, claims, volumes };
}

/** Top-level workloads whose labels match a label selector (`-l`), as the API server evaluates it. */
export async function workloadsMatching(http: KubeHttp, labelSelector: string, namespaces: readonly string[] | undefined): Promise<{ namespace: string; kind: Workload['kind']; name: string }[]> {
  const found: { namespace: string; kind: Workload['kind']; name: string }[] = [];
  for (const resource of WORKLOADS.filter((t) => t.kind !== 'ReplicaSet' && t.kind !== 'Job')) {
    for (const namespace of namespaces ?? [undefined]) {
      for await (const page of listPages(http, resource, { labelSelector, ...(namespace !== undefined && { namespace }) })) {
        for (const item of page) {
          const meta = item['metadata'] as { name: string; namespace: string };
          found.push({ namespace: meta.namespace, kind: resource.kind as Workload['kind'], name: meta.name });
        }
      }
    }
  }
  return found;
}

/**
 * A selection narrowed by a label selector on workloads: the matching workloads join the
 * named ones, and the named namespaces only scope the search. No match is an error (`what`
 * names the flag or field), never an empty selection, which would mean every claim.
 */
export async function narrowByLabels(http: KubeHttp, selection: VolumeSelection, labelSelector: string | undefined, what: string): Promise<VolumeSelection> {
  if (labelSelector === undefined) return selection;
  const namespaces = (selection.namespaces?.length ?? 0) > 0 ? selection.namespaces : selectionNamespaces(selection);
  const matching = await workloadsMatching(http, labelSelector, namespaces);
  if (matching.length === 0) throw new UsageError(`${what} ${labelSelector}: no deployment, statefulset, daemonset or cronjob matches`);
  return { workloads: [...(selection.workloads ?? []), ...matching], claims: selection.claims ?? [] };
}
