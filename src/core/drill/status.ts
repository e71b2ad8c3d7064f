/**
 * A plan's drill standing, the other half of seed 004's RPO/RTO table: its last drill, and
 * whether that drill passed within the plan's `rto:`, and whether it is recent enough for
 * the plan's drill schedule (a drill is due once per schedule interval, plus an hour for it
 * to finish). Pure, so `strata status` and serve's metrics agree by construction.
 */
import { nextFire, parseCron } from '../schedule/cron.ts';
import { rtoMet, type DrillReport } from './report.ts';

export interface DrillStatus {
  readonly lastDrill?: string;
  readonly lastResult?: DrillReport['result'];
  readonly lastSnapshot?: string;
  readonly lastRtoMs?: number;
  readonly targetRtoMs?: number;
  /** The last drill's layers: when each was ready, and its result. */
  readonly lastLayers?: readonly { readonly layer: string; readonly readyMs: number; readonly result: string }[];
  /** Steps (checks included) that failed in the last drill. */
  readonly lastFailedSteps?: number;
  /** The last passed drill's start, if any. */
  readonly lastPassed?: string;
  /** How old the last drill may be under the schedule. */
  readonly allowedAgeMs?: number;
  readonly overdue: boolean;
  /** The last drill failed, missed the RTO, or is overdue; the reason says which. */
  readonly violated: boolean;
  readonly reason?: string;
}

const GRACE_MS = 3_600_000;

/** The gap between the schedule's next two fire times: how often a drill is due. */
export function scheduleInterval(schedule: { readonly cron: string; readonly timeZone: string }, now: number): number | undefined {
  const cron = parseCron(schedule.cron, schedule.timeZone);
  const first = nextFire(cron, new Date(now));
  const second = first === undefined ? undefined : nextFire(cron, first);
  return first === undefined || second === undefined ? undefined : second.getTime() - first.getTime();
}

export function drillStatus(reports: readonly DrillReport[], targetRtoMs: number | undefined, schedule: { readonly cron: string; readonly timeZone: string } | undefined, now: number): DrillStatus {
  const last = reports.reduce<DrillReport | undefined>((newest, r) => (newest === undefined || r.startedAt > newest.startedAt ? r : newest), undefined);
  const lastPassed = reports.filter((r) => r.result === 'passed').reduce<string | undefined>((newest, r) => (newest === undefined || r.startedAt > newest ? r.startedAt : newest), undefined);
  const interval = schedule === undefined ? undefined : scheduleInterval(schedule, now);
  const allowedAgeMs = interval === undefined ? undefined : interval + GRACE_MS;
  const overdue = allowedAgeMs !== undefined && (last === undefined || now - Date.parse(last.startedAt) > allowedAgeMs);
  const target = targetRtoMs ?? last?.targetRtoMs;
  const reason = last === undefined ? (overdue ? 'never drilled' : undefined)
    : last.result === 'failed' ? `the last drill failed: ${last.failures[0] ?? 'see its report'}`
    : !rtoMet({ result: last.result, rtoMs: last.rtoMs, ...(target !== undefined && { targetRtoMs: target }) }) ? `the last drill's RTO ${Math.round(last.rtoMs / 1000)}s is over the target ${Math.round(target! / 1000)}s`
    : overdue ? `the last drill is older than its schedule allows (${Math.round(allowedAgeMs! / 3_600_000)}h)`
    : undefined;
  return {
    ...(last !== undefined && {
      lastDrill: last.startedAt, lastResult: last.result, lastSnapshot: last.snapshot, lastRtoMs: last.rtoMs,
      lastLayers: last.layers.filter((l) => l.result !== 'not drilled').map((l) => ({ layer: l.layer, readyMs: l.readyMs, result: l.result })),
      lastFailedSteps: last.layers.reduce((sum, l) => sum + l.steps.filter((st) => st.result === 'failed').length, 0),
    }),
    ...(target !== undefined && { targetRtoMs: target }),
    ...(lastPassed !== undefined && { lastPassed }),
    ...(allowedAgeMs !== undefined && { allowedAgeMs }),
    overdue,
    violated: reason !== undefined,
    ...(reason !== undefined && { reason }),
  };
}
