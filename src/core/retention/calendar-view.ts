/**
 * The GFS calendar of a plan, for people: retention decisions (applyRetention's, the same
 * `strata forget` makes) laid out by day in the policy's time zone, month by month, each
 * day with its snapshots, the rules that keep them and those the next forget drops. Pure.
 */
import { localTime } from './calendar.ts';
import type { RetentionDecision } from './policy.ts';

export interface CalendarEntry extends RetentionDecision {
  /** completed, partially-failed… */
  readonly result?: string;
}

export interface CalendarDay {
  /** YYYY-MM-DD in the zone. */
  readonly date: string;
  readonly day: number;
  readonly entries: readonly CalendarEntry[];
}

export interface CalendarMonth {
  /** YYYY-MM */
  readonly month: string;
  /** Weeks from Monday; a day outside the month is null. */
  readonly weeks: readonly (readonly (CalendarDay | null)[])[];
  readonly kept: number;
  readonly dropped: number;
}

const pad = (n: number) => String(n).padStart(2, '0');
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** Monday 0 … Sunday 6. */
const weekday = (year: number, month: number, day: number) => (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;

/** Months from the newest decision's back to the oldest's (at most `limit`), newest first. */
export function calendarMonths(entries: readonly CalendarEntry[], timeZone: string, limit = 13): CalendarMonth[] {
  if (entries.length === 0) return [];
  const byDate = new Map<string, CalendarEntry[]>();
  for (const entry of [...entries].sort((a, b) => a.time - b.time)) {
    const t = localTime(entry.time, timeZone);
    const date = `${t.year}-${pad(t.month)}-${pad(t.day)}`;
    byDate.set(date, [...(byDate.get(date) ?? []), entry]);
  }
  const dates = [...byDate.keys()].sort();
  let [year, month] = dates.at(-1)!.split('-').map(Number) as [number, number];
  const [firstYear, firstMonth] = dates[0]!.split('-').map(Number) as [number, number];
  const months: CalendarMonth[] = [];
  while (months.length < limit && (year > firstYear || (year === firstYear && month >= firstMonth))) {
    const weeks: (CalendarDay | null)[][] = [];
    let week: (CalendarDay | null)[] = Array.from({ length: weekday(year, month, 1) }, () => null);
    let kept = 0;
    let dropped = 0;
    for (let day = 1; day <= daysIn(year, month); day++) {
      const date = `${year}-${pad(month)}-${pad(day)}`;
      const dayEntries = byDate.get(date) ?? [];
      kept += dayEntries.filter((e) => e.keep).length;
      dropped += dayEntries.filter((e) => !e.keep).length;
      week.push({ date, day, entries: dayEntries });
      if (week.length === 7) {
        weeks.push(week);
        week = [];
      }
    }
    if (week.length > 0) weeks.push([...week, ...Array.from({ length: 7 - week.length }, () => null)]);
    months.push({ month: `${year}-${pad(month)}`, weeks, kept, dropped });
    [year, month] = month === 1 ? [year - 1, 12] : [year, month - 1];
  }
  return months;
}
