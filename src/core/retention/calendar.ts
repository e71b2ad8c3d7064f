/**
 * Calendar buckets of an instant in a time zone — hour, day, ISO week, month, year — as
 * restic's forget computes them from a snapshot's local time. Intl does the zone arithmetic
 * (DST included); nothing here reads a clock or a file.
 */

export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError for a zone name the runtime does not know. */
export function checkTimeZone(timeZone: string): void {
  formatter(timeZone);
}

export function localTime(epochMs: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(epochMs)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts['year']!, month: parts['month']!, day: parts['day']!, hour: parts['hour']! };
}

/** ISO 8601 week-numbering year and week of a calendar date (weeks start on Monday). */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  date.setUTCDate(date.getUTCDate() - weekday + 3); // the Thursday of this week decides its year
  const weekYear = date.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(weekYear, 0, 4));
  firstThursday.setUTCDate(firstThursday.getUTCDate() - ((firstThursday.getUTCDay() + 6) % 7) + 3);
  return { year: weekYear, week: 1 + Math.round((date.getTime() - firstThursday.getTime()) / 604_800_000) };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Bucket labels, readable and unique per bucket: "2026-11-24 13h", "2026-11-24", "2026-W48", "2026-11", "2026". */
export const BUCKETS = {
  hourly: (t: LocalTime): string => `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}h`,
  daily: (t: LocalTime): string => `${t.year}-${pad(t.month)}-${pad(t.day)}`,
  weekly: (t: LocalTime): string => {
    const w = isoWeek(t.year, t.month, t.day);
    return `${w.year}-W${pad(w.week)}`;
  },
  monthly: (t: LocalTime): string => `${t.year}-${pad(t.month)}`,
  yearly: (t: LocalTime): string => `${t.year}`,
} as const;

export type BucketKind = keyof typeof BUCKETS;
