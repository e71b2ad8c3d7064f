/** `strata status`: each plan's newest good snapshot against its RPO; non-zero when one is violated. */
import { Command } from 'commander';
import { Duration } from '../../core/duration.ts';
import { formatAge as age } from '../../core/format.ts';
import { OperationError } from '../../core/errors.ts';
import type { DrillStatus } from '../../core/drill/status.ts';
import { plansStatus, type PlanHistoryStatus } from '../../engine/plan/status.ts';
import { EXIT_STATUS_HELP } from '../exit-codes.ts';
import { loadConfig, type GlobalOptions } from '../global-options.ts';
import { printJson, printLine } from '../output.ts';
import { repeated } from '../option-values.ts';

function drillAge(drill: DrillStatus | undefined): string {
  if (drill === undefined) return '-';
  return drill.lastDrill === undefined ? 'never' : `${age(Date.now() - Date.parse(drill.lastDrill))} (${drill.lastResult ?? '?'})`;
}

function drillRto(drill: DrillStatus | undefined): string {
  if (drill?.lastRtoMs === undefined) return drill?.targetRtoMs === undefined ? '-' : `- of ${Duration.milliseconds(drill.targetRtoMs).toString()}`;
  const measured = `${Math.round(drill.lastRtoMs / 1000)}s`;
  return drill.targetRtoMs === undefined ? measured : `${measured} of ${Duration.milliseconds(drill.targetRtoMs).toString()}`;
}

function historyLine(plan: string, h: PlanHistoryStatus): string {
  if (h.error !== undefined) return `${plan} history ${h.path}: ${h.error}`;
  const last = h.lastTag === undefined ? 'no tag yet' : `last tag ${h.lastTag} (snapshot ${h.lastSnapshot?.slice(0, 8) ?? '?'}, ${h.lastTime ?? '?'})`;
  const pushed = h.unpushed === undefined ? '' : h.unpushed === 0 ? ', pushed' : `, ${h.unpushed} commit${h.unpushed === 1 ? '' : 's'} not pushed yet`;
  return `${plan} history ${h.path}: ${h.tags} tags, ${last}${pushed}`;
}

export function statusCommand(): Command {
  return new Command('status')
    .description("each plan's newest good snapshot against its RPO, and its last drill against its RTO (exit 1 when one is violated: cron-style alerting)")
    .option('--plan <name>', 'only this plan (repeatable)', repeated, [])
    .addHelpText('after', `
A snapshot is good when it completed; a partially failed one does not count. A plan with
rpo: 24h is violated when its newest good snapshot is older than 24 hours, or when it
has none, or when its repository cannot be read. Plans without rpo: are shown, never
violated. A plan with drill: or rto: (or drills on record) shows its last drill and RTO;
it is violated when that drill failed, took longer than rto:, or is older than the
drill.schedule allows (one interval plus an hour), or with a schedule and no drill yet.
A plan with history: gets a line with its newest tag and, with a remote, the
commits not pushed yet (read from its git repository).

Examples:
  strata status --config /etc/strata/strata.yaml
  strata status --plan nightly --json || page-the-on-call
${EXIT_STATUS_HELP}`)
    .action(async (options: { plan: string[] }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { config } = loadConfig(global);
      const statuses = await plansStatus(config, options.plan);
      if (global.json) printJson(statuses);
      else {
        printLine(['PLAN', 'REPOSITORY', 'SNAPSHOTS', 'LAST GOOD', 'RPO', 'LAST DRILL', 'RTO', 'STATE'].join('\t'));
        for (const s of statuses) {
          // In its own unit: an RPO of 2m reads 2m, not 0h.
          const rpo = s.rpoMs === undefined ? '-' : Duration.milliseconds(s.rpoMs).toString();
          const states = [s.error !== undefined ? `error: ${s.error}` : s.violated ? 'RPO VIOLATED' : s.rpoMs === undefined ? 'no rpo' : 'ok'];
          if (s.drill?.violated === true) states.push(s.drill.overdue && s.drill.lastResult === 'passed' ? 'DRILL OVERDUE' : s.drill.lastResult === 'passed' ? 'RTO MISSED' : s.drill.lastResult === 'failed' ? 'DRILL FAILED' : 'NEVER DRILLED');
          printLine([s.plan, s.repository, String(s.snapshots), age(s.ageMs), rpo, drillAge(s.drill), drillRto(s.drill), states.join(', ')].join('\t'));
        }
        for (const s of statuses) if (s.history !== undefined) printLine(historyLine(s.plan, s.history));
        for (const s of statuses) if (s.drill?.reason !== undefined) printLine(`${s.plan} drill: ${s.drill.reason}`);
      }
      const violated = statuses.filter((s) => s.violated);
      const undrilled = statuses.filter((s) => s.drill?.violated === true);
      const problems = [
        ...(violated.length > 0 ? [`RPO violated for ${violated.map((s) => s.plan).join(', ')}`] : []),
        ...(undrilled.length > 0 ? [`RTO not proven for ${undrilled.map((s) => `${s.plan} (${s.drill!.reason!})`).join(', ')}`] : []),
      ];
      if (problems.length > 0) {
        throw new OperationError(problems.join('; '), { hint: violated.length > 0 ? 'see `strata run PLAN` or the serve run history for why backups are missing' : 'see `strata drills PLAN`, and drill again with `strata drill PLAN`' });
      }
    });
}
