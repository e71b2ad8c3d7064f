/**
 * Cron expressions in a time zone (croner; 5 fields, or 6 with seconds first). Across DST
 * changes, as croner computes them: a time that does not exist (02:30 on the spring-forward
 * night) fires once at the first valid instant after it (03:00); a time that occurs twice
 * (02:30 on the fall-back night) fires once, at its first occurrence. Hourly schedules fire
 * every real hour on both nights.
 */
import { Cron } from 'croner';

export function parseCron(expression: string, timeZone: string): Cron {
  return new Cron(expression, { timezone: timeZone, paused: true });
}

/** The problem with an expression, or undefined when croner accepts it. */
export function cronProblem(expression: string, timeZone = 'UTC'): string | undefined {
  try {
    parseCron(expression, timeZone).nextRun();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The first time strictly after `after` that the schedule fires, or undefined if never. */
export function nextFire(cron: Cron, after: Date): Date | undefined {
  return cron.nextRun(after) ?? undefined;
}
