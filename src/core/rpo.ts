/**
 * Recovery point objective: is the newest good snapshot of a plan recent enough? Pure, so
 * `strata status` and the `serve` metric agree by construction. A partially failed snapshot
 * is not good: part of what the plan protects is missing from it.
 */

export interface RpoInput {
  readonly time: string;
  readonly result: string;
}

export interface RpoStatus {
  /** The newest completed snapshot, if any. */
  readonly lastGood?: string;
  readonly ageMs?: number;
  readonly rpoMs?: number;
  /** True when an RPO is set and there is no good snapshot within it. */
  readonly violated: boolean;
}

export function rpoStatus(snapshots: readonly RpoInput[], rpoMs: number | undefined, now: number): RpoStatus {
  let lastGood: string | undefined;
  for (const s of snapshots) if (s.result === 'completed' && (lastGood === undefined || Date.parse(s.time) > Date.parse(lastGood))) lastGood = s.time;
  const ageMs = lastGood === undefined ? undefined : Math.max(0, now - Date.parse(lastGood));
  const violated = rpoMs !== undefined && (ageMs === undefined || ageMs > rpoMs);
  return { ...(lastGood !== undefined && { lastGood, ageMs }), ...(rpoMs !== undefined && { rpoMs }), violated };
}
