/**
 * How a command names volumes: workloads (NAMESPACE/KIND/NAME), namespaces, a label
 * selector on workloads, and claims (NAMESPACE/NAME). Shared by `volumes ls`, `backup
 * --volumes` and `restore --volumes`.
 */
import { UsageError } from '../core/errors.ts';
import { Duration } from '../core/duration.ts';
import type { Command } from 'commander';
import type { VolumeSelection } from '../core/volumes/resolve.ts';
import { parseClaim, parseWorkload } from '../core/volumes/selection.ts';
import type { KubeHttp } from '../kube/http.ts';
import { narrowByLabels } from '../sources/volumes/inventory.ts';
import { LocalRbd, type RbdRunner } from '../sources/volumes/rbd/runner.ts';
import { ROOK_TOOLBOX_SELECTOR, ToolboxRbd } from '../sources/volumes/rbd/toolbox.ts';
import type { VolumesEntry } from '../sources/volumes/entry.ts';
import type { NamedEntry } from '../engine/sources.ts';
import { keepConfig } from '../core/config/keep.ts';
import { parseKeepSpec } from '../core/retention/spec.ts';
import { fromFlags } from './source-field.ts';

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
  readonly cephToolbox?: string;
  readonly cephToolboxSelector: string;
  readonly cephTimeout: string;
}

export function addCephOptions(command: Command): Command {
  return command
    .option('--ceph-conf <path>', 'ceph.conf for rbd (default: /etc/ceph/ceph.conf)')
    .option('--ceph-keyring <path>', 'the Ceph keyring for rbd')
    .option('--ceph-id <id>', 'the Ceph client id (client.ID) for rbd')
    .option('--ceph-toolbox <namespace>', 'run rbd in the Rook toolbox pod of this namespace (pods/exec), not on this machine; --ceph-conf and --ceph-keyring are then paths in the pod')
    .option('--ceph-toolbox-selector <selector>', 'with --ceph-toolbox: the toolbox pods\' labels', ROOK_TOOLBOX_SELECTOR)
    .option('--ceph-timeout <duration>', 'how long one rbd command may take; one that streams an image, how long it may go without moving a byte', '10m');
}

/** Whether rbd runs in the cluster, so that the command needs a connection to it. */
export const needsCluster = (flags: CephFlags): boolean => flags.cephToolbox !== undefined;

/** rbd on this machine, or in the Rook toolbox with --ceph-toolbox (then `http` is required). */
export function rbdRunner(flags: CephFlags, http: KubeHttp | undefined): RbdRunner {
  const connection = {
    ...(flags.cephConf !== undefined && { confFile: flags.cephConf }),
    ...(flags.cephKeyring !== undefined && { keyringFile: flags.cephKeyring }),
    ...(flags.cephId !== undefined && { id: flags.cephId }),
    timeoutMs: cephTimeout(flags.cephTimeout),
  };
  if (flags.cephToolbox === undefined) return new LocalRbd(connection);
  if (http === undefined) throw new Error('--ceph-toolbox needs the cluster connection');
  return new ToolboxRbd(http, { namespace: flags.cephToolbox, selector: flags.cephToolboxSelector }, connection);
}

function cephTimeout(value: string): number {
  const parsed = Duration.parse(value);
  if (parsed === undefined || parsed.milliseconds <= 0) throw new UsageError(`--ceph-timeout ${value}: expected a duration such as 90s or 10m`);
  return parsed.milliseconds;
}

export interface VolumeBackupFlags extends CephFlags {
  readonly volumes: boolean;
  readonly workload: string[];
  readonly pvc: string[];
  readonly includeNamespaces: string[];
  readonly selector?: string;
  readonly keepLive?: string;
  readonly volumeMode: string;
  readonly volumeSnapshotClass?: string;
  readonly rbdBlockSize?: string;
}

/** `backup --volumes` and its selection, Ceph and snapshot flags as the volumes source's entry. */
export function volumesEntryOf(flags: VolumeBackupFlags): NamedEntry | undefined {
  if (!flags.volumes) {
    if (flags.workload.length > 0 || flags.pvc.length > 0 || flags.keepLive !== undefined || flags.volumeSnapshotClass !== undefined) throw new UsageError('--workload, --pvc, --keep-live and --volume-snapshot-class apply to volumes: give them with --volumes');
    return undefined;
  }
  cephTimeout(flags.cephTimeout);
  const entry: VolumesEntry = {
    type: 'volumes',
    workloads: flags.workload,
    pvcs: flags.pvc,
    namespaces: flags.includeNamespaces,
    mode: flags.volumeMode as VolumesEntry['mode'],
    ...(flags.selector !== undefined && { labelSelector: flags.selector }),
    ...(flags.keepLive !== undefined && { liveSnapshots: keepConfig(parseKeepSpec(flags.keepLive, '--keep-live')) }),
    ...(flags.volumeSnapshotClass !== undefined && { volumeSnapshotClass: flags.volumeSnapshotClass }),
    ...(flags.rbdBlockSize !== undefined && { rbdBlockSize: flags.rbdBlockSize }),
    ceph: {
      ...(flags.cephConf !== undefined && { confFile: flags.cephConf }),
      ...(flags.cephKeyring !== undefined && { keyringFile: flags.cephKeyring }),
      ...(flags.cephId !== undefined && { id: flags.cephId }),
      ...(flags.cephToolbox !== undefined && { toolbox: { namespace: flags.cephToolbox, selector: flags.cephToolboxSelector } }),
      timeout: flags.cephTimeout,
    },
  };
  return fromFlags(entry, '--volumes', { workloads: '--workload', pvcs: '--pvc', namespaces: '--include-namespaces', labelSelector: '-l', rbdBlockSize: '--rbd-block-size', volumeSnapshotClass: '--volume-snapshot-class' });
}
