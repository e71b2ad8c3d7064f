/** `strata check`: structure always; data with --read-data or --read-data-subset. */
import { Command, InvalidArgumentError } from 'commander';
import { OperationError } from '../../core/errors.ts';
import { check } from '../../engine/check.ts';
import { Lock } from '../../repository/lock.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { withRepository } from '../with-repository.ts';

function percentage(value: string): number {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value);
  const n = match === null ? NaN : Number(match[1]);
  if (!(n > 0 && n <= 100)) throw new InvalidArgumentError(`expected a percentage such as 10%, got "${value}"`);
  return n / 100;
}

export function checkCommand(): Command {
  return new Command('check')
    .description('verify the repository: index, packs, snapshots, and optionally every byte')
    .option('--read-data', 'read and verify every pack and blob')
    .option('--read-data-subset <N%>', 'read and verify a random N% of the packs', percentage)
    .addHelpText('after', `
Without --read-data, check proves that every snapshot is complete: each tree readable, each
blob indexed, each pack present with the size the index says. With it, every blob is
decrypted and hashed. Damaged blobs are named with the snapshots and files that use them.

Examples:
  strata check --repo /var/backups/strata
  strata check --repo s3://backups/cp --read-data-subset 10% --json
${EXIT_STATUS_HELP}`)
    .action(async (options: { readData?: boolean; readDataSubset?: number }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const lock = await Lock.acquire(repository, 'check', 'shared');
        const report = await check(repository, { readData: options.readData === true ? 1 : (options.readDataSubset ?? 0) }).finally(() => lock.release());
        if (global.json) printJson(report);
        else {
          printLine(`${report.snapshots} snapshots, ${report.packs} packs, ${report.blobs} blobs; ${report.packsRead} packs read`);
          for (const note of report.notes) printLine(`note: ${note}`);
          for (const error of report.errors) printLine(`error: ${error}`);
          if (report.ok) printLine('no errors were found');
        }
        if (!report.ok) {
          const affected = report.damagedSnapshots.length > 0 ? `; damaged snapshots: ${report.damagedSnapshots.map((s) => s.slice(0, 8)).join(', ')}` : '';
          throw new OperationError(`check found ${report.errors.length} error(s)${affected}`, { hint: 'snapshots not listed as damaged restore normally; back up again to store the damaged data anew' });
        }
      });
    });
}
