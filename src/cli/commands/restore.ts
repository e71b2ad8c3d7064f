/** `strata restore ID --target DIR`: files back, byte- and metadata-exact; `--objects`: API objects into a cluster. */
import { Command, Option } from 'commander';
import { OperationError, PartialFailure, UsageError } from '../../core/errors.ts';
import { restoreSnapshot } from '../../engine/restore.ts';
import { findSnapshot } from '../../repository/snapshots.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printError, printJson, printLine } from '../output.ts';
import { formatBytes } from '../progress.ts';
import { addObjectFilterOptions } from '../object-options.ts';
import { withRepository } from '../with-repository.ts';
import { commaSeparated, repeated } from '../option-values.ts';
import { restoreObjectsCommand, type ObjectsRestoreFlags } from './restore-objects.ts';
import { checkVolumesRestoreFlags, restoreVolumesCommand, type VolumesRestoreFlags } from './restore-volumes.ts';
import { addCephOptions } from '../volume-options.ts';

export function restoreCommand(): Command {
  const command = new Command('restore')
    .description('restore a snapshot, or part of it, into a directory; or its API objects into a cluster')
    .argument('<id>', 'snapshot ID, a unique prefix of one, or "latest"')
    .option('--target <dir>', 'directory to restore files into (created if missing)')
    .option('--include <pattern>', 'restore only matching paths (repeatable): /files/etc/kubernetes, "*.crt", /files/**/admin.conf', repeated, [])
    .option('--objects', 'restore API objects into the --kubeconfig cluster instead of files into a directory', false)
    .option('--volumes', 'restore the RBD images of the snapshot into new images (NAME-restored-ID), verified by SHA-256', false)
    .option('--pvc <ns/name>', 'with --volumes: only this claim\'s image (repeatable)', repeated, [])
    .option('--target-pool <pool>', 'with --volumes: create the images in this pool (default: their own)')
    .option('--image-suffix <suffix>', 'with --volumes: appended to each image name (default: -restored-<snapshot ID>)')
    .option('--create-pvc', 'with --volumes: bind each new image to a new static PersistentVolume and PersistentVolumeClaim (CLAIM<suffix>) in the --kubeconfig cluster', false)
    .option('--in-place', 'with --volumes and --pvc: write over the image the claim used, after scaling its workloads to zero (scaled back after); a Ceph snapshot keeps what it held', false)
    .option('--into-pvc <ns/name>', 'with --volumes: write the file-level backup of the one --pvc into this claim (a hostPath or local volume)')
    .option('--host-root <dir>', 'with --volumes: where the node\'s root file system is, for node directories (e.g. /host in a pod)', '/')
    .option('--wait <duration>', 'with --in-place: how long to wait for the claim\'s pods to stop', '5m')
    .addOption(new Option('--existing <policy>', 'objects that exist already: skip, update (server-side apply) or fail').default('skip'))
    .addOption(new Option('--dry-run [mode]', 'print the restore plan and change nothing; --dry-run=server sends every object as a server-side dry run'))
    .option('--namespace-mapping <old:new>', 'restore namespace OLD as NEW, with the references to it (comma-separated or repeated)', commaSeparated, [])
    .option('--storage-class-mapping <old:new>', 'give claims, volumes and claim templates of class OLD the class NEW', commaSeparated, [])
    .option('--preserve-cluster-ips', 'keep Service cluster IPs (default: the target allocates them; headless stays headless)', false)
    .option('--include-status', 'write the saved status too (default: controllers rebuild it)', false)
    .option('--restore-node-metadata', 'put saved labels, annotations and taints back on existing nodes of the same name', false)
    .option('--parallel <n>', 'objects applied at once within a step', '16');
  return addCephOptions(addObjectFilterOptions(command, 'restore every cluster-scoped object (default: all of them when every namespace is restored, else only what the restored namespaces need)'))
    .addHelpText('after', `
Every block is verified against its SHA-256 as it is restored. Owner and group are
restored when running as root; mode and modification time always; hard links and sparse
files are recreated. Paths keep the source prefix: /files/etc/kubernetes restores to
TARGET/files/etc/kubernetes.

With --objects, the snapshot's API objects are sanitised (server-set metadata, status,
allocated cluster IPs and node ports, stale bindings) and created in dependency order:
CRDs (waited on until Established), namespaces, storage classes, PVs, PVCs, RBAC, service
accounts, secrets, config maps, limits and quotas, services, workloads, everything else,
custom resources, admission webhooks last. PVs keep their claim reference by name, so
restored claims bind to the same volumes. kube-system, kube-public and kube-node-lease are
restored only when named in --include-namespaces; nodes are never created.

With --volumes, each Ceph RBD image of the snapshot is imported into a new image (never
over an existing one), fed block by block from the repository, then read back with rbd
export: the SHA-256 must match what was fed, or the restore fails. Bind the new image to
a PersistentVolume to use it: --create-pvc makes a static PV (a copy of the backed-up one,
reclaim policy Retain) and a claim bound to it (see docs/runbooks/volumes-restore.md).
--in-place writes the backup over the image each --pvc claim used instead: Deployments,
StatefulSets and ReplicaSets using it are scaled to zero and CronJobs suspended, Strata
waits (--wait) until no pod uses the claim and the image has no watcher, takes the Ceph
snapshot strata-pre-restore-<time> of what it held, writes, verifies the SHA-256, and
scales everything back. A DaemonSet, Job or bare pod using the claim is refused (exit 2).
A CSI volume's VolumeSnapshot is restored as a new claim (CLAIM<suffix>) whose dataSource is
the snapshot. A node directory backed up as files is written into --into-pvc's directory
(or, with --in-place, the claim's own, its workloads stopped meanwhile), below --host-root.

Examples:
  strata restore latest --repo /var/backups/strata --target /tmp/restore
  strata restore 4f2a9c1e --repo /var/backups/strata --target / --include /files/etc/kubernetes/pki
  strata restore latest --repo /var/backups/strata --objects --dry-run
  strata restore latest --repo /var/backups/strata --objects --kubeconfig new-cluster.conf --dry-run=server
  strata restore latest --repo /var/backups/strata --objects --include-namespaces shop \
      --namespace-mapping shop:shop-copy --storage-class-mapping standard:fast
  strata restore latest --repo /var/backups/strata --volumes --pvc shop/data-db-0 --ceph-conf /etc/ceph/ceph.conf
  strata restore 4f2a9c1e --repo /var/backups/strata --volumes --pvc shop/data-db-0 --create-pvc
  strata restore 4f2a9c1e --repo /var/backups/strata --volumes --pvc shop/data-db-0 --in-place --wait 10m
  strata restore latest --repo /var/backups/strata --volumes --pvc shop/uploads --into-pvc shop/uploads-copy
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, options: ObjectsRestoreFlags & VolumesRestoreFlags & { target?: string; include: string[]; objects: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const modes = [options.objects, options.volumes, options.target !== undefined].filter(Boolean).length;
      if (modes > 1) throw new UsageError('--objects restores into a cluster, --volumes into Ceph, --target into a directory: give one of them');
      if (modes === 0) throw new UsageError('restore where? give --target DIR for files, --objects for API objects, or --volumes for volume images');
      if (options.volumes) checkVolumesRestoreFlags(options);
      else if (options.inPlace || options.createPvc) throw new UsageError('--in-place and --create-pvc apply to volumes: give them with --volumes');
      const target = options.target;
      await withRepository(global, async (repository) => {
        const snapshot = await findSnapshot(repository, ref);
        if (options.volumes) {
          await restoreVolumesCommand(repository, snapshot, options, global);
          return;
        }
        if (target === undefined) {
          await restoreObjectsCommand(repository, snapshot, options, global);
          return;
        }
        const result = await restoreSnapshot(repository, snapshot, target, options.include);
        const p = result.progress;
        if (global.json) printJson({ snapshot: snapshot.id, target, ...p, warnings: result.warnings, errors: result.errors });
        else printLine(`restored snapshot ${snapshot.id.slice(0, 8)}: ${p.files} files, ${p.dirs} dirs${p.specials > 0 ? `, ${p.specials} special files` : ''}, ${formatBytes(p.bytes)} into ${target}`);
        for (const w of result.warnings) printError(`warning: ${w}`);
        for (const e of result.errors) printError(`error: ${e}`);
        if (result.errors.length > 0) {
          throw new PartialFailure(`${result.errors.length} item(s) could not be restored`, { hint: 'run `strata check --read-data` to find damaged data' });
        }
        if (p.files + p.dirs + p.specials === 0 && options.include.length > 0) throw new OperationError(`nothing in snapshot ${snapshot.id.slice(0, 8)} matches --include ${options.include.join(' ')}`, { hint: 'list paths with `strata ls`' });
      });
    });
}
