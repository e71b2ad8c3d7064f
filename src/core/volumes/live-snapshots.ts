/**
 * Which of Strata's Ceph snapshots of an image stay in Ceph. Each backup leaves one
 * (`strata-<UTC time>`); a GFS policy keeps some for fast rollback (`rbd snap rollback`), and
 * the newest always stays, since the next backup reads only what changed since it. Names
 * that are not Strata's are never touched. Pure: the caller lists and removes.
 */
import { applyRetention, isEmptyPolicy, type RetentionPolicy } from '../retention/policy.ts';

export const LIVE_SNAPSHOT_PREFIX = 'strata-';
const NAME = /^strata-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** strata-20261124T120000Z: sortable, and recognisable as ours. */
export function liveSnapshotName(at: Date): string {
  return `${LIVE_SNAPSHOT_PREFIX}${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;
}

/** The time a Strata snapshot name encodes (epoch ms), or undefined for any other name. */
export function liveSnapshotTime(name: string): number | undefined {
  const m = NAME.exec(name);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const time = Date.UTC(y, mo - 1, d, h, mi, s);
  return liveSnapshotName(new Date(time)) === name ? time : undefined;
}

export interface LiveDecision {
  readonly keep: readonly string[];
  readonly remove: readonly string[];
  /** Why each kept snapshot stays. */
  readonly reasons: ReadonlyMap<string, readonly string[]>;
}

/**
 * Splits an image's snapshots into kept and removed Strata snapshots. `diffBase` (the
 * snapshot the backup just took) is kept whatever the policy; with no policy it is the only one.
 */
export function decideLiveSnapshots(names: readonly string[], diffBase: string, policy: RetentionPolicy | undefined): LiveDecision {
  const ours = names.flatMap((name) => {
    const time = liveSnapshotTime(name);
    return time === undefined ? [] : [{ id: name, time, held: name === diffBase }];
  });
  const decisions = policy === undefined || isEmptyPolicy(policy) ? ours.map((s) => ({ id: s.id, keep: s.held, reasons: s.held ? ['hold'] : [] })) : applyRetention(ours, policy);
  const reasons = new Map<string, readonly string[]>();
  const keep: string[] = [];
  const remove: string[] = [];
  for (const d of decisions) {
    if (d.keep) {
      keep.push(d.id);
      reasons.set(d.id, d.reasons.map((r) => (r === 'hold' ? 'next diff base' : r)));
    } else remove.push(d.id);
  }
  return { keep: keep.sort(), remove: remove.sort(), reasons };
}
