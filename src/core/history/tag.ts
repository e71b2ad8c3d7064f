/**
 * History tags: seed 000's `YYMMDD-HHMM`, the snapshot's time on the wall clock of the
 * plan's time zone. A second export in the same minute gets `-2`, `-3` …: a tag, once
 * written, names one commit for ever.
 */
import { utcOffset } from '../schedule/dst.ts';

const pad = (n: number): string => String(n).padStart(2, '0');

/** "241205-0130" for 2024-12-05 01:30 in `timeZone`. */
export function minuteTag(epochMs: number, timeZone: string): string {
  const wall = new Date(epochMs + utcOffset(timeZone, epochMs) * 60_000);
  return `${pad(wall.getUTCFullYear() % 100)}${pad(wall.getUTCMonth() + 1)}${pad(wall.getUTCDate())}-${pad(wall.getUTCHours())}${pad(wall.getUTCMinutes())}`;
}

/** The first of `base`, `base-2`, `base-3` … that `taken` does not hold. */
export function freeTag(base: string, taken: (tag: string) => boolean): string {
  if (!taken(base)) return base;
  for (let n = 2; ; n++) if (!taken(`${base}-${n}`)) return `${base}-${n}`;
}

/** Whether a tag is one of ours (others in the same git repository are left alone). */
export const HISTORY_TAG = /^\d{6}-\d{4}(?:-\d+)?$/;
