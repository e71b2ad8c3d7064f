/**
 * A keep policy in one flag value, `daily=7,weekly=4,monthly=6` (also last, hourly, yearly
 * and within=DURATION), for options where six --keep-* flags would be too many.
 */
import { Duration } from '../duration.ts';
import { UsageError } from '../errors.ts';
import type { RetentionPolicy } from './policy.ts';

const COUNTS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

export function parseKeepSpec(value: string, what: string): RetentionPolicy {
  const policy: { -readonly [K in keyof RetentionPolicy]: RetentionPolicy[K] } = {};
  const example = 'e.g. daily=7,weekly=4,monthly=6';
  for (const part of value.split(',')) {
    const [key = '', amount, extra] = part.trim().split('=');
    if (amount === undefined || extra !== undefined) throw new UsageError(`${what} ${value}: "${part}" is not KIND=N`, { hint: example });
    if (key === 'within') {
      const span = Duration.parse(amount);
      if (span === undefined) throw new UsageError(`${what} ${value}: within=${amount} is not a duration such as 36h or 7d`);
      policy.withinMs = span.milliseconds;
    } else if ((COUNTS as readonly string[]).includes(key)) {
      if (!/^(\d+|-1|unlimited)$/.test(amount)) throw new UsageError(`${what} ${value}: ${key}=${amount} is not a count (0, 1, 2 … or unlimited)`);
      policy[key as (typeof COUNTS)[number]] = amount === 'unlimited' ? -1 : Number(amount);
    } else throw new UsageError(`${what} ${value}: ${key} is not one of ${[...COUNTS, 'within'].join(', ')}`, { hint: example });
  }
  return policy;
}
