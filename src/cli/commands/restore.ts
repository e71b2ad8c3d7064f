/**
 * `strata restore ID`: every source of the snapshot the flags select, each through its own
 * restore: files into --target, API objects into a cluster, volumes into Ceph or claims, an
 * etcd member's data directory. All are planned before anything changes; --dry-run prints
 * the plans.
 */
import { Command, Option } from 'commander';
import { UsageError } from '../../core/errors.ts';
import type { RestoreSelection } from '../../engine/restore.ts';
import { findSnapshot } from '../../repository/snapshots.ts';
import { addEtcdMemberOptions, etcdSelection, type EtcdMemberFlags } from '../etcd-options.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { filesSelection } from '../file-options.ts';
import type { GlobalOptions } from '../global-options.ts';
import { addObjectFilterOptions } from '../object-options.ts';
import { withRepository } from '../with-repository.ts';
import { commaSeparated, repeated } from '../option-values.ts';
import { runRestore } from '../restore-run.ts';
import { dryRunMode, objectsSelection, type ObjectsRestoreFlags } from './restore-objects.ts';
import { checkVolumesRestoreFlags, volumesSelection, type VolumesRestoreFlags } from './restore-volumes.ts';
import { addCephOptions } from '../volume-options.ts';
import { addDockerOptions, swarmSelection, type DockerFlags } from '../swarm-options.ts';
import { commandSelection } from '../command-options.ts';
import { addRegistryRestoreOptions, registrySelection, type RegistryRestoreFlags } from '../registry-options.ts';
import { addMirantisRestoreOptions, mirantisSelections, wantsMirantis, type MirantisRestoreFlags } from '../mirantis-options.ts';

interface RestoreFlags extends ObjectsRestoreFlags, VolumesRestoreFlags, EtcdMemberFlags, DockerFlags, MirantisRestoreFlags, RegistryRestoreFlags {
  readonly swarm: boolean;
  readonly secretValues?: string;
  readonly command?: string;
  readonly commandOutput?: string;
  readonly target?: string;
  readonly include: string[];
  readonly files: boolean;
  readonly objects: boolean;
  readonly etcd: boolean;
}

