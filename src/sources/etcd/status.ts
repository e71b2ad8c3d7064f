/** `strata etcd status`: every member's state, quorum, and whether the members hold the same data. */
import type { EtcdConfig } from '../../core/config/schema.ts';
import { etcdConnectionOptions } from './connection.ts';
import type { ConsistencyCheck } from './consistency.ts';
import { EtcdClusterSession } from './probe.ts';

export interface EtcdMemberReport {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string | undefined;
  readonly version: string | undefined;
  readonly dbSize: number | undefined;
  readonly dbSizeInUse: number | undefined;
  readonly leader: boolean;
  readonly raftTerm: number | undefined;
  readonly raftIndex: number | undefined;
  readonly raftAppliedIndex: number | undefined;
  readonly revision: number | undefined;
  readonly learner: boolean;
  readonly alarms: readonly string[];
  readonly healthy: boolean;
  readonly problems: readonly string[];
}

export interface EtcdStatusReport {
  readonly clusterId: string | undefined;
  readonly members: readonly EtcdMemberReport[];
  readonly quorum: { readonly voting: number; readonly healthy: number; readonly needed: number; readonly hasQuorum: boolean };
  readonly leader: string | undefined;
  readonly alarms: readonly { readonly memberId: string; readonly alarm: string }[];
  readonly consistency: ConsistencyCheck | null;
  /** Every member healthy and the hashes agree. */
  readonly ok: boolean;
}

export async function etcdStatus(config: EtcdConfig): Promise<EtcdStatusReport> {
  const session = new EtcdClusterSession(config.endpoints, await etcdConnectionOptions(config));
  try {
    const q = await session.assess();
    const consistency = q.members.some((m) => m.status !== undefined) ? await session.consistency(q) : null;
    const members = q.members.map((m): EtcdMemberReport => ({
      id: m.member.id,
      name: m.member.name,
      endpoint: m.status?.endpoint ?? m.member.clientUrls[0],
      version: m.status?.version,
      dbSize: m.status?.dbSize,
      dbSizeInUse: m.status?.dbSizeInUse,
      leader: m.status !== undefined && m.member.id === q.leader,
      raftTerm: m.status?.raftTerm,
      raftIndex: m.status?.raftIndex,
      raftAppliedIndex: m.status?.raftAppliedIndex,
      revision: m.status?.revision,
      learner: m.member.isLearner,
      alarms: q.alarms.filter((a) => a.memberId === m.member.id).map((a) => a.alarm),
      healthy: m.problems.length === 0,
      problems: m.problems,
    }));
    return {
      clusterId: q.members.find((m) => m.status !== undefined)?.status?.clusterId,
      members,
      quorum: { voting: q.voting, healthy: q.healthy, needed: q.needed, hasQuorum: q.hasQuorum },
      leader: q.members.find((m) => m.member.id === q.leader)?.member.name,
      alarms: q.alarms,
      consistency,
      ok: q.hasQuorum && members.every((m) => m.healthy) && consistency?.verdict === 'agree',
    };
  } finally {
    session.close();
  }
}
