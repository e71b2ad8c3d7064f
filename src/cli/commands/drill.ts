/**
 * `strata drill PLAN`: restore the plan's newest good backup into scratch targets, check
 * it, measure the RTO, clean up; `strata drills [PLAN]`: the history of drills.
 */
import { Command } from 'commander';
import { historyLine, renderReport, rtoMet } from '../../core/drill/report.ts';
import { parseWorkload } from '../../core/drill/workload.ts';
import { OperationError, PartialFailure, UsageError } from '../../core/errors.ts';
import { drillHistory } from '../../engine/drill/history.ts';
import { runDrill } from '../../engine/drill/run.ts';
import { interruption } from '../../programs/interruption.ts';
import { listDrillReports } from '../../repository/drills.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { loadConfig, type GlobalOptions } from '../global-options.ts';
import { printError, printJson, printLine } from '../output.ts';
import { withRepository } from '../with-repository.ts';

export function drillCommand(): Command {
  return new Command('drill')
    .description("prove a plan's newest backup restores: into scratch namespaces, a scratch etcd and scratch directories, checked, with the RTO measured")
    .argument('<plan>', 'a name under plans: in strata.yaml')
    .option('--snapshot <id>', 'drill this snapshot (ID or unique prefix) instead of the plan\'s newest completed one')
    .option('--keep', 'leave the scratch namespaces, directories and etcd data for a look (the plan\'s next drill removes them)', false)
    .option('--host <name>', 'host name to record in the report (default: this host)')
    .option('--in-place', 'the chaos day: delete --workload where it runs, restore it from the snapshot in its own namespace, wait until it serves (needs --confirm and drill.nonProduction: true)', false)
    .option('--workload <ns/kind/name>', 'with --in-place: the Deployment or StatefulSet to delete and restore, e.g. shop/Deployment/web')
    .option('--with-data', 'with --in-place: delete its claims too, and restore them with their data from the snapshot', false)
    .option('--confirm', 'with --in-place: yes, delete the workload', false)
    .addHelpText('after', `
Each source of the snapshot is restored by its own drill, in the order a restore takes
them, and timed from the drill's start:
  etcd     the snapshot exported (SHA-256 checked), built into a member by etcdutl, started
           as a single-member etcd on free ports of 127.0.0.1, then checked: the revision
           and key count the snapshot recorded, the HashKV the backed-up member answered at
           backup time, a sample of keys read (drill.etcd.sampleKeys); then stopped
  objects  each namespace into NAMESPACE<suffix> (drill.suffix, default -restore) through the
           namespace mapping, classes mapped by drill.storageClassMapping, claims given new
           volumes, only the cluster-scoped objects the namespaces need; then a wait (up to
           drill.timeout) until Deployments are Available, StatefulSets ready, pods Running,
           Services have a ready endpoint and claims are Bound; what is not is named
  volumes  an RBD image into a scratch image beside it (IMAGE-strata-drill-PLAN-ID), read
           back from Ceph and matched by SHA-256; a node directory into the claim the
           objects layer restored (its files' sizes and chunk hashes checked); a CSI
           VolumeSnapshot into a new claim CLAIM-from-snapshot in the scratch namespace,
           made from a copy of the snapshot there, waited on until Bound
  files    restored into a scratch directory, every file's size and chunk hashes checked
Sources without a drill yet are listed as "not drilled". Then drill.checks run against the
copy: an HTTP GET through the API server's service proxy, a command in a restored pod, a
command here. The RTO is the time until the last layer was restored and checked, compared
with the plan's rto:.

Everything a drill makes is marked (labels strata.io/drill and strata.io/drill-plan, the
directory WORKDIR/strata-drill-PLAN-ID) and removed afterwards, also after a failure or an
interruption; the plan's next drill removes what a killed one left. A namespace named
NAMESPACE<suffix> that no drill of the plan made is never touched: the drill fails naming it.
The report is stored in the repository beside the snapshot: \`strata drills\` lists them.

The chaos day (seed 004): --in-place --workload NS/KIND/NAME --confirm finds the workload
in the snapshot (nothing is deleted when it is not there), deletes it where it runs with
its pods, restores it alone from the snapshot into its own namespace, and waits until it
and the Services selecting it serve; the RTO is that time. With --with-data its claims are
deleted too (only when the snapshot holds the data of each, else nothing is deleted),
restored with new volumes, filled from the snapshot while the workload is stopped, and the
RTO runs until it serves again with its data. Refused without --confirm (exit 2), and on a
plan whose drill: does not say nonProduction: true (exit 4).

Exit status 1 when the drill failed; 3 when it passed but took longer than the plan's rto:.

Examples:
  strata drill nightly --config /etc/strata/strata.yaml
  strata drill nightly --snapshot 4f2a9c1e --keep --json
  strata drill preprod --in-place --workload shop/Deployment/web --confirm
  strata drill preprod --in-place --workload shop/StatefulSet/db --with-data --confirm
  strata drills nightly
${EXIT_STATUS_HELP}`)
    .action(async (plan: string, options: { snapshot?: string; keep: boolean; host?: string; inPlace: boolean; workload?: string; withData: boolean; confirm: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      if (options.inPlace && options.workload === undefined) throw new UsageError('--in-place needs --workload NAMESPACE/KIND/NAME: the workload to delete and restore');
      if (!options.inPlace && (options.workload !== undefined || options.confirm || options.withData)) throw new UsageError('--workload, --with-data and --confirm belong to an in-place drill: add --in-place');
      const { config } = loadConfig(global);
      const report = await runDrill(config, plan, {
        ...(options.inPlace && { inPlace: parseWorkload(options.workload!), withData: options.withData, confirm: options.confirm }),
        keep: options.keep,
        signal: interruption,
        ...(options.snapshot !== undefined && { snapshot: options.snapshot }),
        ...(options.host !== undefined && { host: options.host }),
        log: (message) => {
          if (global.logLevel === 'info' || global.logLevel === 'debug') printError(message);
        },
      });
      if (global.json) printJson(report);
      else for (const line of renderReport(report)) printLine(line);
      if (report.result === 'failed') throw new OperationError(`drill of plan ${plan} failed: ${report.failures[0] ?? 'see the report'}`, { hint: report.cleanUp.kept ? 'the scratch copy is kept for a look (--keep)' : 'rerun with --keep to look at the scratch copy' });
      if (!rtoMet(report)) throw new PartialFailure(`drill of plan ${plan} passed, but its RTO ${(report.rtoMs / 1000).toFixed(1)}s is over the target`, { hint: 'see where the time went in the report above' });
    });
}

export function drillsCommand(): Command {
  return new Command('drills')
    .description('the history of drills: when, which snapshot, passed or failed, RTO against target')
    .argument('[plan]', 'only this plan\'s drills')
    .option('--last <n>', 'only the newest N', (v) => Number(v))
    .addHelpText('after', `
Reads the reports from the plan's repository (every plan's, without PLAN), or from --repo.
Columns: start, plan, snapshot, mode, result, RTO, target, met/missed, layers.

Examples:
  strata drills nightly
  strata drills --repo /var/backups/strata --json
${EXIT_STATUS_HELP}`)
    .action(async (plan: string | undefined, options: { last?: number }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const history = global.repo !== undefined
        ? await withRepository(global, async (repository) => {
          const listed = await listDrillReports(repository);
          return { reports: listed.reports.filter((r) => plan === undefined || r.plan === plan), problems: listed.unreadable };
        })
        : await drillHistory(loadConfig(global).config, plan === undefined ? [] : [plan]);
      const reports = options.last === undefined ? history.reports : history.reports.slice(-options.last);
      if (global.json) printJson({ drills: reports, problems: history.problems });
      else {
        if (reports.length === 0) printLine('no drills yet');
        for (const report of reports) printLine(historyLine(report));
      }
      for (const problem of history.problems) printError(`warning: ${problem}`);
    });
}
