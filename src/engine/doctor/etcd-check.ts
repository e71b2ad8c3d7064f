/** Are the etcd members reachable and healthy, with quorum and no alarms? */
import type { EtcdConfig } from '../../core/config/schema.ts';
import { etcdConnectionOptions } from '../../sources/etcd/connection.ts';
import { probeEtcdCluster } from '../../sources/etcd/probe.ts';
import type { EtcdConnectionOptions } from '../../sources/etcd/types.ts';
import { fail, pass, type CheckResult } from './check.ts';

export async function checkEtcd(config: EtcdConfig): Promise<CheckResult> {
  const title = 'etcd healthy with quorum';
  let options: EtcdConnectionOptions;
  try {
    options = await etcdConnectionOptions(config);
  } catch (error) {
    return fail('etcd', title, `cannot read an etcd TLS or password file: ${(error as Error).message}`);
  }
  const q = await probeEtcdCluster(config.endpoints, options);
  const members = q.members.map((m) => ({
    id: m.member.id,
    name: m.member.name,
    endpoint: m.status?.endpoint ?? m.member.clientUrls[0],
    version: m.status?.version,
    learner: m.member.isLearner,
    leader: m.status !== undefined && m.status.leader === m.member.id,
    problems: m.problems,
  }));
  const data = { voting: q.voting, healthy: q.healthy, needed: q.needed, hasQuorum: q.hasQuorum, alarms: q.alarms, members };
  const sick = q.members.filter((m) => m.problems.length > 0).map((m) => `${m.member.name} (${m.problems.join('; ')})`);
  if (q.hasQuorum && sick.length === 0) {
    return pass('etcd', title, `${q.healthy}/${q.voting} members healthy, leader ${q.leader}, version ${q.members[0]?.status?.version ?? '?'}`, data);
  }
  const quorum = q.hasQuorum ? `quorum kept (${q.healthy}/${q.voting}, ${q.needed} needed)` : `no quorum: ${q.healthy}/${q.voting} healthy, ${q.needed} needed`;
  return fail('etcd', title, `${quorum}; unhealthy: ${sick.join(', ')}`, data);
}
