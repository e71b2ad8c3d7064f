/** `strata status`: per plan, the newest good snapshot against the plan's RPO. */
import { existsSync } from 'node:fs';
import type { HistoryConfig } from '../../core/config/history.ts';
import type { Config } from '../../core/config/schema.ts';
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

export function statusOf(plan: string, repository: string, rpo: string | undefined, snapshots: readonly StoredSnapshot[], now: number): PlanStatus {
  const mine = snapshots.filter((s) => s.plan === plan);
  const rpoMs = rpo === undefined ? undefined : Duration.parse(rpo)?.milliseconds;
  return { plan, repository, snapshots: mine.length, ...(mine.length > 0 && { lastResult: mine.at(-1)!.result }), ...rpoStatus(mine, rpoMs, now) };
}

export async function plansStatus(config: Config, names: readonly string[], now = Date.now()): Promise<PlanStatus[]> {
  const chosen = names.length > 0 ? names : Object.keys(config.plans);
  for (const name of chosen) if (!(name in config.plans)) throw new UsageError(`--plan ${name}: not under plans: in strata.yaml (have: ${Object.keys(config.plans).join(', ') || 'none'})`);
  const byRepository = new Map<string, Promise<readonly StoredSnapshot[]>>();
  const statuses: PlanStatus[] = [];
  for (const name of chosen) {
    const plan = config.plans[name]!;
    let listing = byRepository.get(plan.repository);
    if (listing === undefined) {
      listing = (async () => {
        const choice = configuredRepository(config, plan.repository);
        const repository = await openRepository(choice.address, choice.credentials);
        try {
          return (await listSnapshots(repository)).snapshots;
        } finally {
          await repository.backend.close?.();
        }
      })();
      byRepository.set(plan.repository, listing);
    }
    const history = plan.history === undefined ? undefined : await historyStatus(plan.history);
    const extra = history === undefined ? {} : { history };
    try {
      statuses.push({ ...statusOf(name, plan.repository, plan.rpo, await listing, now), ...extra });
    } catch (error) {
      statuses.push({ plan: name, repository: plan.repository, snapshots: 0, violated: plan.rpo !== undefined, error: (error as Error).message, ...extra });
    }
  }
  return statuses;
}
