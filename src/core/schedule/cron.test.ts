import { describe, expect, it } from 'vitest';
import { cronProblem, nextFire, parseCron } from './cron.ts';

const iso = (d: Date | undefined) => d?.toISOString();

describe('cron in a time zone', () => {
  it('fires at local wall-clock times', () => {
    const cron = parseCron('0 1 * * *', 'Europe/Rome');
    expect(iso(nextFire(cron, new Date('2026-11-24T12:00:00Z')))).toBe('2026-11-25T00:00:00.000Z');
    expect(iso(nextFire(cron, new Date('2026-07-01T12:00:00Z')))).toBe('2026-07-01T23:00:00.000Z');
  });

  it('fires once at 03:00 when 02:30 does not exist (spring forward), and once at the first 02:30 when it occurs twice (fall back)', () => {
    const cron = parseCron('30 2 * * *', 'Europe/Rome');
    expect(iso(nextFire(cron, new Date('2026-03-28T12:00:00Z')))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(nextFire(cron, new Date('2026-03-29T01:00:00Z')))).toBe('2026-03-30T00:30:00.000Z');
    expect(iso(nextFire(cron, new Date('2026-10-24T12:00:00Z')))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(nextFire(cron, new Date('2026-10-25T00:30:00Z')))).toBe('2026-10-26T01:30:00.000Z');
  });

  it('accepts a seconds field and names what is wrong with a bad expression', () => {
    expect(iso(nextFire(parseCron('*/5 * * * * *', 'UTC'), new Date('2026-01-01T00:00:01Z')))).toBe('2026-01-01T00:00:05.000Z');
    expect(cronProblem('61 * * * *')).toMatch(/minute/);
    expect(cronProblem('0 1 * * *')).toBeUndefined();
  });
});
