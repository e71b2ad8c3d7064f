/** `strata unlock`: remove stale locks. */
import { Command } from 'commander';
import { unlock } from '../../engine/unlock.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { withRepository } from '../with-repository.ts';

export function unlockCommand(): Command {
  return new Command('unlock')
    .description('remove stale locks (from processes that died); --remove-all removes every lock')
    .option('--remove-all', 'remove all locks, even those of running operations')
    .addHelpText('after', `
A lock is stale when it is older than 30 minutes (live holders refresh every 5) or when it
names this host and its process is gone.

Examples:
  strata unlock --repo /var/backups/strata
  strata unlock --repo s3://backups/cp --remove-all
${EXIT_STATUS_HELP}`)
    .action(async (options: { removeAll?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const removed = await unlock(repository, options.removeAll === true);
        if (global.json) return printJson(removed);
        for (const l of removed) printLine(`removed ${l.stale ? 'stale ' : ''}lock ${l.id.slice(0, 8)}: ${l.operation} pid ${l.pid} on ${l.host} since ${l.time}`);
        printLine(`${removed.length} lock(s) removed`);
      });
    });
}
