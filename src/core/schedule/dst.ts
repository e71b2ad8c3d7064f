/**
 * Where a systemd timer and `strata serve` part ways on DST nights. systemd (252) fires a
 * wall-clock time that does not exist (02:30 on the spring-forward night) not at all, and a
 * wall-clock time that occurs twice (fall-back night) once, at its first occurrence. croner,
 * which serve runs, fires a nonexistent time at the first valid instant after it, and a
 * repeated hour of an hourly-type schedule in both of its occurrences. A schedule that
 * touches either hour would run differently under the two: `install systemd` refuses it.
 */
import { Cron } from 'croner';

export interface DstConflict {
  /** The night, as YYYY-MM-DD in the plan's zone. */
  readonly date: string;
  readonly kind: 'skipped' | 'repeated';
  /** What happens, in words: "02:30 does not exist: systemd skips the run, serve runs it at 03:00". */
  readonly detail: string;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The zone's offset from UTC at `at`, in minutes. */
export function utcOffset(timeZone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(at));
  const field = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'));
  return Math.round((wall - Math.floor(at / MINUTE) * MINUTE) / MINUTE);
}

/** Instants (to the minute) where the zone's offset changes, in [from, to). */
export function transitions(timeZone: string, from: number, to: number): number[] {
  const found: number[] = [];
  // Whole minutes, so that the change found is the minute it happens at.
  for (let day = Math.floor(from / MINUTE) * MINUTE; day < to; day += DAY) {
    if (utcOffset(timeZone, day) === utcOffset(timeZone, day + DAY)) continue;
    let low = day;
    let high = day + DAY;
    while (high - low > MINUTE) {
      const mid = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
      if (utcOffset(timeZone, mid) === utcOffset(timeZone, day)) low = mid;
      else high = mid;
    }
    found.push(high);
  }
  return found;
}

const hhmm = (wall: number) => new Date(wall).toISOString().slice(11, 16);
/** How far either side of a change the two are compared: wider than any DST shift. */
const WINDOW = 3 * 60 * MINUTE;

/**
 * The schedule's DST conflicts between systemd and croner over the next `days` from `from`:
 * around each change of the zone's offset, the instants croner fires at against those
 * systemd would (each matching wall-clock time once, at its first occurrence, if it exists).
 */
export function dstConflicts(expression: string, timeZone: string, from: Date, days = 2 * 366): DstConflict[] {
  // The pattern over wall-clock times, without DST: a zone-less croner on the wall digits.
  const wallClock = new Cron(expression, { timezone: 'UTC', paused: true });
  const zoned = new Cron(expression, { timezone: timeZone, paused: true });
  const fires = (cron: Cron, start: number, end: number): number[] => {
    const hits: number[] = [];
    for (let at = cron.nextRun(new Date(start - 1)); at !== null && at.getTime() < end && hits.length < 10_000; at = cron.nextRun(at)) hits.push(at.getTime());
    return hits;
  };
  const conflicts: DstConflict[] = [];
  for (const change of transitions(timeZone, from.getTime(), from.getTime() + days * DAY)) {
    const before = utcOffset(timeZone, change - MINUTE) * MINUTE;
    const after = utcOffset(timeZone, change) * MINUTE;
    const start = change - WINDOW;
    const end = change + WINDOW;
    const serve = fires(zoned, start, end);
    const systemd = fires(wallClock, start + before, end + after)
      .map((wall) => [wall - before, wall - after].filter((real) => (real === wall - before ? real < change : real >= change)).sort((a, b) => a - b)[0])
      .filter((real): real is number => real !== undefined && real >= start && real < end);
    const wall = (real: number) => hhmm(real + (real < change ? before : after));
    const onlyServe = serve.filter((at) => !systemd.includes(at));
    const onlySystemd = systemd.filter((at) => !serve.includes(at));
    if (onlyServe.length === 0 && onlySystemd.length === 0) continue;
    const date = new Date(change + after).toISOString().slice(0, 10);
    const kind = after > before ? 'skipped' : 'repeated';
    const what = kind === 'skipped' ? `${hhmm(change + before)}–${hhmm(change + after)} does not exist that night` : `${hhmm(change + after)}–${hhmm(change + before)} happens twice that night`;
    const parts = [
      ...(onlyServe.length > 0 ? [`serve runs at ${onlyServe.map(wall).join(', ')} where systemd does not`] : []),
      ...(onlySystemd.length > 0 ? [`systemd runs at ${onlySystemd.map(wall).join(', ')} where serve does not`] : []),
    ];
    conflicts.push({ date, kind, detail: `${what}: ${parts.join('; ')}` });
  }
  return conflicts;
}
