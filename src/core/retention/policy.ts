/**
 * Retention, pure: (snapshots, policy) → keep or forget, with every reason. The semantics
 * are restic's `forget --keep-*` (internal/restic/snapshot_policy.go), the reference; a
 * differential test (test/retention-restic.test.ts) holds them to restic 0.18:
 *
 * - snapshots are taken newest first; `last N` keeps the N newest;
 * - `hourly/daily/weekly/monthly/yearly N` keep the newest snapshot of each of the N newest
 *   buckets (hour, day, ISO week, month, year in the policy's time zone) that hold one;
 *   while a rule still has count left, the oldest snapshot is kept too (restic ≥ 0.15:
 *   it maximises the history kept);
 * - a count of -1 means unlimited (restic's "unlimited");
 * - `within D` keeps every snapshot newer than the newest snapshot's time minus D (not
 *   "now": a stopped schedule never ages everything out);
 * - a held snapshot is always kept (restic's --keep-tag, with Strata's holds).
 *
 * Deliberate difference: `within` is an exact span (7d = 168 h), where restic subtracts
 * calendar days in local time; across a DST change the two differ by an hour.
 */
import { BUCKETS, localTime, type BucketKind } from './calendar.ts';

export interface RetentionPolicy {
  readonly last?: number;
  readonly hourly?: number;
  readonly daily?: number;
  readonly weekly?: number;
  readonly monthly?: number;
  readonly yearly?: number;
  /** Milliseconds. */
  readonly withinMs?: number;
  /** IANA zone the buckets are cut in (default UTC). */
  readonly timeZone?: string;
}

export interface RetentionInput {
  readonly id: string;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly held?: boolean;
}

export interface RetentionDecision {
  readonly id: string;
  readonly time: number;
  readonly keep: boolean;
  /** Why it is kept ("daily #3 (2026-11-21)", "hold", "within 7d of the newest"); empty when forgotten. */
  readonly reasons: readonly string[];
}

const ORDER: readonly ('last' | BucketKind)[] = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'];

/** Whether the policy keeps anything by itself: forgetting with an empty policy would forget everything. */
export function isEmptyPolicy(policy: RetentionPolicy): boolean {
  return ORDER.every((k) => (policy[k] ?? 0) === 0) && (policy.withinMs ?? 0) === 0;
}

/** Decisions in the input's order of time, newest first; ties broken by ID so that input order never matters. */
export function applyRetention(snapshots: readonly RetentionInput[], policy: RetentionPolicy): RetentionDecision[] {
  const zone = policy.timeZone ?? 'UTC';
  const list = [...snapshots].sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const newest = list[0]?.time;
  const remaining = new Map(ORDER.map((k) => [k, policy[k] ?? 0]));
  const lastBucket = new Map<string, string>();
  const ordinal = new Map<string, number>();
  return list.map((snapshot, index) => {
    const reasons: string[] = [];
    if (snapshot.held === true) reasons.push('hold');
    if (policy.withinMs !== undefined && policy.withinMs > 0 && newest !== undefined && snapshot.time > newest - policy.withinMs) {
      reasons.push(`within ${formatSpan(policy.withinMs)} of the newest`);
    }
    const local = localTime(snapshot.time, zone);
    const oldest = index === list.length - 1;
    for (const kind of ORDER) {
      const count = remaining.get(kind)!;
      if (count === 0 || count < -1) continue;
      const bucket = kind === 'last' ? String(index) : BUCKETS[kind](local);
      if (bucket === lastBucket.get(kind) && !oldest) continue;
      lastBucket.set(kind, bucket);
      if (count > 0) remaining.set(kind, count - 1);
      const n = (ordinal.get(kind) ?? 0) + 1;
      ordinal.set(kind, n);
      reasons.push(kind === 'last' ? `last #${n}` : `${kind} #${n} (${bucket})`);
    }
    return { id: snapshot.id, time: snapshot.time, keep: reasons.length > 0, reasons };
  });
}

function formatSpan(ms: number): string {
  const units: [string, number][] = [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]];
  for (const [unit, size] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
