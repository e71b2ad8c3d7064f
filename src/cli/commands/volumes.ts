/** `strata volumes ls`: which volumes a selection of workloads resolves to, and how each would be backed up. */
import { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { resolveVolumes } from '../../core/volumes/resolve.ts';
import type { Backend } from '../../core/volumes/types.ts';
import { connect } from '../../kube/connection.ts';
import { KubeHttp } from '../../kube/http.ts';
import { readInventory } from '../../sources/volumes/inventory.ts';
import { volumeSelection, type VolumesFlags } from '../volume-options.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { repeated } from '../option-values.ts';

export function describeBackend(backend: Backend): [string, string] {
  switch (backend.kind) {
    case 'rbd':
      return [`rbd (${backend.via})`, `${backend.pool}/${backend.radosNamespace === undefined ? '' : `${backend.radosNamespace}/`}${backend.image}`];
    case 'directory':
      return [backend.via, `${backend.node === undefined ? '' : `${backend.node}:`}${backend.path}`];
    case 'csi':
      return ['csi snapshot', backend.driver];
    case 'unsupported':
      return ['-', backend.reason];
  }
}

export function volumesCommand(): Command {
  const ls = new Command('ls')
    .description('resolve workloads to their volumes: pods, claims, bound volumes, and how each is backed up')
    .option('--workload <ns/kind/name>', 'a workload (deployment, statefulset, daemonset, cronjob, job, pod); repeatable', repeated, [])
    .option('-n, --namespace <ns>', 'every claim in this namespace; repeatable', repeated, [])
    .option('-l, --selector <selector>', 'the workloads with these labels (app=db,tier!=cache)')
    .option('--pvc <ns/name>', 'a claim; repeatable', repeated, [])
    .addHelpText('after', `
A workload resolves through its pod template (StatefulSet claim templates included, so a
workload scaled to zero still resolves) and through the pods it selects or owns. Each
claim's bound volume is classified by how Strata backs it up:
  rbd (csi|flex|in-tree)  Ceph RBD image: pool[/radosNamespace]/image. CSI volumes are
                          recognised by driver (rbd.csi.ceph.com or *.rbd.csi.ceph.com)
                          and read from volumeAttributes, never from the volumeHandle.
  hostPath | local        a directory on a node, backed up file by file
  csi snapshot            any other CSI driver: a VolumeSnapshot
  -                       not backed up, with the reason (unbound, NFS, …)
With no selection, every claim in the cluster is listed.

Examples:
  strata volumes ls --workload shop/statefulset/db
  strata volumes ls -n shop -n billing --json
  strata volumes ls -l app=postgres --kubeconfig ~/.kube/prod
${EXIT_STATUS_HELP}`)
    .action(async (flags: VolumesFlags, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      for (const namespace of flags.namespace) if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) throw new UsageError(`--namespace ${namespace}: not a namespace name`);
      const http = new KubeHttp(await connect(global));
      try {
        const selection = await volumeSelection(http, flags);
        const { volumes, problems } = resolveVolumes(await readInventory(http, selection), selection);
        if (problems.length > 0) throw new UsageError(problems.join('; '), { hint: 'check the names (kubectl get … -n NAMESPACE)' });
        if (global.json) return printJson(volumes);
        printLine(['NAMESPACE', 'CLAIM', 'VOLUME', 'CLASS', 'BACKUP', 'WHERE', 'USED BY'].join('\t'));
        for (const v of volumes) {
          const [how, where] = describeBackend(v.backend);
          printLine([v.namespace, v.claim, v.volume ?? '-', v.storageClass ?? '-', how, where, [...v.workloads, ...v.pods.map((p) => `pod/${p}`)].join(',') || '-'].join('\t'));
        }
      } finally {
        http.close();
      }
    });
  return new Command('volumes').description('volume data: resolution of workloads to volumes').addCommand(ls);
}
