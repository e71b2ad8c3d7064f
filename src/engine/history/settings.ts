/** A plan's `history:` as the exporter takes it; the tag time zone falls back to the plan's schedule's. */
import type { HistoryConfig } from '../../core/config/history.ts';
import type { PlanConfig } from '../../core/config/schema.ts';
import type { HistorySettings } from './export.ts';

export function planHistorySettings(planName: string, plan: PlanConfig & { history: HistoryConfig }): HistorySettings {
  const history = plan.history;
  return {
    path: history.path,
    timeZone: history.timeZone ?? plan.schedule?.timeZone ?? 'UTC',
    files: history.files,
    sensitiveFiles: history.sensitive.files,
    sensitiveConfigMapKeys: history.sensitive.configMapKeys,
    ...(history.remote !== undefined && { remote: history.remote }),
    field: (key) => `plans.${planName}.history.${key}`,
  };
}
