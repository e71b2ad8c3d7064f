/** `strata run PLAN`: one whole run of a plan from strata.yaml (what a timer or `serve` does). */
import { Command } from 'commander';
import { OperationError, PartialFailure } from '../../core/errors.ts';
import { runPlan, type RunRecord } from '../../engine/plan/run.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { loadConfig, type GlobalOptions } from '../global-options.ts';
import { printError, printJson, printLine } from '../output.ts';
import { formatBytes } from '../progress.ts';

export function describeRun(run: RunRecord): string {
  const parts = [`plan ${run.plan}: ${run.result} in ${(run.durationMs / 1000).toFixed(1)}s`];
  if (run.snapshot !== undefined) parts.push(`snapshot ${run.snapshot.slice(0, 8)} (${formatBytes(run.bytes)}, ${formatBytes(run.bytesAdded)} new)`);
  if (run.forgotten > 0) parts.push(`${run.forgotten} forgotten, ${formatBytes(run.prunedBytes)} pruned`);
  for (const r of run.replicated) parts.push(r.error === undefined ? `${r.copied} copied to ${r.repository}` : `replication to ${r.repository} failed`);
  if (run.snapshot === undefined && run.result === 'succeeded' && run.leftToOthers !== undefined) parts.push('nothing to store on this host');
  return [parts.join('; '), ...(run.leftToOthers ?? []).map((line) => `  ${line}`)].join('\n');
}

export function runCommand(): Command {
  return new Command('run')
    .description("run a plan from strata.yaml once: hooks, backup, retention (forget, prune), replication")
    .argument('<plan>', 'a name under plans: in strata.yaml')
    .option('--host <name>', 'host name to record in the snapshot (default: this host)')
    .option('--host-root <dir>', "where the node's root file system is, for files sources and volumes read as files (e.g. /host in a pod)", '/')
    .option('--node <name>', 'this node\'s name: volumes sources read as files only what is on it (a per-node agent)')
    .addHelpText('after', `
The steps, each recorded in the run's report (--json):
  1. pre hooks (argument lists, no shell; onError: fail stops the run, continue goes on);
  2. the backup of every source in the plan, into the plan's repository, tagged with the plan;
  3. when the plan has retention:, forget per group (plan, host, sources, cluster by
     default), and prune when anything was forgotten (retention.prune: false skips it);
  4. every snapshot of the plan that a replication: repository lacks is copied there;
  5. post hooks, always, with STRATA_RESULT (succeeded, partially-failed, failed) and
     STRATA_SNAPSHOT in their environment.

Examples:
  strata run nightly --config /etc/strata/strata.yaml
  strata run control-plane --host-root /host --json
${EXIT_STATUS_HELP}`)
    .action(async (planName: string, options: { host?: string; hostRoot: string; node?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { config } = loadConfig(global);
      const run = await runPlan(config, planName, {
        hostRoot: options.hostRoot,
        ...(options.node !== undefined && { node: options.node }),
        ...(options.host !== undefined && { host: options.host }),
        log: (message) => {
          if (global.logLevel === 'info' || global.logLevel === 'debug') printError(message);
        },
      });
      if (global.json) printJson(run);
      else printLine(describeRun(run));
      for (const warning of run.warnings) printError(`warning: ${warning}`);
      if (run.result === 'failed') throw new OperationError(`plan ${planName} failed: ${run.error ?? 'see the report'}`);
      if (run.result === 'partially-failed') throw new PartialFailure(`plan ${planName} partially failed: ${run.warnings.length} warning(s)`, { hint: 'see the warnings above' });
    });
}
