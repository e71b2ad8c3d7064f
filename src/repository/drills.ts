/**
 * Drill reports (docs/repository-format.md, "Drills"): one sealed object per drill, named by
 * the snapshot it drilled and the drill's ID, so that `strata drills` shows the history from
 * any host and a drill never rewrites a snapshot. Forgetting the snapshot leaves its reports:
 * they are the history of what was proven, not data.
 */
import type { DrillReport } from '../core/drill/report.ts';
import type { Repository } from './repository.ts';

const PREFIX = 'drills/';

export async function saveDrillReport(repository: Repository, report: DrillReport): Promise<void> {
  await repository.backend.save(`${PREFIX}${report.snapshot}-${report.id}`, repository.sealMetadata('drill', report));
}

/** Every report, oldest first; one that cannot be read is named in `unreadable`. */
export async function listDrillReports(repository: Repository): Promise<{ reports: DrillReport[]; unreadable: string[] }> {
  const reports: DrillReport[] = [];
  const unreadable: string[] = [];
  for await (const object of repository.backend.list(PREFIX)) {
    try {
      reports.push(repository.unsealMetadata('drill', await repository.backend.load(object.key)) as DrillReport);
    } catch (error) {
      unreadable.push(`${object.key}: ${(error as Error).message}`);
    }
  }
  reports.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { reports, unreadable };
}
