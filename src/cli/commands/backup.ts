/** `strata backup`: an ad-hoc backup of local paths (the `files` source). */
import { Command } from 'commander';
import { PartialFailure } from '../../core/errors.ts';
import { backup } from '../../engine/backup.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printError, printJson, printLine } from '../output.ts';
import { backupProgressText, formatBytes, progressLine } from '../progress.ts';
import { withRepository } from '../with-repository.ts';

const collectValues = (value: string, previous: string[]) => [...previous, value];

export function backupCommand(): Command {
  return new Command('backup')
    .description('back up local files and directories into the repository')
    .requiredOption('--files <path...>', 'files and directories to back up (absolute paths are kept)')
    .option('--tag <tag>', 'tag the snapshot (repeatable)', collectValues, [])
    .option('--host <name>', 'host name to record (default: this host)')
    .option('--parent <id>', 'compare against this snapshot instead of the latest with the same host and paths')
    .addHelpText(
      'after',
      `
Files whose size, modification time and inode are unchanged since the parent snapshot are
not read again. The snapshot becomes visible only when everything it names is stored.

Examples:
  strata backup --repo /var/backups/strata --files /etc/kubernetes /etc/etcd.env --tag control-plane
  strata backup --repo s3://backups/cp --files /etc/kubernetes --host cp-1 --json
${EXIT_STATUS_HELP}`,
    )
    .action(async (options: { files: string[]; tag: string[]; host?: string; parent?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const started = Date.now();
        const line = progressLine(global.progress && !global.json);
        const outcome = await backup(repository, {
          paths: options.files,
          tags: options.tag,
          ...(options.host === undefined ? {} : { host: options.host }),
          ...(options.parent === undefined ? {} : { parent: options.parent }),
          onProgress: (p) => line.update(backupProgressText(p, Date.now() - started)),
        }).finally(() => line.done());
        const { snapshot, id } = outcome;
        if (global.json) printJson({ id, ...snapshot });
        else {
          const s = snapshot.summary;
          printLine(`snapshot ${id.slice(0, 8)} saved: ${s.files} files, ${s.dirs} dirs, ${formatBytes(s.bytes)} (${formatBytes(s.newBytes)} new) in ${(s.durationMs / 1000).toFixed(1)}s`);
        }
        for (const warning of snapshot.warnings) printError(`warning: ${warning}`);
        if (snapshot.result !== 'completed') {
          throw new PartialFailure(`snapshot ${id.slice(0, 8)} is partially failed: ${snapshot.warnings.length} item(s) could not be read`, { hint: 'see the warnings above; the rest is stored' });
        }
      });
    });
}
