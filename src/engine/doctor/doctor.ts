/** Runs the preflight checks that apply to what was configured; absent parts are skipped, not failed. */
import type { Config, EtcdConfig } from '../../core/config/schema.ts';
import type { KubeConnection } from '../../kube/connection.ts';
import type { Backend } from '../../storage/backend.ts';
import { skip, type CheckResult } from './check.ts';
import { checkCluster } from './cluster-check.ts';
import { checkEtcd } from './etcd-check.ts';
import { checkFiles } from './files-check.ts';
import { checkPermissions } from './rbac-check.ts';
import { checkRepository } from './repository-check.ts';

export interface DoctorInputs {
  readonly connection?: KubeConnection;
  /** Why there is no connection (e.g. no kubeconfig), reported as a skipped check. */
  readonly connectionSkipped?: string;
  readonly etcd?: EtcdConfig;
  readonly repository?: Backend;
  /** The loaded strata.yaml, whose named files (secrets) are checked. */
  readonly config?: Config;
}

export async function runDoctor(inputs: DoctorInputs): Promise<CheckResult[]> {
  const results: Promise<CheckResult>[] = [];
  if (inputs.connection !== undefined) {
    const connection = inputs.connection;
    const cluster = checkCluster(connection);
    results.push(cluster);
    // Permission questions only make sense once the server answers.
    const gated = (check: () => Promise<CheckResult>, id: string, title: string) =>
      cluster.then((c) => (c.status === 'pass' ? check() : skip(id, title, 'cluster not reachable')));
    results.push(gated(() => checkPermissions(connection, 'backup'), 'rbac-backup', 'permissions for backup'));
    results.push(gated(() => checkPermissions(connection, 'restore'), 'rbac-restore', 'permissions for restore'));
  } else {
    results.push(Promise.resolve(skip('cluster', 'cluster reachable', inputs.connectionSkipped ?? 'no cluster configured')));
  }
  results.push(inputs.etcd ? checkEtcd(inputs.etcd) : Promise.resolve(skip('etcd', 'etcd healthy with quorum', 'no etcd endpoints configured (--etcd-endpoints or clusters.*.etcd)')));
  results.push(inputs.repository ? checkRepository(inputs.repository) : Promise.resolve(skip('repository', 'repository reachable and writable', 'no repository configured (--repo or STRATA_REPO)')));
  results.push(Promise.resolve(inputs.config === undefined ? skip('files', 'secrets and files the plans name', 'no strata.yaml loaded') : checkFiles(inputs.config)));
  return Promise.all(results);
}
