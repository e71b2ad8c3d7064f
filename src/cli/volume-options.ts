/**
 * How a command names volumes: workloads (NAMESPACE/KIND/NAME), namespaces, a label
 * selector on workloads, and claims (NAMESPACE/NAME). Shared by `volumes ls`, `backup
 * --volumes` and `restore --volumes`.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import type { VolumeSelection, WorkloadKind } from '../core/volumes/resolve.ts';
import type { KubeHttp } from '../kube/http.ts';
import { selectionNamespaces, workloadsMatching } from '../sources/volumes/inventory.ts';
import { LocalRbd } from '../sources/volumes/rbd/runner.ts';

const KINDS: Readonly<Record<string, WorkloadKind>> = {
  deployment: 'Deployment', deployments: 'Deployment', deploy: 'Deployment',
  statefulset: 'StatefulSet', statefulsets: 'StatefulSet', sts: 'StatefulSet',
  daemonset: 'DaemonSet', daemonsets: 'DaemonSet', ds: 'DaemonSet',
  replicaset: 'ReplicaSet', replicasets: 'ReplicaSet', rs: 'ReplicaSet',
  cronjob: 'CronJob', cronjobs: 'CronJob', cj: 'CronJob',
  job: 'Job', jobs: 'Job',
  pod: 'Pod', pods: 'Pod', po: 'Pod',
};

export interface VolumesFlags {
  readonly workload: string[];
  readonly namespace: string[];
  readonly selector?: string;
  readonly pvc: string[];
}

export function parseWorkload(value: string): { namespace: string; kind: WorkloadKind; name: string } {
  const [namespace, kind, name, extra] = value.split('/');
  const known = kind === undefined ? undefined : KINDS[kind.toLowerCase()];
  if (!namespace || !name || extra !== undefined || known === undefined) {
    throw new UsageError(`--workload ${value}: expected NAMESPACE/KIND/NAME with KIND one of deployment, statefulset, daemonset, cronjob, job, pod`, { hint: 'e.g. --workload shop/deployment/web' });
  }
  return { namespace, kind: known, name };
}

export function parseClaim(value: string): { namespace: string; name: string } {
  const [namespace, name, extra] = value.split('/');
  if (!namespace || !name || extra !== undefined) throw new UsageError(`--pvc ${value}: expected NAMESPACE/NAME`, { hint: 'e.g. --pvc shop/data-db-0' });
  return { namespace, name };
}

export async function volumeSelection(http: KubeHttp, flags: VolumesFlags): Promise<VolumeSelection> {
  const selection = { workloads: flags.workload.map(parseWorkload), namespaces: flags.namespace, claims: flags.pvc.map(parseClaim) };
  if (flags.selector === undefined) return selection;
  const matching = await workloadsMatching(http, flags.selector, flags.namespace.length > 0 ? flags.namespace : selectionNamespaces(selection));
  if (matching.length === 0) throw new UsageError(`-l ${flags.selector}: no deployment, statefulset, daemonset, cronjob or pod matches`);
  // -l narrows to the workloads it matches; --namespace then only scopes that search.
  return { workloads: [...selection.workloads, ...matching], claims: selection.claims };
}


export interface CephFlags {
  readonly cephConf?: string;
  readonly cephKeyring?: string;
  readonly cephId?: string;
}

export function addCephOptions(command: Command): Command {
  return command
    .option('--ceph-conf <path>', 'ceph.conf for rbd (default: /etc/ceph/ceph.conf)')
    .option('--ceph-keyring <path>', 'the Ceph keyring for rbd')
    .option('--ceph-id <id>', 'the Ceph client id (client.ID) for rbd');
}

export function localRbd(flags: CephFlags): LocalRbd {
  return new LocalRbd({
    ...(flags.cephConf !== undefined && { confFile: flags.cephConf }),
    ...(flags.cephKeyring !== undefined && { keyringFile: flags.cephKeyring }),
    ...(flags.cephId !== undefined && { id: flags.cephId }),
  });
}
