/**
 * A GFS keep policy as strata.yaml spells it (`last`, `daily`, `weekly`, `monthly` …): the
 * plan's `retention:` of snapshots, and a volumes source's `liveSnapshots:` of Ceph snapshots.
 */
import { z } from 'zod';
import { checkTimeZone } from '../retention/calendar.ts';
import { count, duration } from './fields.ts';
import { Duration } from '../duration.ts';
import type { RetentionPolicy } from '../retention/policy.ts';

function isTimeZone(zone: string): boolean {
  try {
    checkTimeZone(zone);
    return true;
  } catch {
    return false;
  }
}

export const timeZone = () =>
  z.string({ error: 'expected an IANA time zone such as Europe/Rome' }).refine(isTimeZone, { error: 'expected an IANA time zone such as Europe/Rome or UTC' });

export const keepSchema = z.strictObject({
  last: count().optional(),
  hourly: count().optional(),
  daily: count().optional(),
  weekly: count().optional(),
  monthly: count().optional(),
  yearly: count().optional(),
  within: duration().optional(),
  timeZone: timeZone().default('UTC'),
});

export type KeepConfig = z.output<typeof keepSchema>;

/** A keep policy from strata.yaml (a plan's `retention:`, a volumes source's `liveSnapshots:`) as the policy `forget` applies. */
export function keepPolicy(keep: KeepConfig): RetentionPolicy {
  const within = keep.within === undefined ? undefined : Duration.parse(keep.within);
  return {
    ...(keep.last !== undefined && { last: keep.last }),
    ...(keep.hourly !== undefined && { hourly: keep.hourly }),
    ...(keep.daily !== undefined && { daily: keep.daily }),
    ...(keep.weekly !== undefined && { weekly: keep.weekly }),
    ...(keep.monthly !== undefined && { monthly: keep.monthly }),
    ...(keep.yearly !== undefined && { yearly: keep.yearly }),
    ...(within !== undefined && { withinMs: within.milliseconds }),
    timeZone: keep.timeZone,
  };
}

/** The policy a flag spells (`--keep-live daily=7,weekly=4`) as strata.yaml would: the inverse of keepPolicy. */
export function keepConfig(policy: RetentionPolicy): KeepConfig {
  return {
    ...(policy.last !== undefined && { last: policy.last }),
    ...(policy.hourly !== undefined && { hourly: policy.hourly }),
    ...(policy.daily !== undefined && { daily: policy.daily }),
    ...(policy.weekly !== undefined && { weekly: policy.weekly }),
    ...(policy.monthly !== undefined && { monthly: policy.monthly }),
    ...(policy.yearly !== undefined && { yearly: policy.yearly }),
    ...(policy.withinMs !== undefined && { within: `${Math.ceil(policy.withinMs / 1000)}s` }),
    timeZone: policy.timeZone ?? 'UTC',
  };
}
