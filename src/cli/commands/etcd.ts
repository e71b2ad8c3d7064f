/** `strata etcd status|export|restore|restore-plan`. */
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { memberClientUrls, renderRestorePlan, restorePlan } from '../../core/etcd/restore-plan.ts';
import { OperationError, Refused, UsageError } from '../../core/errors.ts';
import { restoreToken } from '../../core/etcd/restore-token.ts';
import { parseInitialCluster, plannedBump } from '../../sources/etcd/restore.ts';
import { requireEtcdRecord, writeEtcdSnapshotFile } from '../../sources/etcd/snapshot-file.ts';
import { etcdStatus, type EtcdStatusReport } from '../../sources/etcd/status.ts';
import { requireIntactEtcdSnapshot } from '../../sources/etcd/verify.ts';
import { findSnapshot } from '../../repository/snapshots.ts';
import { runRestore } from '../restore-run.ts';
import { addEtcdMemberOptions, addEtcdOptions, etcdSelection, positiveInteger, requireEtcd, type EtcdFlags, type EtcdMemberFlags } from '../etcd-options.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { formatBytes } from '../progress.ts';
import { withRepository } from '../with-repository.ts';

export function etcdCommand(): Command {
  const etcd = new Command('etcd').description('etcd: member status and consistency, snapshot export, guided restore');

  addEtcdOptions(etcd.command('status'))
    .description('show every member, quorum, alarms, and whether the members hold the same data (HashKV)')
    .addHelpText('after', `
Every member is asked through its own connection. HashKV is taken from every member at one
revision all of them have applied; members whose compaction points differ cannot be
compared (inconclusive). Exits 0 when every member is healthy and the hashes agree, 1
otherwise.

Examples:
  strata etcd status --etcd-endpoints https://10.0.0.1:2379 \\
      --etcd-cacert /etc/kubernetes/pki/etcd/ca.crt \\
      --etcd-cert /etc/kubernetes/pki/etcd/healthcheck-client.crt \\
      --etcd-key /etc/kubernetes/pki/etcd/healthcheck-client.key
  strata etcd status --cluster prod --json
${EXIT_STATUS_HELP}`)
    .action(async (options: EtcdFlags, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const report = await etcdStatus(requireEtcd(global, options));
      if (global.json) printJson(report);
      else printStatus(report);
      if (!report.ok) {
        const sick = report.members.filter((m) => !m.healthy).map((m) => m.name);
        throw new OperationError(
          report.quorum.hasQuorum ? `etcd is degraded: ${sick.length > 0 ? `unhealthy ${sick.join(', ')}` : report.consistency?.detail ?? 'no consistency check'}` : `etcd has lost quorum: ${report.quorum.healthy}/${report.quorum.voting} healthy, ${report.quorum.needed} needed`,
          { hint: 'see the members above' },
        );
      }
    });

  etcd.command('export')
    .description('write the etcd snapshot of a Strata snapshot as a standard snapshot file')
    .argument('<id>', 'snapshot ID, a unique prefix, or "latest"')
    .argument('<file>', 'file to write (must not exist)')
    .addHelpText('after', `
The file is what \`etcdctl snapshot save\` writes: the database followed by its SHA-256, so
\`etcdutl snapshot status\` and \`etcdutl snapshot restore\` accept it. Its checksum is
verified against the one recorded at backup time. The file is created with mode 0600.

Examples:
  strata etcd export latest /root/etcd-snapshot.db --repo /var/backups/strata
  etcdutl snapshot status /root/etcd-snapshot.db -w table
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, file: string, _options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const snapshot = await findSnapshot(repository, ref);
        const record = await writeEtcdSnapshotFile(repository, snapshot, resolve(file));
        if (global.json) printJson({ snapshot: snapshot.id, file: resolve(file), revision: record.revision, totalKeys: record.totalKeys, dbSize: record.dbSize, sha256: record.sha256 });
        else printLine(`wrote ${file}: etcd revision ${record.revision}, ${record.totalKeys} keys, ${formatBytes(record.dbSize)}, sha256 ${record.sha256.slice(0, 16)}…`);
      });
    });

  addEtcdMemberOptions(etcd.command('restore'), true)
    .description("build one member's data directory from a snapshot (etcdutl snapshot restore)")
    .argument('<id>', 'snapshot ID, a unique prefix, or "latest"')
    .option('--dry-run', 'print what would be done and change nothing', false)
    .addHelpText('after', `
Refuses while any process uses the data directory. An existing data directory is renamed to
DIR.before-restore-<time>, never deleted; if etcdutl fails it is put back. The latest
revision is marked compacted, so API servers and controllers relist instead of trusting their
caches. Run it on every member with the same --initial-cluster and token; \`strata etcd
restore-plan\` prints the whole procedure. The same as \`strata restore ID --etcd\`.

Examples:
  strata etcd restore latest --repo /var/backups/strata --name cp-1 \\
      --initial-cluster cp-1=https://10.0.0.1:2380,cp-2=https://10.0.0.2:2380,cp-3=https://10.0.0.3:2380 \\
      --initial-advertise-peer-urls https://10.0.0.1:2380 \\
      --initial-cluster-token strata-restore-1 --data-dir /var/lib/etcd
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, options: EtcdMemberFlags & { dryRun: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const selection = etcdSelection(options);
      await withRepository(global, async (repository) => runRestore(repository, await findSnapshot(repository, ref), [selection], global, options.dryRun));
    });

  etcd.command('verify')
    .description('prove that a snapshot\'s etcd database reads back whole and checks out, before anything is stopped')
    .argument('<id>', 'snapshot ID, a unique prefix, or "latest"')
    .addHelpText('after', `
Reads every byte of the database from the repository, exactly as a restore would, and
checks it against etcd's SHA-256 trailer and the digest recorded at backup time. When it
does not check out, the newest etcd snapshot that does is named. Exit 1 when damaged.

Examples:
  strata etcd verify latest --repo /var/backups/strata
  strata etcd verify 4f2a9c1e --repo s3://backups/cp --json
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, _options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const snapshot = await findSnapshot(repository, ref);
        const record = await requireIntactEtcdSnapshot(repository, snapshot);
        if (global.json) printJson({ snapshot: snapshot.id, intact: true, revision: record.revision, dbSize: record.dbSize, sha256: record.sha256, dirty: record.dirty });
        else printLine(`etcd snapshot ${snapshot.id.slice(0, 8)} checks out: ${formatBytes(record.dbSize)} read whole, trailer and SHA-256 ${record.sha256.slice(0, 16)}… match, revision ${record.revision}${record.dirty ? ' (DIRTY: taken with --force)' : ''}`);
      });
    });

  etcd.command('restore-plan')
    .description('print the complete runbook for restoring a multi-member etcd from a snapshot')
    .argument('<id>', 'snapshot ID, a unique prefix, or "latest"')
    .requiredOption('--members <list>', 'members of the new cluster: NAME=PEER_URL,... (usually the old ones)')
    .option('--data-dir <dir>', "etcd's data directory on each member", '/var/lib/etcd')
    .option('--wal-dir <dir>', "etcd's separate WAL directory, if it keeps one")
    .addOption(new Option('--layout <layout>', 'how the control plane runs').choices(['kubeadm', 'systemd']).default('kubeadm'))
    .option('--etcd-user <user>', 'with --layout systemd: the user etcd runs as (owns the restored directories)', 'etcd')
    .option('--initial-cluster-token <token>', 'token for the new cluster (default: derived from the snapshot and --members, the same on every print)')
    .addOption(new Option('--bump-revision <n>', 'revision bump (default: computed, at least 1,000,000,000)').argParser(positiveInteger('--bump-revision')))
    .option('--accept-dirty', 'print the plan for a snapshot taken with --force (dirty), whose reasons it opens with')
    .option('--client-urls <list>', 'client URL of each new or moved member: NAME=URL,... (default: the one recorded at backup time for a member that kept its name and peer URL)')
    .option('--etcd-cacert <file>', 'CA file for the status check (kubeadm: /etc/kubernetes/pki/etcd/ca.crt)')
    .option('--etcd-cert <file>', 'client certificate for the status check')
    .option('--etcd-key <file>', 'client key for the status check')
    .addHelpText('after', `
Before printing, the snapshot is read back whole and checked (as \`strata etcd verify\`): a
damaged one gets no plan, and the newest intact etcd snapshot is named instead. A dirty
snapshot (taken with --force) gets one only with --accept-dirty (exit 4 otherwise). The
plan proves the snapshot readable again first, stops every API server before etcd is
touched, restores every member from the same snapshot with one token (derived from the
snapshot and the members: the same on every print and every node) and one revision bump (the
supported procedure; no --force-new-cluster), starts etcd, checks it with \`strata etcd
status\`, and only then starts the API servers, the controller manager and the scheduler.
See docs/runbooks/etcd-restore.md.

Examples:
  strata etcd restore-plan latest --repo /var/backups/strata \\
      --members cp-1=https://10.0.0.1:2380,cp-2=https://10.0.0.2:2380,cp-3=https://10.0.0.3:2380
  strata etcd restore-plan 4f2a9c1e --repo /var/backups/strata --members etcd-a=https://10.1.0.5:2380 --layout systemd --wal-dir /var/lib/etcd-wal --json
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, options: { members: string; dataDir: string; walDir?: string; layout: 'kubeadm' | 'systemd'; etcdUser: string; initialClusterToken?: string; bumpRevision?: number; acceptDirty?: boolean; clientUrls?: string; etcdCacert?: string; etcdCert?: string; etcdKey?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const members = [...parseInitialCluster(options.members, '--members')].map(([name, urls]) => ({ name, peerUrl: urls[0]! }));
      await withRepository(global, async (repository) => {
        const snapshot = await findSnapshot(repository, ref);
        const record = requireEtcdRecord(snapshot);
        if (record.dirty && options.acceptDirty !== true) {
          throw new Refused(`etcd snapshot ${snapshot.id.slice(0, 8)} is dirty (taken with --force): ${record.dirtyReasons.join('; ')}`, {
            hint: 'restore it only knowing why it was dirty: pass --accept-dirty; or pick a clean snapshot (`strata snapshots` marks dirty ones)',
          });
        }
        const given = new Map([...parseInitialCluster(options.clientUrls ?? '', '--client-urls', true)].map(([name, urls]) => [name, urls[0]!]));
        const clientUrls = memberClientUrls(members, record.members, given);
        if (clientUrls.missing.length > 0) {
          throw new UsageError(`--members: ${clientUrls.missing.join(', ')} ${clientUrls.missing.length === 1 ? 'is' : 'are'} not in the snapshot under the same name and peer URL, so ${clientUrls.missing.length === 1 ? 'its' : 'their'} client URL is not known`, {
            hint: `give it: --client-urls ${clientUrls.missing.map((n) => `${n}=https://HOST:2379`).join(',')} (the snapshot's members: ${record.members.map((m) => `${m.name}=${m.peerUrls.join('|')}`).join(', ')})`,
          });
        }
        const tlsGiven = [options.etcdCacert, options.etcdCert, options.etcdKey].filter((f) => f !== undefined).length;
        if (tlsGiven !== 0 && tlsGiven !== 3) throw new UsageError('--etcd-cacert, --etcd-cert and --etcd-key go together');
        await requireIntactEtcdSnapshot(repository, snapshot);
        const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
        const plan = restorePlan({
          snapshotId: snapshot.id,
          snapshotTime: snapshot.time,
          revision: record.revision,
          totalKeys: record.totalKeys,
          clusterId: record.clusterId,
          members,
          token: options.initialClusterToken ?? restoreToken(snapshot.id, initialCluster),
          bumpRevision: options.bumpRevision ?? (await plannedBump(repository, snapshot)),
          dataDir: options.dataDir,
          ...(options.walDir !== undefined && { walDir: options.walDir }),
          etcdUser: options.etcdUser,
          ...(record.dirty && { dirtyReasons: record.dirtyReasons }),
          layout: options.layout,
          repository: global.repo ?? '<repository>',
          recorded: record.members,
          clientUrls: clientUrls.urls,
          ...(tlsGiven === 3 && { tls: { ca: resolve(options.etcdCacert!), cert: resolve(options.etcdCert!), key: resolve(options.etcdKey!) } }),
        });
        if (global.json) printJson(plan);
        else printLine(renderRestorePlan(plan));
      });
    });

  return etcd;
}

function printStatus(r: EtcdStatusReport): void {
  printLine(`cluster ${r.clusterId ?? '?'}: ${r.quorum.hasQuorum ? 'quorum' : 'NO QUORUM'} (${r.quorum.healthy}/${r.quorum.voting} healthy, ${r.quorum.needed} needed), leader ${r.leader ?? 'none'}`);
  for (const m of r.members) {
    const role = m.learner ? 'learner' : m.leader ? 'leader' : 'follower';
    const state = m.healthy ? 'healthy' : `UNHEALTHY: ${m.problems.join('; ')}`;
    const size = m.dbSize === undefined ? '' : `  db ${formatBytes(m.dbSize)} (${formatBytes(m.dbSizeInUse ?? 0)} in use)`;
    const raft = m.raftTerm === undefined ? '' : `  term ${m.raftTerm} index ${m.raftIndex} applied ${m.raftAppliedIndex} rev ${m.revision}`;
    printLine(`  ${m.name.padEnd(12)} ${role.padEnd(8)} ${m.version ?? '?'}  ${m.endpoint ?? ''}${size}${raft}  ${state}`);
  }
  if (r.consistency !== null) printLine(`HashKV: ${r.consistency.verdict}: ${r.consistency.detail}`);
}
