/** `strata snapshots` and `strata show ID`. */
import { Command } from 'commander';
import { findSnapshot, listSnapshots } from '../../repository/snapshots.ts';
import { etcdRecord } from '../../sources/etcd/record.ts';
import { typeName } from '../../core/objects/types.ts';
import { objectsRecord } from '../../sources/objects/record.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printError, printJson, printLine } from '../output.ts';
import { formatBytes } from '../progress.ts';
import { shortTime, withRepository } from '../with-repository.ts';

export function snapshotsCommand(): Command {
  return new Command('snapshots')
    .description('list snapshots, oldest first')
    .option('--host <name>', 'only snapshots from this host')
    .option('--tag <tag>', 'only snapshots with this tag')
    .addHelpText('after', `
Examples:
  strata snapshots --repo /var/backups/strata
  strata snapshots --repo s3://backups/cp --tag control-plane --json
${EXIT_STATUS_HELP}`)
    .action(async (options: { host?: string; tag?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const { snapshots, damaged } = await listSnapshots(repository);
        const shown = snapshots.filter((s) => (options.host === undefined || s.host === options.host) && (options.tag === undefined || s.tags.includes(options.tag)));
        for (const d of damaged) printError(`warning: ${d.key} cannot be read: ${d.message}`);
        if (global.json) return printJson(shown);
        printLine(['ID      ', 'time                ', 'host            ', 'result          ', 'size      ', 'tags / paths'].join('  '));
        for (const s of shown) {
          printLine([s.id.slice(0, 8), shortTime(s.time).padEnd(20), s.host.padEnd(16), s.result.padEnd(16), formatBytes(s.summary.bytes).padEnd(10), [...s.tags, ...sourceLabels(s.sources), ...s.paths].join(' ')].join('  '));
        }
        printLine(`${shown.length} snapshot(s)`);
      });
    });
}

export function showCommand(): Command {
  return new Command('show')
    .description('show one snapshot manifest: sources, summary, warnings')
    .argument('<id>', 'snapshot ID, a unique prefix of one, or "latest"')
    .addHelpText('after', `
Examples:
  strata show 4f2a9c1e --repo /var/backups/strata
  strata show latest --repo /var/backups/strata --json
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, _options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const s = await findSnapshot(repository, ref);
        if (global.json) return printJson(s);
        printLine(`snapshot ${s.id}`);
        printLine(`  time      ${shortTime(s.time)}`);
        printLine(`  host      ${s.host} (user ${s.username})`);
        printLine(`  result    ${s.result}`);
        printLine(`  tags      ${s.tags.join(', ') || '-'}`);
        printLine(`  paths     ${s.paths.join(' ')}`);
        printLine(`  parent    ${s.parent ?? '-'}`);
        printLine(`  sources   ${s.sources.map((src) => src.type).join(', ')}`);
        printLine(`  summary   ${s.summary.files} files, ${s.summary.dirs} dirs, ${formatBytes(s.summary.bytes)}, ${formatBytes(s.summary.newBytes)} new, ${(s.summary.durationMs / 1000).toFixed(1)}s`);
        const etcd = etcdRecord(s.sources);
        if (etcd !== undefined) {
          printLine(`  etcd      revision ${etcd.revision}, ${etcd.totalKeys} keys, ${formatBytes(etcd.dbSize)} from member ${etcd.member.name} (${etcd.member.version}) of cluster ${etcd.clusterId}`);
          printLine(`            quorum ${etcd.quorum.healthy}/${etcd.quorum.voting}; HashKV ${etcd.consistency?.verdict ?? 'not checked'}; sha256 ${etcd.sha256.slice(0, 16)}…`);
          if (etcd.dirty) printLine(`  DIRTY     ${etcd.dirtyReasons.join('; ')}`);
        }
        const objects = objectsRecord(s.sources);
        if (objects !== undefined) {
          printLine(`  objects   ${objects.objects} from ${objects.types.filter((t) => t.objects > 0).length} types of ${objects.server}${objects.labelSelector === undefined ? '' : ` (selector ${objects.labelSelector})`}`);
          // Every type the backup read, zero included: a type missing here was not backed up.
          for (const t of objects.types) printLine(`  type      ${typeName(t)}/${t.version} ${t.objects}`);
          for (const skip of objects.skipped) {
            printLine(`  left out  ${skip.type}${skip.count === undefined ? '' : ` ×${skip.count}`}: ${skip.reason}${skip.examples?.length ? ` (e.g. ${skip.examples.slice(0, 2).join(', ')})` : ''}`);
          }
          for (const f of objects.failures) printLine(`  unread    ${f.type}${f.namespaces === undefined ? '' : ` in ${f.namespaces.join(', ')}`}: ${f.error}`);
        }
        if (s.origin !== null) printLine(`  copied    from snapshot ${s.origin.snapshot.slice(0, 8)} of repository ${s.origin.repository.slice(0, 8)}`);
        for (const w of s.warnings) printLine(`  warning   ${w}`);
      });
    });
}

/** "etcd@REVISION" (and "dirty") for a snapshot holding an etcd snapshot; "objects:N" for API objects. */
function sourceLabels(sources: Parameters<typeof etcdRecord>[0]): string[] {
  const etcd = etcdRecord(sources);
  const objects = objectsRecord(sources);
  return [...(etcd === undefined ? [] : [`etcd@${etcd.revision}`, ...(etcd.dirty ? ['dirty'] : [])]), ...(objects === undefined ? [] : [`objects:${objects.objects}`])];
}
