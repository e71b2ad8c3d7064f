/**
 * How a command names volumes: workloads (NAMESPACE/KIND/NAME), namespaces, a label
 * selector on workloads, and claims (NAMESPACE/NAME). Shared by `volumes ls`, `backup
 * --volumes` and `restore --volumes`.
 */
import type { Command } from 'commander';
import type { VolumeSelection } from '../core/volumes/resolve.ts';
import { parseClaim, parseWorkload } from '../core/volumes/selection.ts';
import type { KubeHttp } from '../kube/http.ts';
import { narrowByLabels } from '../sources/volumes/inventory.ts';
import { LocalRbd } from '../sources/volumes/rbd/runner.ts';

export interface VolumesFlags {
  readonly workload: string[];
  readonly namespace: string[];
  readonly selector?: string;
  readonly pvc: string[];
}

export function volumeSelection(http: KubeHttp, flags: VolumesFlags): Promise<VolumeSelection> {
  const selection = { workloads: flags.workload.map((w) => parseWorkload(w)), namespaces: flags.namespace, claims: flags.pvc.map((c) => parseClaim(c)) };
  return narrowByLabels(http, selection, flags.selector, '-l');
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
