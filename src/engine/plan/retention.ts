/** A keep policy from strata.yaml (a plan's `retention:`, a volumes source's `liveSnapshots:`) as the policy `forget` applies. */
import type { KeepConfig } from '../../core/config/keep.ts';
import { Duration } from '../../core/duration.ts';
import type { RetentionPolicy } from '../../core/retention/policy.ts';

export function retentionPolicy(retention: KeepConfig): RetentionPolicy {
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
