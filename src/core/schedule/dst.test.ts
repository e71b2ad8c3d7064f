import { describe, expect, it } from 'vitest';
import { dstConflicts, transitions, utcOffset } from './dst.ts';

const from = new Date('2027-01-01T00:00:00Z');
const year = 366;

describe('DST nights: systemd against serve', () => {
  it('finds the zone\'s offset changes to the minute', () => {
    expect(transitions('Europe/Rome', from.getTime(), from.getTime() + year * 86_400_000).map((t) => new Date(t).toISOString())).toEqual(['2027-03-28T01:00:00.000Z', '2027-10-31T01:00:00.000Z']);
    expect(utcOffset('Europe/Rome', Date.parse('2027-07-01T00:00:00Z'))).toBe(120);
    expect(utcOffset('Asia/Kolkata', Date.parse('2027-07-01T00:00:00Z'))).toBe(330);
    expect(transitions('UTC', from.getTime(), from.getTime() + year * 86_400_000)).toEqual([]);
    // From any instant, not only midnight: the change is still found to the minute.
    expect(transitions('Europe/Rome', Date.parse('2027-03-01T17:23:45.678Z'), Date.parse('2027-04-01T00:00:00Z')).map((t) => new Date(t).toISOString())).toEqual(['2027-03-28T01:00:00.000Z']);
  });

  it('a daily run in the hour spring-forward skips: serve runs it at 03:00, systemd not at all', () => {
    expect(dstConflicts('30 2 * * *', 'Europe/Rome', from, year)).toEqual([{ date: '2027-03-28', kind: 'skipped', detail: '02:00–03:00 does not exist that night: serve runs at 03:00 where systemd does not' }]);
    expect(dstConflicts('30 2 * * *', 'America/New_York', from, year).map((c) => c.date)).toEqual(['2027-03-14']);
  });

  it('an hourly run in the hour fall-back repeats: serve runs both, systemd the first', () => {
    expect(dstConflicts('0 * * * *', 'Europe/Rome', from, year)).toEqual([{ date: '2027-10-31', kind: 'repeated', detail: '02:00–03:00 happens twice that night: serve runs at 02:00 where systemd does not' }]);
    expect(dstConflicts('*/15 2 * * *', 'Europe/Rome', from, year)[0]!.detail).toBe('02:00–03:00 happens twice that night: serve runs at 02:00, 02:15, 02:30, 02:45 where systemd does not');
    expect(dstConflicts('*/20 * * * *', 'Europe/Rome', from, year).map((c) => c.kind)).toEqual(['repeated']);
  });

  it('leaves alone what both run alike', () => {
    for (const cron of ['30 1 * * *', '0 3 * * *', '30 2 * * 1-5', '15 4 * * *']) expect(dstConflicts(cron, 'Europe/Rome', from, year), cron).toEqual([]);
    expect(dstConflicts('30 2 * * *', 'UTC', from, year)).toEqual([]);
    expect(dstConflicts('0 * * * *', 'Asia/Tokyo', from, year)).toEqual([]);
  });
});
