/**
 * What a plan's `sources:` mean for one backup run: the paths, the etcd snapshot request
 * and the API object request, from the plan's cluster entry. Every problem names the
 * configuration field it comes from.
 */
import type { Config, PlanConfig } from '../../core/config/schema.ts';
import type { SourceConfig } from '../../core/config/sources.ts';
import { Duration } from '../../core/duration.ts';
import { UsageError } from '../../core/errors.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import { etcdConnectionOptions } from '../../sources/etcd/connection.ts';
import { discoverControlPlane } from '../../sources/files/control-plane.ts';
import type { BackupOptions } from '../backup.ts';
import { parseClaim, parseWorkload } from '../../core/volumes/selection.ts';
import { narrowByLabels } from '../../sources/volumes/inventory.ts';
import { LocalRbd, type RbdRunner } from '../../sources/volumes/rbd/runner.ts';
import { ToolboxRbd } from '../../sources/volumes/rbd/toolbox.ts';
import { retentionPolicy } from './retention.ts';
import { blockSizeOf } from '../../core/volumes/block-size.ts';

export type PlanSources = Pick<BackupOptions, 'paths' | 'etcd' | 'objects' | 'volumes'> & {
  readonly warnings: readonly string[];
  /** Releases the connections the sources hold. */
  close(): void;
};

/** The sources this version can run; the others are refused by name rather than skipped. */
const RUNNABLE = new Set<SourceConfig['type']>(['etcd', 'files', 'objects', 'volumes']);

export function checkRunnable(planName: string, plan: PlanConfig): void {
  plan.sources.forEach((source, index) => {
    if (!RUNNABLE.has(source.type)) {
      throw new UsageError(`plans.${planName}.sources[${index}]: type ${source.type} cannot run in this version of strata`, {
        hint: `remove it from the plan for now; runnable types: ${[...RUNNABLE].join(', ')}`,
      });
    }
    if (source.type === 'volumes') {
      for (const namespace of source.namespaces ?? []) if (/[*?]/.test(namespace)) throw new UsageError(`plans.${planName}.sources[${index}].namespaces: ${namespace}: volumes are selected by namespace name, not glob`);
    }
    if (source.type === 'files' && source.exclude !== undefined) {
      throw new UsageError(`plans.${planName}.sources[${index}].exclude: excluding files is not supported yet`, { hint: 'list the paths to back up instead' });
    }
  });
}

/** rbd with the plan's Ceph settings: in the Rook toolbox when `ceph.toolbox` is set, else on this machine. */
function rbdFor(http: KubeHttp, ceph: Extract<SourceConfig, { type: 'volumes' }>['ceph']): RbdRunner {
  const connection = {
    ...(ceph?.confFile !== undefined && { confFile: ceph.confFile }),
    ...(ceph?.keyringFile !== undefined && { keyringFile: ceph.keyringFile }),
    ...(ceph?.timeout !== undefined && { timeoutMs: Duration.parse(ceph.timeout)!.milliseconds }),
  };
  return ceph?.toolbox === undefined ? new LocalRbd(connection) : new ToolboxRbd(http, ceph.toolbox, connection);
}

export async function planSources(config: Config, planName: string, options: { hostRoot?: string; node?: string } = {}): Promise<PlanSources> {
  const plan = config.plans[planName];
  if (plan === undefined) throw new UsageError(`plan "${planName}" is not under plans: in strata.yaml (have: ${Object.keys(config.plans).join(', ') || 'none'})`);
  checkRunnable(planName, plan);
  const cluster = plan.cluster === undefined ? undefined : config.clusters[plan.cluster];
  const field = (index: number) => `plans.${planName}.sources[${index}]`;
  const paths: string[] = [];
  const warnings: string[] = [];
  let etcd: PlanSources['etcd'];
  let objects: PlanSources['objects'];
  let volumes: PlanSources['volumes'];
  let http: KubeHttp | undefined;
  try {
    for (const [index, source] of plan.sources.entries()) {
      if (source.type === 'etcd') {
        if (cluster?.etcd === undefined) {
          throw new UsageError(`${field(index)}: type etcd needs the plan's cluster to have etcd: settings`, { hint: `set plans.${planName}.cluster and clusters.NAME.etcd.endpoints` });
        }
        etcd = { endpoints: cluster.etcd.endpoints, connection: await etcdConnectionOptions(cluster.etcd), force: source.force };
      } else if (source.type === 'files') {
        if (source.preset === 'control-plane') {
          const found = discoverControlPlane(options.hostRoot ?? '/');
          if (found.paths.length === 0) throw new UsageError(`${field(index)}: preset control-plane found no control-plane files under ${options.hostRoot ?? '/'}`, { hint: 'run the plan on a control-plane node' });
          for (const file of found.missing) warnings.push(`the kube-apiserver manifest names ${file}, which does not exist`);
          paths.push(...found.paths);
        }
        paths.push(...source.paths);
        if (paths.length === 0) throw new UsageError(`${field(index)}: a files source needs paths: or preset: control-plane`);
      } else if (source.type === 'volumes') {
        http ??= new KubeHttp(await connect({ kubeconfig: cluster?.kubeconfig, context: cluster?.context }));
        const at = field(index);
        const named = {
          workloads: (source.workloads ?? []).map((w) => parseWorkload(w, `${at}.workloads`)),
          namespaces: source.namespaces ?? [],
          claims: (source.pvcs ?? []).map((c) => parseClaim(c, `${at}.pvcs`)),
        };
        volumes = {
          http,
          selection: await narrowByLabels(http, named, source.labelSelector, `${at}.labelSelector`),
          rbd: rbdFor(http, source.ceph),
          ...(source.liveSnapshots !== undefined && { liveSnapshots: retentionPolicy(source.liveSnapshots) }),
          mode: source.mode,
          ...(source.rbdBlockSize !== undefined && { blockSize: blockSizeOf(source.rbdBlockSize, `${at}.rbdBlockSize`) }),
          hostRoot: options.hostRoot ?? '/',
          ...(options.node !== undefined && { node: options.node }),
          ...(source.volumeSnapshotClass !== undefined && { volumeSnapshotClass: { name: source.volumeSnapshotClass, from: `${at}.volumeSnapshotClass` } }),
        };
      } else if (source.type === 'objects') {
        http ??= new KubeHttp(await connect({ kubeconfig: cluster?.kubeconfig, context: cluster?.context }));
        objects = {
          http,
          filters: {
            includeNamespaces: source.includeNamespaces ?? [],
            excludeNamespaces: source.excludeNamespaces ?? [],
            includeResources: source.includeResources ?? [],
            excludeResources: source.excludeResources ?? [],
            clusterScoped: source.clusterScoped,
          },
          ...(source.labelSelector !== undefined && { labelSelector: source.labelSelector }),
          ...(source.allVersions && { allVersions: true }),
        };
      }
    }
  } catch (error) {
    http?.close();
    throw error;
  }
  return { paths: [...new Set(paths)], ...(etcd && { etcd }), ...(objects && { objects }), ...(volumes && { volumes }), warnings, close: () => http?.close() };
}
