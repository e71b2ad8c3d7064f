/** `strata backup`: an ad-hoc backup of the sources the flags name, into one snapshot. */
import { Command, Option } from 'commander';
import { PartialFailure, UsageError } from '../../core/errors.ts';
import { backup } from '../../engine/backup.ts';
import { prepareSources } from '../../engine/sources.ts';
import { describeSource } from '../../sources/registry.ts';
import { addEtcdOptions, etcdEntryOf, requireEtcd, type EtcdFlags } from '../etcd-options.ts';
import { addObjectFilterOptions, objectsEntryOf, type ObjectFilterFlags } from '../object-options.ts';
import { filesEntryOf } from '../file-options.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printError, printJson, printLine } from '../output.ts';
import { formatBytes, progressLine } from '../progress.ts';
import { withRepository } from '../with-repository.ts';
import { repeated } from '../option-values.ts';
import { addCephOptions, volumesEntryOf, type VolumeBackupFlags } from '../volume-options.ts';
import { addSwarmBackupOptions, swarmEntryOf, type SwarmBackupFlags } from '../swarm-options.ts';
import { addCommandBackupOptions, commandEntriesOf, type CommandBackupFlags } from '../command-options.ts';
import { addSourceFileOptions, sourceFileEntries } from '../source-file-options.ts';
import { addRegistryBackupOptions, registryEntryOf, type RegistryBackupFlags } from '../registry-options.ts';

interface BackupFlags extends EtcdFlags, ObjectFilterFlags, VolumeBackupFlags, SwarmBackupFlags, CommandBackupFlags, RegistryBackupFlags {
  readonly objects: boolean;
  readonly allVersions?: boolean;
  readonly files: string[];
  readonly controlPlane: boolean;
  readonly hostRoot: string;
  readonly sourceFile: readonly string[];
  readonly etcd: boolean;
  readonly force: boolean;
  readonly tag: string[];
  readonly host?: string;
  readonly parent?: string;
  readonly time?: string;
  readonly node?: string;
}

/** "YYYY-MM-DD HH:MM:SS" in this machine's local time zone, as restic's --time reads it. */
function recordedTime(value: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value);
  const date = m === null ? undefined : new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (m === null || date === undefined || date.getMonth() !== Number(m[2]) - 1 || date.getDate() !== Number(m[3])) {
    throw new UsageError(`--time ${value}: expected "YYYY-MM-DD HH:MM:SS" (local time)`, { hint: 'e.g. --time "2026-11-01 02:00:00"' });
  }
  return date;
}

