/**
 * How volumes are named on the command line and in strata.yaml: a workload as
 * NAMESPACE/KIND/NAME (kubectl's kind names and short names), a claim as NAMESPACE/NAME.
 * `what` is the flag or field the value came from, for the error.
 */
import { UsageError } from '../errors.ts';
import type { WorkloadKind } from './resolve.ts';

const KINDS: Readonly<Record<string, WorkloadKind>> = {
  deployment: 'Deployment', deployments: 'Deployment', deploy: 'Deployment',
  statefulset: 'StatefulSet', statefulsets: 'StatefulSet', sts: 'StatefulSet',
  daemonset: 'DaemonSet', daemonsets: 'DaemonSet', ds: 'DaemonSet',
  replicaset: 'ReplicaSet', replicasets: 'ReplicaSet', rs: 'ReplicaSet',
  cronjob: 'CronJob', cronjobs: 'CronJob', cj: 'CronJob',
  job: 'Job', jobs: 'Job',
  pod: 'Pod', pods: 'Pod', po: 'Pod',
};

export function parseWorkload(value: string, what = '--workload'): { namespace: string; kind: WorkloadKind; name: string } {
  const [namespace, kind, name, extra] = value.split('/');
  const known = kind === undefined ? undefined : KINDS[kind.toLowerCase()];
  if (!namespace || !name || extra !== undefined || known === undefined) {
    throw new UsageError(`${what} ${value}: expected NAMESPACE/KIND/NAME with KIND one of deployment, statefulset, daemonset, cronjob, job, pod`, { hint: 'e.g. --workload shop/deployment/web' });
  }
  return { namespace, kind: known, name };
}

export function parseClaim(value: string, what = '--pvc'): { namespace: string; name: string } {
  const [namespace, name, extra] = value.split('/');
  if (!namespace || !name || extra !== undefined) throw new UsageError(`${what} ${value}: expected NAMESPACE/NAME`, { hint: 'e.g. --pvc shop/data-db-0' });
  return { namespace, name };
}

