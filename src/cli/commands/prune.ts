/** `strata prune`: plan, statistics, then remove the data no snapshot uses. */
import { Command } from 'commander';
import { Duration } from '../../core/duration.ts';
import { UsageError } from '../../core/errors.ts';
import { prune, type PruneReport } from '../../engine/prune/prune.ts';
import type { Repository } from '../../repository/repository.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import type { GlobalOptions } from '../global-options.ts';
import { printError, printJson, printLine } from '../output.ts';
import { formatBytes } from '../progress.ts';
import { withRepository } from '../with-repository.ts';

export interface PruneFlags {
  readonly maxUnused: string;
  readonly wait: string;
}

export const PRUNE_HELP = `
Prune runs beside backups. It marks what the snapshots use, takes unused packs out of the
index (a backup that starts later cannot reuse them), waits for the runs that were going on
(up to --wait), puts back any pack that a snapshot written meanwhile uses, and only then
deletes. If a run outlives --wait, nothing is deleted and the next prune finishes the job.
Packs with unused blobs are repacked, most wasteful first, until at most --max-unused of the
repository is unused (restic's rule); "100%" repacks nothing.`;

function fraction(value: string): number {
  if (value === 'unlimited') return 1;
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value);
  const n = match === null ? NaN : Number(match[1]);
  if (!(n >= 0 && n <= 100)) throw new UsageError(`--max-unused ${value}: expected a percentage such as 5% (or "unlimited")`);
  return n / 100;
}

export function addPruneOptions(command: Command): Command {
  return command
    .option('--max-unused <percent>', 'unused space allowed to remain, as a share of the repository (repack beyond it)', '5%')
    .option('--wait <duration>', 'how long to wait for backups running at the same time before leaving the deletion to the next prune', '1h');
}

export async function runPrune(repository: Repository, flags: PruneFlags, dryRun: boolean, global: GlobalOptions): Promise<PruneReport> {
  const wait = Duration.parse(flags.wait);
  if (wait === undefined) throw new UsageError(`--wait ${flags.wait}: expected a duration such as 30m or 2h`);
  return prune(repository, {
    dryRun,
    maxUnused: fraction(flags.maxUnused),
    waitMs: wait.milliseconds,
    onPhase: (phase) => {
      const verbose = global.logLevel === 'info' || global.logLevel === 'debug';
      if (verbose || (global.progress && !global.json && process.stderr.isTTY)) printError(`prune: ${phase}`);
    },
  });
}

export function printPruneReport(report: PruneReport): void {
  const s = report.stats;
  printLine(`${report.snapshots} snapshots use ${formatBytes(s.usedBytes)} of ${formatBytes(s.totalBytes)} in ${report.packs} packs (${formatBytes(s.unusedBytes)} unused)`);
  printLine(`${report.dryRun ? 'would remove' : 'removed'} ${report.removedPacks} pack(s), ${report.dryRun ? 'would repack' : 'repacked'} ${report.repackedPacks} (${formatBytes(s.repackBytes)} copied), re-indexed ${report.reindexedPacks}`);
  if (report.waitedFor.length > 0) printLine(`waited for: ${report.waitedFor.join('; ')}`);
  if (report.keptForNewSnapshots > 0) printLine(`kept ${report.keptForNewSnapshots} pack(s) that snapshots written during the prune use`);
  if (report.deferredPacks > 0) printLine(`left ${report.deferredPacks} pack(s) for the next prune: a run outlived --wait`);
  printLine(report.dryRun ? `dry run: would free ${formatBytes(s.freedBytes)}; nothing was changed` : `${formatBytes(report.freedBytes)} freed; ${formatBytes(s.unusedAfterBytes)} unused remains`);
}

export function pruneCommand(): Command {
  return addPruneOptions(new Command('prune').description('remove data that no snapshot uses (safe while backups run)'))
    .option('--dry-run', 'print the plan and the space it would free; change nothing', false)
    .addHelpText('after', `${PRUNE_HELP}

Examples:
  strata prune --repo /var/backups/strata --dry-run
  strata prune --repo s3://backups/cp --max-unused 10% --wait 2h --json
${EXIT_STATUS_HELP}`)
    .action(async (flags: PruneFlags & { dryRun: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await withRepository(global, async (repository) => {
        const report = await runPrune(repository, flags, flags.dryRun, global);
        if (global.json) printJson(report);
        else printPruneReport(report);
      });
    });
}
