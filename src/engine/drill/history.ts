/** The drill reports of plans, read from their repositories (`strata drills`, `strata status`, serve). */
import type { Config } from '../../core/config/schema.ts';
import type { DrillReport } from '../../core/drill/report.ts';
import { UsageError } from '../../core/errors.ts';
import { listDrillReports } from '../../repository/drills.ts';
import { configuredRepository } from '../repository/choose.ts';
import { openRepository } from '../repository/open.ts';

export interface DrillHistory {
  readonly reports: DrillReport[];
  /** Repositories or reports that could not be read, named. */
  readonly problems: string[];
}

/** The reports of the plans named (default: every plan), oldest first. */
export async function drillHistory(config: Config, plans: readonly string[]): Promise<DrillHistory> {
  const chosen = plans.length > 0 ? plans : Object.keys(config.plans);
  for (const plan of chosen) if (!(plan in config.plans)) throw new UsageError(`plan "${plan}" is not under plans: in strata.yaml (have: ${Object.keys(config.plans).join(', ') || 'none'})`);
  const repositories = new Set(chosen.map((plan) => config.plans[plan]!.repository));
  const reports: DrillReport[] = [];
  const problems: string[] = [];
  for (const name of repositories) {
    try {
      const choice = configuredRepository(config, name);
      const repository = await openRepository(choice.address, choice.credentials);
      try {
        const listed = await listDrillReports(repository);
        reports.push(...listed.reports.filter((r) => chosen.includes(r.plan)));
        problems.push(...listed.unreadable.map((u) => `repository ${name}: ${u}`));
      } finally {
        await repository.backend.close?.();
      }
    } catch (error) {
      problems.push(`repository ${name}: ${(error as Error).message}`);
    }
  }
  reports.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { reports, problems };
}
