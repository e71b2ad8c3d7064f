/** `strata status`: per plan, the newest good snapshot against the plan's RPO. */
import { existsSync } from 'node:fs';
import type { HistoryConfig } from '../../core/config/history.ts';
import type { Config, PlanConfig } from '../../core/config/schema.ts';
import type { DrillReport } from '../../core/drill/report.ts';
import { drillStatus, type DrillStatus } from '../../core/drill/status.ts';
import { listDrillReports } from '../../repository/drills.ts';
import { Duration } from '../../core/duration.ts';
import { UsageError } from '../../core/errors.ts';
import { rpoStatus, type RpoStatus } from '../../core/rpo.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { listSnapshots } from '../../repository/snapshots.ts';
import { configuredRepository } from '../repository/choose.ts';
import { openRepository } from '../repository/open.ts';
import { openHistory } from '../history/git.ts';
import { historyState } from '../history/read.ts';

export interface PlanStatus extends RpoStatus {
  readonly plan: string;
  readonly repository: string;
  readonly snapshots: number;
  /** The newest snapshot's result, good or not. */
  readonly lastResult?: string;
  /** Set when the repository could not be read: the RPO then counts as violated. */
  readonly error?: string;
  /** With history: in the plan, its newest tag and what is not pushed yet, read from its git repository. */
  readonly history?: PlanHistoryStatus;
  /** With drills, drill: or rto: in the plan: the last drill against the RTO and the drill schedule. */
  readonly drill?: DrillStatus;
}

export interface PlanHistoryStatus {
  readonly path: string;
  readonly tags: number;
  readonly lastTag?: string;
  readonly lastSnapshot?: string;
  readonly lastTime?: string;
  readonly unpushed?: number;
  readonly error?: string;
}

async function historyStatus(history: HistoryConfig): Promise<PlanHistoryStatus> {
  if (!existsSync(history.path)) return { path: history.path, tags: 0, error: 'no export yet (the directory does not exist)' };
  try {
    const state = await historyState(await openHistory(history.path), history.remote?.branch);
    const facts = state.last?.facts;
    return {
      path: history.path,
      tags: state.tags,
      ...(state.last !== undefined && { lastTag: state.last.tag }),
      ...(facts !== undefined && { lastSnapshot: facts.snapshot, lastTime: facts.time }),
      ...(state.unpushed !== undefined && { unpushed: state.unpushed }),
    };
  } catch (error) {
    return { path: history.path, tags: 0, error: (error as Error).message };
  }
}

/** A plan's RPO from its snapshots and, when it has drills (or drill:, or rto:), their standing. */
export function statusOf(plan: string, config: PlanConfig, snapshots: readonly StoredSnapshot[], reports: readonly DrillReport[], now: number): PlanStatus {
  const mine = snapshots.filter((s) => s.plan === plan);
  const rpoMs = config.rpo === undefined ? undefined : Duration.parse(config.rpo)?.milliseconds;
  const drills = reports.filter((r) => r.plan === plan);
  const drilled = drills.length > 0 || config.drill !== undefined || config.rto !== undefined;
  const drill = drilled ? drillStatus(drills, config.rto === undefined ? undefined : Duration.parse(config.rto)?.milliseconds, config.drill?.schedule, now) : undefined;
  return { plan, repository: config.repository, snapshots: mine.length, ...(mine.length > 0 && { lastResult: mine.at(-1)!.result }), ...rpoStatus(mine, rpoMs, now), ...(drill !== undefined && { drill }) };
}

export async function plansStatus(config: Config, names: readonly string[], now = Date.now()): Promise<PlanStatus[]> {
  const chosen = names.length > 0 ? names : Object.keys(config.plans);
  for (const name of chosen) if (!(name in config.plans)) throw new UsageError(`--plan ${name}: not under plans: in strata.yaml (have: ${Object.keys(config.plans).join(', ') || 'none'})`);
  const byRepository = new Map<string, Promise<{ snapshots: readonly StoredSnapshot[]; reports: readonly DrillReport[] }>>();
  const statuses: PlanStatus[] = [];
  for (const name of chosen) {
    const plan = config.plans[name]!;
    let listing = byRepository.get(plan.repository);
    if (listing === undefined) {
      listing = (async () => {
        const choice = configuredRepository(config, plan.repository);
        const repository = await openRepository(choice.address, choice.credentials);
        try {
          return { snapshots: (await listSnapshots(repository)).snapshots, reports: (await listDrillReports(repository)).reports };
        } finally {
          await repository.backend.close?.();
        }
      })();
      byRepository.set(plan.repository, listing);
    }
    const history = plan.history === undefined ? undefined : await historyStatus(plan.history);
    const extra = history === undefined ? {} : { history };
    try {
      const { snapshots, reports } = await listing;
      statuses.push({ ...statusOf(name, plan, snapshots, reports, now), ...extra });
    } catch (error) {
      statuses.push({ plan: name, repository: plan.repository, snapshots: 0, violated: plan.rpo !== undefined, error: (error as Error).message, ...extra });
    }
  }
  return statuses;
}
