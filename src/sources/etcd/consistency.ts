/**
 * Whether the members hold the same data, and which member to take a snapshot from. Pure;
 * the answers are gathered by EtcdClusterSession.
 *
 * HashKV hashes the key space from the member's compact revision up to the given revision,
 * so two members' hashes are comparable only when their compact revisions are equal (etcd's
 * own corruption check compares the same way).
 */
import type { MemberHealth, QuorumAssessment } from './quorum.ts';

export type MemberHash =
  | { readonly memberId: string; readonly name: string; readonly hash: number; readonly compactRevision: number; readonly hashRevision: number }
  | { readonly memberId: string; readonly name: string; readonly error: string };

export interface ConsistencyCheck {
  readonly revision: number;
  readonly verdict: 'agree' | 'disagree' | 'inconclusive';
  readonly detail: string;
  readonly members: readonly MemberHash[];
}

export function compareHashes(revision: number, members: readonly MemberHash[]): ConsistencyCheck {
  const answered = members.filter((m) => 'hash' in m);
  const failed = members.filter((m) => 'error' in m).map((m) => m.name);
  const groups = new Map<number, typeof answered>();
  for (const m of answered) groups.set(m.compactRevision, [...(groups.get(m.compactRevision) ?? []), m]);
  const split = [...groups.values()].find((group) => new Set(group.map((m) => m.hash)).size > 1);
  if (split !== undefined) {
    const listed = split.map((m) => `${m.name}=${m.hash.toString(16).padStart(8, '0')}`).join(', ');
    return { revision, verdict: 'disagree', detail: `members disagree at revision ${revision}: ${listed}`, members };
  }
  const compared = [...groups.values()].filter((group) => group.length > 1).reduce((sum, group) => sum + group.length, 0);
  const missing = failed.length > 0 ? `; no hash from ${failed.join(', ')}` : '';
  if (answered.length === 1 && members.length === 1) {
    return { revision, verdict: 'agree', detail: `single member, hash ${answered[0]!.hash.toString(16).padStart(8, '0')} at revision ${revision}`, members };
  }
  if (compared < 2) {
    return { revision, verdict: 'inconclusive', detail: `no two members could be compared at revision ${revision}${missing}`, members };
  }
  return { revision, verdict: 'agree', detail: `${compared} members agree at revision ${revision}${missing}`, members };
}

/**
 * The member to snapshot: a healthy voting member with no alarm and the highest applied
 * index; among equals a follower, which spares the leader the extra load. With `force`,
 * any voting member that answered will do when no healthy one is left.
 */
export function chooseSnapshotMember(assessment: QuorumAssessment, force: boolean): MemberHealth | undefined {
  const voting = assessment.members.filter((m) => m.status !== undefined && !m.member.isLearner);
  const healthy = voting.filter((m) => m.problems.length === 0);
  const candidates = healthy.length > 0 || !force ? healthy : voting;
  return [...candidates].sort((a, b) => {
    const applied = b.status!.raftAppliedIndex - a.status!.raftAppliedIndex;
    if (applied !== 0) return applied;
    const leaderA = a.member.id === assessment.leader ? 1 : 0;
    const leaderB = b.member.id === assessment.leader ? 1 : 0;
    return leaderA - leaderB || a.member.name.localeCompare(b.member.name);
  })[0];
}
