import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calendarMonths } from './calendar-view.ts';
import { applyRetention } from './policy.ts';

const daily = (from: string, days: number) => Array.from({ length: days }, (_, i) => ({ id: `s${i}`, time: Date.parse(from) + i * 86_400_000 }));

describe('the GFS calendar', () => {
  it('lays each decision on its local day, months newest first, weeks from Monday', () => {
    const decisions = applyRetention(daily('2026-10-20T01:00:00Z', 40), { daily: 7, weekly: 4, monthly: 3 });
    const months = calendarMonths(decisions, 'UTC');
    expect(months.map((m) => m.month)).toEqual(['2026-11', '2026-10']);
    const november = months[0]!;
    // 1 November 2026 is a Sunday: six empty days before it in the first week.
    expect(november.weeks[0]!.slice(0, 6)).toEqual([null, null, null, null, null, null]);
    expect(november.weeks[0]![6]!.date).toBe('2026-11-01');
    expect(november.weeks.every((w) => w.length === 7)).toBe(true);
    const day = (date: string) => months.flatMap((m) => m.weeks.flat()).find((d) => d?.date === date)!;
    expect(day('2026-11-28').entries[0]!.reasons).toEqual(['daily #1 (2026-11-28)', 'weekly #1 (2026-W48)', 'monthly #1 (2026-11)']);
    expect(day('2026-11-10').entries[0]!.keep).toBe(false);
    // The counts are the decisions': nothing is lost or counted twice.
    expect(months.reduce((n, m) => n + m.kept, 0)).toBe(decisions.filter((d) => d.keep).length);
    expect(months.reduce((n, m) => n + m.dropped, 0)).toBe(decisions.filter((d) => !d.keep).length);
  });

  it('cuts days in the policy zone: 23:30 UTC is the next day in Berlin', () => {
    const decisions = applyRetention([{ id: 'a', time: Date.parse('2026-11-30T23:30:00Z') }], { last: 1 });
    expect(calendarMonths(decisions, 'UTC')[0]!.month).toBe('2026-11');
    const berlin = calendarMonths(decisions, 'Europe/Berlin');
    expect(berlin.map((m) => m.month)).toEqual(['2026-12']);
    expect(berlin[0]!.weeks.flat().find((d) => d?.entries.length)!.date).toBe('2026-12-01');
  });

  it('shows at most `limit` months, and nothing for no snapshots', () => {
    expect(calendarMonths([], 'UTC')).toEqual([]);
    const decisions = applyRetention(daily('2024-01-15T00:00:00Z', 900), { monthly: -1 });
    const months = calendarMonths(decisions, 'UTC', 13);
    expect(months).toHaveLength(13);
    expect(months[0]!.month).toBe('2026-07');
  });

  it('places every snapshot exactly once, whatever the times', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: Date.parse('2025-01-01'), max: Date.parse('2026-12-31') }), { maxLength: 60 }), (times) => {
      const decisions = applyRetention(times.map((time, i) => ({ id: String(i), time })), { daily: 5, weekly: 2 });
      const placed = calendarMonths(decisions, 'America/New_York', 100).flatMap((m) => m.weeks.flat().flatMap((d) => d?.entries ?? []));
      expect(placed.map((e) => e.id).sort()).toEqual(decisions.map((d) => d.id).sort());
    }));
  });
});