export function backupCommand(): Command {
  const command = addRegistryBackupOptions(addSourceFileOptions(addCommandBackupOptions(addSwarmBackupOptions(addCephOptions(addEtcdOptions(new Command('backup').description('back up an etcd snapshot, the control-plane files, API objects, volumes, a Docker Swarm and local paths into the repository')))
    .option('--files <path...>', 'files and directories to back up (absolute paths are kept)', [])
    .option('--control-plane', 'add what a control-plane node needs: /etc/kubernetes PKI, kubeconfigs and manifests, kubelet config, the EncryptionConfiguration, /etc/etcd.env', false)
    .option('--host-root <dir>', "where the node's root file system is (e.g. /host in a pod): control-plane files and node directories of volumes are read below it", '/')
    .option('--etcd', 'take a verified etcd snapshot (see the --etcd-* options)', false)
    .option('--swarm', 'export the Docker Swarm of the --docker-host manager: swarm spec, nodes, services, networks, configs, secrets (metadata), the unlock key under autolock', false)
    .option('--objects', 'back up every API object (all served types, CRDs and custom resources included) from the --kubeconfig cluster', false)
    .option('--volumes', 'back up the data of volumes: those of --workload, --pvc, --include-namespaces or -l (all claims when none is given)', false)
    .option('--workload <ns/kind/name>', 'with --volumes: the volumes of this workload (deployment, statefulset, daemonset, cronjob, job, pod); repeatable', repeated, [])
    .option('--pvc <ns/name>', 'with --volumes: this claim; repeatable', repeated, [])
    .option('--keep-live <policy>', 'with --volumes: the Strata snapshots Ceph keeps of each RBD image for fast rollback, e.g. daily=7,weekly=4,monthly=6 (default: only the newest, the next diff base)')
    .addOption(new Option('--volume-mode <mode>', 'with --volumes: auto (RBD images from Ceph, node directories as files, other CSI volumes by VolumeSnapshot), rbd, csi (VolumeSnapshots only, RBD through ceph-csi too) or files (node directories only)').choices(['auto', 'rbd', 'csi', 'files']).default('auto'))
    .option('--rbd-block-size <size>', 'with --volumes: the block RBD images are stored in (a power of two, 64KiB to 32MiB; default 4MiB). A block a few small writes touched is stored as those writes (a delta), whatever its size')
    .option('--node <name>', 'with --volumes: this node\'s name; local volumes pinned to other nodes are left to the agents there')
    .option('--volume-snapshot-class <name>', 'with --volumes: the VolumeSnapshotClass for CSI snapshots (default: the driver\'s default class)')
    .option('--all-versions', 'with --objects: also store every object at each other version its type is served at, so a cluster that dropped a version can be restored into')
    .option('-l, --selector <selector>', 'only API objects with these labels, and with --volumes the workloads with them (app=web,tier!=cache)')
    .option('--force', 'take the etcd snapshot even without quorum, with an alarm raised or with members that disagree (marked dirty)', false)
    .option('--tag <tag>', 'tag the snapshot (repeatable)', repeated, [])
    .option('--host <name>', 'host name to record (default: this host)')
    .option('--parent <id>', 'compare files against this snapshot instead of the latest with the same host and paths')
    .option('--time <time>', 'record this time instead of now: "YYYY-MM-DD HH:MM:SS" in local time (imports of existing backup sets)')))));
  return addObjectFilterOptions(command, 'back up cluster-scoped types too (the default)')
    .addHelpText(
      'after',
      `
The etcd snapshot is taken from a healthy voting member with no alarm and the highest
applied index, after checking quorum, alarms and that every member's HashKV agrees at one
revision; its SHA-256 trailer is checked as it streams. When the cluster is not safe the
backup is refused (exit 4) unless --force is given.

Files whose size, modification time and inode are unchanged since the parent snapshot are
not read again. The snapshot becomes visible only when everything it names is stored.

API objects are discovered (every group and version the server prefers, aggregated APIs
and custom resources included), listed in pages and stored one blob per object, exactly
as the API returns them; an unchanged object costs nothing in the next snapshot. Events,
leases, controller-managed endpoints and pods/replica sets/jobs that a controller
recreates are left out and recorded. A type that cannot be listed (RBAC, an API service
that is down) is recorded per type and namespace, and the snapshot ends partially
failed (exit 3) with everything else stored.

Volumes (--volumes) are resolved as \`strata volumes ls\` shows. Each Ceph RBD image gets a
Ceph snapshot (strata-<UTC time>); only what changed since the previous Strata snapshot
of the image is read (rbd export-diff) and stored as blocks, so every backup is a
complete image that depends on no other. Older strata- snapshots are removed once the
backup is stored, except those --keep-live keeps (newest of each of the N newest days,
weeks, months, as \`forget\`; the newest always stays). Other CSI volumes (and with --volume-mode csi,
RBD ones too) get a VolumeSnapshot (strata-CLAIM-<time>) of --volume-snapshot-class or the
driver's default class; Strata waits until it is readyToUse and records it with its
content; the data stays with the driver. Node directories (hostPath and local volumes) are
read as files below --host-root, incrementally against the claim's previous file-level
backup (files whose size, mtime and inode are unchanged are not read again). Volumes that cannot be read are recorded and make
the snapshot partially failed.

A swarm (--swarm) is read through one manager's Engine API with no downtime: the swarm's
spec (join tokens left out), nodes (role, availability, labels), services (full spec,
stack label), swarm-scoped networks (ingress only when customised), configs with their
data, secrets as metadata with the services that use each (Docker never returns a
secret's value), and the unlock key when autolock is on, sealed like every blob. Each
object is its own blob: an unchanged object costs nothing. Then this manager's raft state
(DATA_ROOT/swarm) is copied. Cold (the default), as Docker documents it: only on a manager
that is not the leader and whose peers keep quorum without it (else refused, exit 4, or a
hot copy with --swarm-on-refusal hot, marked); the engine is stopped with --engine-stop,
the directory copied with modes and owners, the engine started with --engine-start (also
after any failure or an interruption), and the run waits up to --rejoin-timeout for the
node to be a Ready, reachable manager again; the downtime is recorded.

A command (--command NAME=PROGRAM ARGS…, repeatable) is any program whose standard output
is worth keeping, stored as item NAME in content-defined chunks. It runs without a shell,
in its own process group, stopped with what it started after --command-timeout. A non-zero
exit, the timeout or no output fails the item (named; alone, nothing is stored). Secrets go
in --command-env-file files, never on the command line.

Examples:
  strata backup --repo /var/backups/strata --etcd --control-plane \\
      --etcd-endpoints https://10.0.0.1:2379,https://10.0.0.2:2379,https://10.0.0.3:2379 \\
      --etcd-cacert /etc/kubernetes/pki/etcd/ca.crt \\
      --etcd-cert /etc/kubernetes/pki/etcd/healthcheck-client.crt \\
      --etcd-key /etc/kubernetes/pki/etcd/healthcheck-client.key
  strata backup --repo /var/backups/strata --files /etc/kubernetes /etc/etcd.env --tag control-plane
  strata backup --repo s3://backups/cp --control-plane --host-root /host --host cp-1 --json
  strata backup --repo /var/backups/strata --objects --kubeconfig ~/.kube/config
  strata backup --repo /var/backups/strata --objects --include-namespaces 'shop-*' --exclude-resources secrets
  strata backup --repo /var/backups/strata --volumes --workload shop/statefulset/db --ceph-conf /etc/ceph/ceph.conf
  strata backup --repo /var/backups/strata --volumes -l backup=daily --keep-live daily=7,weekly=4,monthly=3
  strata backup --repo /var/backups/strata --objects --volumes --include-namespaces shop
  strata backup --repo /var/backups/strata --volumes --volume-mode files --host-root /host --node "$NODE_NAME"
  strata backup --repo /var/backups/strata --swarm --docker-host unix:///var/run/docker.sock
  strata backup --repo /var/backups/strata --command "etc=tar -C /etc -cf - ." --command "pg=pg_dumpall" --command-env-file /etc/strata/pg.env
  strata backup --repo /var/backups/strata --swarm --swarm-mode hot --tag swarm
  strata backup --repo /var/backups/strata --source-file /etc/strata/mke.yaml
  strata backup --repo /var/backups/strata --registry https://registry.example.com --registry-repositories 'team/*' \
      --registry-username backup --registry-password-file /etc/strata/registry-password
${EXIT_STATUS_HELP}`,
    )
    .action(async (options: BackupFlags, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const entries = [etcdEntryOf(options), objectsEntryOf(options), volumesEntryOf(options), filesEntryOf(options), swarmEntryOf(options), registryEntryOf(options), ...commandEntriesOf(options), ...sourceFileEntries(options.sourceFile)].filter((e) => e !== undefined);
      const etcd = options.etcd ? requireEtcd(global, options) : undefined;
      const time = options.time === undefined ? undefined : recordedTime(options.time);
      const prepared = await prepareSources(entries, {
        cluster: { ...(global.kubeconfig !== undefined && { kubeconfig: global.kubeconfig }), ...(global.context !== undefined && { context: global.context }), ...(etcd !== undefined && { etcd }) },
        hostRoot: options.hostRoot,
        ...(options.node !== undefined && { node: options.node }),
      });
      await withRepository(global, async (repository) => {
        const line = progressLine(global.progress && !global.json);
        const outcome = await backup(repository, {
          sources: prepared.runs,
          warnings: prepared.warnings,
          tags: options.tag,
          ...(options.host !== undefined && { host: options.host }),
          ...(options.parent !== undefined && { parent: options.parent }),
          ...(time !== undefined && { time }),
          onProgress: (text) => line.update(text),
        }).finally(() => {
          line.done();
          prepared.close();
        });
        const { snapshot, id, leftToOthers } = outcome;
        if (snapshot === undefined || id === undefined) {
          // Another host's run of the same cycle covers every source: nothing to store, not a failure.
          if (global.json) printJson({ id: null, leftToOthers });
          else for (const line of leftToOthers) printLine(line);
          return;
        }
        if (global.json) printJson({ id, ...snapshot, leftToOthers });
        else {
          const s = snapshot.summary;
          const specials = (s.specials ?? 0) > 0 ? `, ${s.specials} special files (FIFOs, devices)` : '';
          printLine(`snapshot ${id.slice(0, 8)} saved: ${s.files} files, ${s.dirs} dirs${specials}, ${formatBytes(s.bytes)} (${formatBytes(s.newBytes)} new) in ${(s.durationMs / 1000).toFixed(1)}s`);
          for (const source of snapshot.sources) {
            const { headline } = describeSource(source);
            if (source.record !== undefined && headline !== '') printLine(`${source.type}: ${headline}`);
          }
          for (const line of leftToOthers) printLine(line);
        }
        for (const warning of snapshot.warnings) printError(`warning: ${warning}`);
        if (snapshot.result !== 'completed') {
          throw new PartialFailure(`snapshot ${id.slice(0, 8)} is partially failed: ${snapshot.warnings.length} item(s) could not be read`, { hint: 'see the warnings above; the rest is stored' });
        }
      });
    });
}
