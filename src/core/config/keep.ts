/**
 * A GFS keep policy as strata.yaml spells it (`last`, `daily`, `weekly`, `monthly` …): the
 * plan's `retention:` of snapshots, and a volumes source's `liveSnapshots:` of Ceph snapshots.
 */
import { z } from 'zod';
import { checkTimeZone } from '../retention/calendar.ts';
import { count, duration } from './fields.ts';

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
