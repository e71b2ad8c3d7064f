/** `strata restore ID --target DIR`: files back, byte- and metadata-exact. */
import { Command } from 'commander';
import { OperationError, PartialFailure } from '../../core/errors.ts';
import { restoreSnapshot } from '../../engine/restore.ts';
import { findSnapshot } from '../../repository/snapshots.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printError, printJson, printLine } from '../output.ts';
import { formatBytes } from '../progress.ts';
import { withRepository } from '../with-repository.ts';

const collectValues = (value: string, previous: string[]) => [...previous, value];

export function restoreCommand(): Command {
  return new Command('restore')
    .description('restore a snapshot, or part of it, into a directory')
    .argument('<id>', 'snapshot ID, a unique prefix of one, or "latest"')
    .requiredOption('--target <dir>', 'directory to restore into (created if missing)')
    .option('--include <pattern>', 'restore only matching paths (repeatable): /files/etc/kubernetes, "*.crt", /files/**/admin.conf', collectValues, [])
    .addHelpText('after', `
Every block is verified against its SHA-256 as it is restored. Owner and group are
restored when running as root; mode and modification time always; hard links and sparse
files are recreated. Paths keep the source prefix: /files/etc/kubernetes restores to
TARGET/files/etc/kubernetes.

Examples:
  strata restore latest --repo /var/backups/strata --target /tmp/restore
  strata restore 4f2a9c1e --repo /var/backups/strata --target / --include /files/etc/kubernetes/pki
${EXIT_STATUS_HELP}`)
    .action(async (ref: string, options: { target: string; include: string[] }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const snapshot = await findSnapshot(repository, ref);
        const result = await restoreSnapshot(repository, snapshot, options.target, options.include);
        const p = result.progress;
        if (global.json) printJson({ snapshot: snapshot.id, target: options.target, ...p, warnings: result.warnings, errors: result.errors });
        else printLine(`restored snapshot ${snapshot.id.slice(0, 8)}: ${p.files} files, ${p.dirs} dirs, ${formatBytes(p.bytes)} into ${options.target}`);
        for (const w of result.warnings) printError(`warning: ${w}`);
        for (const e of result.errors) printError(`error: ${e}`);
        if (result.errors.length > 0) {
          throw new PartialFailure(`${result.errors.length} item(s) could not be restored`, { hint: 'run `strata check --read-data` to find damaged data' });
        }
        if (p.files + p.dirs === 0 && options.include.length > 0) throw new OperationError(`nothing in snapshot ${snapshot.id.slice(0, 8)} matches --include ${options.include.join(' ')}`, { hint: 'list paths with `strata ls`' });
      });
    });
}
