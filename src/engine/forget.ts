/**
 * `strata forget`: apply a retention policy to each group of snapshots (by default: the
 * same host, the same sources and the same cluster), and remove the manifests of the
 * snapshots it does not keep. Data stays until `prune`. Held snapshots are always kept.
 */
import { UsageError } from '../core/errors.ts';
import { applyRetention, isEmptyPolicy, type RetentionDecision, type RetentionPolicy } from '../core/retention/policy.ts';
import type { Id } from '../repository/hash.ts';
import { listHolds } from '../repository/holds.ts';
import { Lock } from '../repository/lock.ts';
import type { Repository } from '../repository/repository.ts';
import type { StoredSnapshot } from '../repository/snapshot.ts';
import { listSnapshots } from '../repository/snapshots.ts';

export const GROUP_KEYS = ['plan', 'host', 'sources', 'cluster', 'tags'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

export interface ForgetOptions {
  readonly policy: RetentionPolicy;
  readonly groupBy: readonly GroupKey[];
  readonly dryRun: boolean;
  /** Only snapshots of these hosts / with all these tags take part (none: all). */
  readonly hosts?: readonly string[];
  readonly tags?: readonly string[];
  /** Only snapshots this plan made. */
  readonly plan?: string;
}

export interface ForgetGroup {
  readonly group: Readonly<Partial<Record<GroupKey, string>>>;
  readonly decisions: readonly (RetentionDecision & { readonly host: string; readonly sources: string })[];
}

export interface ForgetOutcome {
  readonly groups: readonly ForgetGroup[];
  /** Snapshots whose manifests were removed (none on a dry run). */
  readonly removed: readonly Id[];
  /** Their manifests as they were, for what lives outside the repository (CSI VolumeSnapshots). */
  readonly removedSnapshots: readonly StoredSnapshot[];
}

/** "etcd objects files:/etc/kubernetes": what a snapshot holds, as one comparable string. */
export function sourcesLabel(snapshot: StoredSnapshot): string {
  return snapshot.sources.map((s) => (s.paths === undefined ? s.type : `${s.type}:${[...s.paths].sort().join(',')}`)).sort().join(' ');
}

function clusterOf(snapshot: StoredSnapshot): string {
  for (const source of snapshot.sources) {
    const id = (source.record as { clusterId?: unknown } | undefined)?.clusterId;
    if (typeof id === 'string') return `${source.type}:${id}`;
  }
  return '';
}

function groupOf(snapshot: StoredSnapshot, keys: readonly GroupKey[]): Partial<Record<GroupKey, string>> {
  const values: Record<GroupKey, () => string> = {
    plan: () => snapshot.plan ?? '',
    host: () => snapshot.host,
    sources: () => sourcesLabel(snapshot),
    cluster: () => clusterOf(snapshot),
    tags: () => [...snapshot.tags].sort().join(','),
  };
  return Object.fromEntries(keys.map((k) => [k, values[k]()]));
}

export async function forget(repository: Repository, options: ForgetOptions): Promise<ForgetOutcome> {
  if (isEmptyPolicy(options.policy)) {
    throw new UsageError('no retention policy given: forgetting would remove every snapshot', {
      hint: 'give at least one of --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly, --keep-within',
    });
  }
  // One forget or prune at a time: a concurrent forget must not decide on a stale list. Backups
  // may go on: removing a manifest never touches data they use.
  const lock = options.dryRun ? undefined : await Lock.acquire(repository, 'forget', 'maintenance');
  try {
    const [{ snapshots }, holds] = await Promise.all([listSnapshots(repository), listHolds(repository)]);
    const chosen = snapshots.filter((s) =>
      (options.hosts === undefined || options.hosts.length === 0 || options.hosts.includes(s.host)) &&
      (options.tags ?? []).every((t) => s.tags.includes(t)) &&
      (options.plan === undefined || s.plan === options.plan));
    const grouped = new Map<string, StoredSnapshot[]>();
    for (const snapshot of chosen) {
      const key = JSON.stringify(groupOf(snapshot, options.groupBy));
      grouped.set(key, [...(grouped.get(key) ?? []), snapshot]);
    }
    const groups: ForgetGroup[] = [];
    const removed: Id[] = [];
    const removedSnapshots: StoredSnapshot[] = [];
    for (const [key, members] of [...grouped].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const byId = new Map(members.map((s) => [s.id, s]));
      const decisions = applyRetention(members.map((s) => ({ id: s.id, time: Date.parse(s.time), held: holds.has(s.id) })), options.policy)
        .map((d) => ({ ...d, host: byId.get(d.id)!.host, sources: sourcesLabel(byId.get(d.id)!) }));
      groups.push({ group: JSON.parse(key) as Partial<Record<GroupKey, string>>, decisions });
      if (options.dryRun) continue;
      for (const d of decisions) {
        if (d.keep) continue;
        await repository.backend.remove(`snapshots/${d.id}`);
        removed.push(d.id);
        removedSnapshots.push(byId.get(d.id)!);
      }
    }
    return { groups, removed, removedSnapshots };
  } finally {
    await lock?.release();
  }
}
