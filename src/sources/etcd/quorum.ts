/**
 * Whether an etcd cluster can be trusted right now, from what its members answered. Pure, so
 * every rule here is unit-tested; `probeEtcdCluster` gathers the answers.
 *
 * Seed 000's rule, "2/3 of the members available, active and working", is raft's majority:
 * a cluster of n voting members needs floor(n/2)+1 healthy ones. Learners do not vote.
 */
import type { EtcdAlarm, EtcdMember, EtcdMemberStatus } from './types.ts';

export interface MemberHealth {
  readonly member: EtcdMember;
  /** Present when the member answered Status. */
  readonly status?: EtcdMemberStatus;
  /** Why the member is not healthy; empty when it is. */
  readonly problems: readonly string[];
}

export interface QuorumAssessment {
  readonly members: readonly MemberHealth[];
  readonly voting: number;
  readonly healthy: number;
  readonly needed: number;
  readonly hasQuorum: boolean;
  readonly leader: string | undefined;
  readonly alarms: readonly EtcdAlarm[];
}

export function assessQuorum(
  members: readonly EtcdMember[],
  statuses: readonly EtcdMemberStatus[],
  alarms: readonly EtcdAlarm[],
  unreachable: ReadonlyMap<string, string> = new Map(),
): QuorumAssessment {
  const byId = new Map(statuses.map((s) => [s.memberId, s]));
  const health = members.map((member): MemberHealth => {
    const status = byId.get(member.id);
    const problems: string[] = [];
    if (status === undefined) {
      const reason = member.clientUrls.map((url) => unreachable.get(url)).find((r) => r !== undefined);
      problems.push(reason ?? 'did not answer (no reachable client URL)');
    } else {
      // Every member repeats the cluster's alarms in its errors ("memberID:… alarm:NOSPACE");
      // alarms are counted once below, against the member that raised them.
      problems.push(...status.errors.filter((e) => !/\balarm:/.test(e)));
      // etcd itself may already say "etcdserver: no leader": said once.
      if (status.leader === '0' && !problems.some((p) => /no leader/.test(p))) problems.push('has no leader');
    }
    for (const alarm of alarms) if (alarm.memberId === member.id) problems.push(`alarm ${alarm.alarm}`);
    return status === undefined ? { member, problems } : { member, status, problems };
  });
  const voting = members.filter((m) => !m.isLearner).length;
  const healthy = health.filter((h) => !h.member.isLearner && h.problems.length === 0).length;
  const needed = Math.floor(voting / 2) + 1;
  const leaders = new Set(statuses.map((s) => s.leader).filter((l) => l !== '0'));
  return {
    members: health,
    voting,
    healthy,
    needed,
    hasQuorum: voting > 0 && healthy >= needed && leaders.size === 1,
    leader: leaders.size === 1 ? [...leaders][0] : undefined,
    alarms,
  };
}
