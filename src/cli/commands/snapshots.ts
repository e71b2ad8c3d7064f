/** `strata snapshots` and `strata show ID`. */
import { Command } from 'commander';
import { findSnapshot, listSnapshots } from '../../repository/snapshots.ts';
import { describeSource, sourceLabels } from '../../sources/registry.ts';
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
        for (const source of s.sources) {
          const { headline, details } = describeSource(source);
          if (source.record === undefined) continue;
          printLine(`  ${source.type.padEnd(10)}${headline}`);
          for (const [label, text] of details) printLine(`  ${label.padEnd(10)}${text}`);
        }
        if (s.origin !== null) printLine(`  copied    from snapshot ${s.origin.snapshot.slice(0, 8)} of repository ${s.origin.repository.slice(0, 8)}`);
        for (const w of s.warnings) printLine(`  warning   ${w}`);
      });
    });
}
