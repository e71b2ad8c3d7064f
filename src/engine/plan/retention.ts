/** A plan's `retention:` block as the policy `forget` applies. */
import type { PlanConfig } from '../../core/config/schema.ts';
import { Duration } from '../../core/duration.ts';
import type { RetentionPolicy } from '../../core/retention/policy.ts';

export function retentionPolicy(retention: NonNullable<PlanConfig['retention']>): RetentionPolicy {
  const within = retention.within === undefined ? undefined : Duration.parse(retention.within);
  return {
    ...(retention.last !== undefined && { last: retention.last }),
    ...(retention.hourly !== undefined && { hourly: retention.hourly }),
    ...(retention.daily !== undefined && { daily: retention.daily }),
    ...(retention.weekly !== undefined && { weekly: retention.weekly }),
    ...(retention.monthly !== undefined && { monthly: retention.monthly }),
    ...(retention.yearly !== undefined && { yearly: retention.yearly }),
    ...(within !== undefined && { withinMs: within.milliseconds }),
    timeZone: retention.timeZone,
  };
}
