/**
 * The cycle a run of a plan belongs to when the plan runs on every manager: runs whose start
 * falls in the same window of time (aligned to the Unix epoch, so to UTC) share one cycle,
 * named by a swarm config that the first run to claim it creates (a name is unique in raft).
 */

/** The start of the window `now` falls in. */
export function cycleStart(now: Date, windowMs: number): Date {
  return new Date(Math.floor(now.getTime() / windowMs) * windowMs);
}

/** A config name (letters, digits, '-', '_', '.'; at most 64) for the cycle of `plan` starting at `start`. */
export function claimName(plan: string, start: Date): string {
  const stamp = start.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safePlan = plan.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 32);
  return `strata-cycle-${safePlan}-${stamp}`;
}

/** The plan-wide prefix of every cycle's claim, for listing them. */
export function claimPrefix(plan: string): string {
  return claimName(plan, new Date(0)).replace(/\d{8}T\d{6}Z$/, '');
}