export function restoreCommand(): Command {
  const command = new Command('restore')
    .description('restore what a snapshot holds: files into a directory, API objects into a cluster, volumes, an etcd member')
    .argument('<id>', 'snapshot ID, a unique prefix of one, or "latest"')
    .option('--target <dir>', 'directory to restore files into (created if missing)')
    .option('--include <pattern>', 'restore only matching paths (repeatable): /files/etc/kubernetes, "*.crt", /files/**/admin.conf', repeated, [])
    .option('--files', 'restore the snapshot\'s files into --target (what --target alone does)', false)
    .option('--objects', 'restore API objects into the --kubeconfig cluster', false)
    .option('--etcd', 'build one etcd member\'s data directory from the snapshot (see --name, --initial-cluster, --initial-advertise-peer-urls, --data-dir)', false)
    .option('--command <name>', 'feed the command item NAME to the restore command its entry named (with --command-output: write it to a file)')
    .option('--command-output <file>', 'with --command: write the item to this new file (mode 0600) instead')
    .option('--swarm', 'restore the swarm\'s networks, configs, secrets, services and node labels into the --docker-host swarm', false)
    .option('--secret-values <dir>', 'with --swarm: a directory holding each secret to create as a file named after it (Docker never gives secret values back)')
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
    .addOption(new Option('--dry-run [mode]', 'print the restore plan of every selected source and change nothing; --dry-run=server sends every object as a server-side dry run'))
    .option('--namespace-mapping <old:new>', 'restore namespace OLD as NEW, with the references to it (comma-separated or repeated)', commaSeparated, [])
    .option('--storage-class-mapping <old:new>', 'give claims, volumes and claim templates of class OLD the class NEW', commaSeparated, [])
    .option('--preserve-cluster-ips', 'keep Service cluster IPs (default: the target allocates them; headless stays headless)', false)
    .option('--include-status', 'write the saved status too (default: controllers rebuild it)', false)
    .option('--restore-node-metadata', 'put saved labels, annotations and taints back on existing nodes of the same name', false)
    .option('--parallel <n>', 'objects applied at once within a step', '16');
  return addRegistryRestoreOptions(addMirantisRestoreOptions(addEtcdMemberOptions(addDockerOptions(addCephOptions(addObjectFilterOptions(command, 'restore every cluster-scoped object (default: all of them when every namespace is restored, else only what the restored namespaces need)'))), false)))
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

Several sources may be restored at once (--target, --objects, --volumes, --etcd): each is
planned before anything changes, then applied in order (etcd, objects, volumes, files).
--dry-run prints every plan. With --etcd, one member's data directory is built as by
\`strata etcd restore\` (--name, --initial-cluster, --initial-advertise-peer-urls, --data-dir).

With --swarm, the snapshot's swarm networks, configs, secrets, services (stack labels
kept) and node labels are made in the --docker-host swarm, the same or a new one, in that
order. Services are pointed at the target's networks, configs and secrets by name. An
object that exists is skipped (--existing skip), a service updated to the saved spec
(--existing update), or counted failed (--existing fail). Secrets to create take their
value from --secret-values DIR/NAME; when one is missing, all missing are named and
nothing is created. Node labels go to the node of the same ID, else of the same hostname,
and are added, never removed. See docs/runbooks/swarm-restore.md.

With --command NAME, the item is fed to the restore command its plan entry named (its
environment files read now), or with --command-output FILE written to a new file (0600).

With --mke, the MKE archive is decrypted by strata (--mke-passphrase-file) and fed to
mirantis/ucp restore on the --docker-host manager, so the passphrase is in no argument
list; --mke-output FILE writes it as stored instead. --msr-output FILE writes the MSR
archive for mirantis/dtr restore. Order on a Mirantis platform: --swarm, then MKE, then
MSR. See docs/runbooks/mirantis-restore.md.

With --registry, the snapshot's images are pushed into the backed-up registry or --to URL
(the --registry-* account is the target's), repositories selected by
--registry-repositories and renamed by --repository-mapping. Blobs the target has are
skipped, blobs pushed to one repository are mounted into the next, every blob's digest is
checked as it is sent; manifests go children first, then the tags. A repository that fails
is named and the others go on (exit 3). See docs/runbooks/registry-restore.md.

Examples:
  strata restore latest --repo /var/backups/strata --target /tmp/restore
  strata restore latest --repo /var/backups/strata --command etc --command-output /root/etc.tar
  strata restore 4f2a9c1e --repo /var/backups/strata --target / --include /files/etc/kubernetes/pki
  strata restore latest --repo /var/backups/strata --objects --dry-run
  strata restore latest --repo /var/backups/strata --objects --kubeconfig new-cluster.conf --dry-run=server
  strata restore latest --repo /var/backups/strata --objects --include-namespaces shop \
      --namespace-mapping shop:shop-copy --storage-class-mapping standard:fast
  strata restore latest --repo /var/backups/strata --volumes --pvc shop/data-db-0 --ceph-conf /etc/ceph/ceph.conf
  strata restore 4f2a9c1e --repo /var/backups/strata --volumes --pvc shop/data-db-0 --create-pvc
  strata restore 4f2a9c1e --repo /var/backups/strata --volumes --pvc shop/data-db-0 --in-place --wait 10m
  strata restore latest --repo /var/backups/strata --volumes --pvc shop/uploads --into-pvc shop/uploads-copy
  strata restore latest --repo /var/backups/strata --objects --volumes --pvc shop/data-db-0 --create-pvc \
      --include-namespaces shop --dry-run
  strata restore latest --repo /var/backups/strata --etcd --name cp-1 --data-dir /var/lib/etcd \
      --initial-cluster cp-1=https://10.0.0.1:2380 --initial-advertise-peer-urls https://10.0.0.1:2380
  strata restore latest --repo /var/backups/strata --swarm --secret-values /root/swarm-secrets --dry-run
  strata restore latest --repo /var/backups/strata --mke --mke-passphrase-file /etc/strata/mke-passphrase
  strata restore latest --repo /var/backups/strata --msr-output /root/msr-backup.tar
  strata restore latest --repo /var/backups/strata --registry --dry-run
  strata restore latest --repo /var/backups/strata --registry --to https://registry-dr.example.com \
      --registry-username admin --registry-password-file /root/dr-password --repository-mapping team/web:dr/web
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, options: RestoreFlags, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const files = options.files || options.target !== undefined;
      if (options.commandOutput !== undefined && options.command === undefined) throw new UsageError('--command-output writes one command item: give --command NAME');
      const registry = registrySelection(options);
      if (!files && !options.objects && !options.volumes && !options.etcd && !options.swarm && options.command === undefined && !wantsMirantis(options) && registry === undefined) throw new UsageError('restore what, where? give --target DIR for files, --objects for API objects, --volumes for volume images, --etcd for an etcd member, --swarm for a Docker Swarm, --command NAME for a command item, --mke or --msr-output FILE for Mirantis, --registry for images', { hint: 'several may be given at once; --dry-run prints the plan' });
      if (options.files && options.target === undefined) throw new UsageError('--files restores into a directory: give --target DIR');
      if (options.volumes) checkVolumesRestoreFlags(options);
      else if (options.inPlace || options.createPvc) throw new UsageError('--in-place and --create-pvc apply to volumes: give them with --volumes');
      const dryRun = dryRunMode(options.dryRun);
      if (dryRun === 'server' && (!options.objects || files || options.volumes || options.etcd || options.swarm || registry !== undefined)) throw new UsageError('--dry-run=server sends API objects to the server: give it with --objects alone', { hint: 'plain --dry-run prints the plan of every source' });
      const etcd = options.etcd ? etcdSelection(options) : undefined;
      const selections: (RestoreSelection & { close?(): void })[] = [];
      try {
        await withRepository(global, async (repository) => {
          const snapshot = await findSnapshot(repository, ref);
          if (files) selections.push(filesSelection({ target: options.target!, include: options.include }));
          if (options.objects) selections.push(await objectsSelection(options, global));
          if (options.volumes) selections.push(await volumesSelection(snapshot, options, global));
          if (etcd !== undefined) selections.push(etcd);
          if (options.swarm) selections.push(swarmSelection(options));
          if (options.command !== undefined) selections.push(commandSelection(options));
          selections.push(...mirantisSelections(options));
          if (registry !== undefined) selections.push(registry);
          await runRestore(repository, snapshot, selections, global, dryRun === 'client');
        });
      } finally {
        for (const selection of selections) selection.close?.();
      }
    });
}
