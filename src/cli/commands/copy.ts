/** `strata copy`: replicate snapshots to another repository. */
import { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { copySnapshots } from '../../engine/copy.ts';
import { openRepository } from '../../engine/repository/open.ts';
import { findSnapshot, listSnapshots } from '../../repository/snapshots.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { formatBytes } from '../progress.ts';
import { chooseRepository } from '../repository-options.ts';
import { withRepository } from '../with-repository.ts';

export function copyCommand(): Command {
  return new Command('copy')
    .description('copy snapshots to a second repository (replication); never deletes at the target')
    .argument('[id...]', 'snapshots to copy (IDs or unique prefixes)')
    .option('--all', 'copy every snapshot')
    .requiredOption('--to <repo>', 'target repository: a path, s3://…, sftp://…, or a name from strata.yaml')
    .option('--to-password-file <path>', 'password file for the target (default: the source password)')
    .option('--to-identity-file <path>', 'age identity file for the target')
    .addHelpText('after', `
Only data the target lacks is transferred; it is re-encrypted with the target's key and read
back before the snapshot is written there. Snapshots already copied are skipped, so copy can
run after every backup.

Examples:
  strata copy --all --repo /var/backups/strata --to s3://offsite/cluster-a --to-password-file /etc/strata/offsite.pass
  strata copy 4f2a9c1e --repo /var/backups/strata --to /mnt/nfs/strata
${EXIT_STATUS_HELP}`)
    .action(async (ids: string[], options: { all?: boolean; to: string; toPasswordFile?: string; toIdentityFile?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      if ((ids.length === 0) === (options.all !== true)) throw new UsageError('copy needs snapshot IDs or --all (not both)', { hint: 'strata copy --all --to REPO' });
      const source = chooseRepository(global);
      const targetChoice = chooseRepository(
        global,
        options.to,
        { repo: '--to', password: '--to-password-file', identity: '--to-identity-file' },
        options.toPasswordFile,
        options.toIdentityFile,
      );
      const credentials = options.toPasswordFile !== undefined || options.toIdentityFile !== undefined ? targetChoice.credentials : source.credentials;
      await withRepository(global, async (repository) => {
        const target = await openRepository(targetChoice.address, credentials);
        try {
          const snapshots = options.all === true ? (await listSnapshots(repository)).snapshots : await Promise.all(ids.map((id) => findSnapshot(repository, id)));
          const results = await copySnapshots(repository, target, snapshots);
          if (global.json) return printJson(results);
          for (const r of results) {
            printLine(r.status === 'present' ? `snapshot ${r.source.slice(0, 8)}: already at the target` : `snapshot ${r.source.slice(0, 8)} copied as ${r.target!.slice(0, 8)}: ${r.blobsCopied} blobs, ${formatBytes(r.bytesCopied)}`);
          }
        } finally {
          await target.backend.close?.();
        }
      });
    });
}
