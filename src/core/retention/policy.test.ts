import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoWeek, localTime } from './calendar.ts';
import { applyRetention, isEmptyPolicy, type RetentionInput, type RetentionPolicy } from './policy.ts';

const at = (iso: string, id = iso, held = false): RetentionInput => ({ id, time: Date.parse(iso), held });
const kept = (decisions: ReturnType<typeof applyRetention>): string[] => decisions.filter((d) => d.keep).map((d) => d.id);

describe('calendar buckets', () => {
  it('numbers ISO weeks across year boundaries', () => {
    expect(isoWeek(2026, 12, 31)).toEqual({ year: 2026, week: 53 });
    expect(isoWeek(2027, 1, 3)).toEqual({ year: 2026, week: 53 });
    expect(isoWeek(2027, 1, 4)).toEqual({ year: 2027, week: 1 });
    expect(isoWeek(2024, 12, 30)).toEqual({ year: 2025, week: 1 });
    expect(isoWeek(2026, 11, 24)).toEqual({ year: 2026, week: 48 });
  });

  it('reads local time in the zone, DST included', () => {
    expect(localTime(Date.parse('2026-03-29T00:30:00Z'), 'Europe/Berlin')).toEqual({ year: 2026, month: 3, day: 29, hour: 1 });
    expect(localTime(Date.parse('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toEqual({ year: 2026, month: 3, day: 29, hour: 3 });
    expect(localTime(Date.parse('2026-12-31T23:30:00Z'), 'Europe/Berlin')).toEqual({ year: 2027, month: 1, day: 1, hour: 0 });
  });
});

describe('applyRetention (restic forget semantics)', () => {
  it('keeps the newest of each day for N days, and the oldest while count remains', () => {
    const snapshots = ['2026-11-20T01:00:00Z', '2026-11-20T13:00:00Z', '2026-11-21T13:00:00Z', '2026-11-23T01:00:00Z', '2026-11-23T22:00:00Z'].map((t) => at(t));
    const decisions = applyRetention(snapshots, { daily: 3 });
    expect(kept(decisions)).toEqual(['2026-11-23T22:00:00Z', '2026-11-21T13:00:00Z', '2026-11-20T13:00:00Z']);
    expect(decisions[0]!.reasons).toEqual(['daily #1 (2026-11-23)']);
    // Count left after all buckets: the oldest snapshot is kept as well (restic ≥ 0.15).
    expect(kept(applyRetention(snapshots, { daily: 5 }))).toContain('2026-11-20T01:00:00Z');
  });

  it('cuts days in the policy time zone', () => {
    // 23:30 UTC on the 23rd is already the 24th in Berlin: two Berlin days, one UTC day.
    const snapshots = [at('2026-11-23T10:00:00Z'), at('2026-11-23T23:30:00Z')];
    expect(kept(applyRetention(snapshots, { daily: 2, timeZone: 'UTC' }))).toHaveLength(2); // second one: oldest rule
    expect(kept(applyRetention(snapshots, { daily: 1, timeZone: 'UTC' }))).toEqual(['2026-11-23T23:30:00Z']);
    expect(applyRetention(snapshots, { daily: 2, timeZone: 'Europe/Berlin' }).map((d) => d.reasons[0])).toEqual(['daily #1 (2026-11-24)', 'daily #2 (2026-11-23)']);
  });

  it('handles the hour DST repeats: the two 02:xx hours in autumn are one hourly bucket', () => {
    // 2026-10-25 in Berlin: 02:30 CEST (00:30Z) and 02:30 CET (01:30Z) are both "02h" local.
    const decisions = applyRetention([at('2026-10-25T00:30:00Z'), at('2026-10-25T01:30:00Z'), at('2026-10-25T02:30:00Z')], { hourly: 2, timeZone: 'Europe/Berlin' });
    expect(decisions.map((d) => d.reasons)).toEqual([['hourly #1 (2026-10-25 03h)'], ['hourly #2 (2026-10-25 02h)'], []]);
  });

  it('GFS across month and year boundaries: 7 daily, 4 weekly, 3 monthly (seed 001)', () => {
    const snapshots: RetentionInput[] = [];
    for (let d = 0; d < 120; d++) snapshots.push(at(new Date(Date.parse('2026-09-01T02:00:00Z') + d * 86_400_000).toISOString()));
    const decisions = applyRetention(snapshots, { daily: 7, weekly: 4, monthly: 3 });
    const reasons = decisions.filter((d) => d.keep).map((d) => `${d.id.slice(0, 10)} ${d.reasons.join(', ')}`);
    expect(reasons).toEqual([
      '2026-12-29 daily #1 (2026-12-29), weekly #1 (2026-W53), monthly #1 (2026-12)',
      '2026-12-28 daily #2 (2026-12-28)',
      '2026-12-27 daily #3 (2026-12-27), weekly #2 (2026-W52)',
      '2026-12-26 daily #4 (2026-12-26)',
      '2026-12-25 daily #5 (2026-12-25)',
      '2026-12-24 daily #6 (2026-12-24)',
      '2026-12-23 daily #7 (2026-12-23)',
      '2026-12-20 weekly #3 (2026-W51)',
      '2026-12-13 weekly #4 (2026-W50)',
      '2026-11-30 monthly #2 (2026-11)',
      '2026-10-31 monthly #3 (2026-10)',
    ]);
  });

  it('keeps within a span of the newest snapshot, not of now, and keeps holds', () => {
    const snapshots = [at('2026-01-10T00:00:00Z'), at('2026-01-04T00:00:00Z'), at('2026-01-02T00:00:00Z', 'held', true)];
    const decisions = applyRetention(snapshots, { withinMs: 7 * 86_400_000 });
    expect(decisions.map((d) => [d.id.slice(0, 10), d.reasons])).toEqual([
      ['2026-01-10', ['within 1w of the newest']],
      ['2026-01-04', ['within 1w of the newest']],
      ['held', ['hold']],
    ]);
  });

  it('knows an empty policy', () => {
    expect(isEmptyPolicy({})).toBe(true);
    expect(isEmptyPolicy({ daily: 0, timeZone: 'UTC' })).toBe(true);
    expect(isEmptyPolicy({ monthly: -1 })).toBe(false);
  });

  const arbitrarySnapshots = fc.uniqueArray(
    fc.record({ id: fc.stringMatching(/^[0-9a-f]{8}$/), time: fc.integer({ min: Date.parse('2024-01-01'), max: Date.parse('2027-12-31') }), held: fc.boolean() }),
    { maxLength: 60, selector: (s) => s.id },
  );
  const arbitraryPolicy = fc.record({
    last: fc.integer({ min: -1, max: 5 }), hourly: fc.integer({ min: 0, max: 5 }), daily: fc.integer({ min: -1, max: 8 }),
    weekly: fc.integer({ min: 0, max: 5 }), monthly: fc.integer({ min: 0, max: 6 }), yearly: fc.integer({ min: 0, max: 3 }),
    timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'),
  }) as fc.Arbitrary<RetentionPolicy>;

  it('property: never forgets a held snapshot', () => {
    fc.assert(fc.property(arbitrarySnapshots, arbitraryPolicy, (snapshots, policy) => {
      for (const d of applyRetention(snapshots, policy)) if (snapshots.find((s) => s.id === d.id)!.held) expect(d.keep).toBe(true);
    }));
  });

  it('property: never keeps more per rule than asked (plus the oldest while count remains)', () => {
    fc.assert(fc.property(arbitrarySnapshots, arbitraryPolicy, (snapshots, policy) => {
      const decisions = applyRetention(snapshots, policy);
      for (const kind of ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const) {
        const limit = policy[kind] ?? 0;
        const used = decisions.filter((d) => d.reasons.some((r) => r.startsWith(`${kind} #`))).length;
        if (limit >= 0) expect(used).toBeLessThanOrEqual(limit);
      }
    }));
  });

  it('property: the result does not depend on input order', () => {
    fc.assert(fc.property(arbitrarySnapshots, arbitraryPolicy, fc.integer(), (snapshots, policy, seed) => {
      let state = seed;
      const shuffled = [...snapshots].sort(() => ((state = (state * 1103515245 + 12345) | 0) & 2 ? 1 : -1));
      expect(applyRetention(shuffled, policy)).toEqual(applyRetention(snapshots, policy));
    }));
  });
});
