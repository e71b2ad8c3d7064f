/**
 * Asks every member of an etcd cluster for its status, reaching each through the configured
 * endpoints and the client URLs the cluster reports for its members.
 */
import { EtcdMemberClient } from './client.ts';
import { assessQuorum, type QuorumAssessment } from './quorum.ts';
import type { EtcdAlarm, EtcdConnectionOptions, EtcdMember, EtcdMemberStatus } from './types.ts';

export async function probeEtcdCluster(endpoints: readonly string[], options: EtcdConnectionOptions): Promise<QuorumAssessment> {
  const clients = new Map<string, EtcdMemberClient>();
  const clientFor = (url: string): EtcdMemberClient => {
    let client = clients.get(url);
    if (client === undefined) {
      client = new EtcdMemberClient(url, options);
      clients.set(url, client);
    }
    return client;
  };
  try {
    const unreachable = new Map<string, string>();
    const statuses = new Map<string, EtcdMemberStatus>();
    const ask = async (url: string): Promise<void> => {
      try {
        const status = await clientFor(url).status();
        statuses.set(status.memberId, status);
      } catch (error) {
        unreachable.set(url, error instanceof Error ? error.message : String(error));
      }
    };
    await Promise.all(endpoints.map(ask));

    let members: EtcdMember[] = [];
    let alarms: EtcdAlarm[] = [];
    const answering = endpoints.find((url) => !unreachable.has(url));
    if (answering !== undefined) {
      [members, alarms] = await Promise.all([clientFor(answering).memberList(), clientFor(answering).alarms()]);
      // Members the configured endpoints did not reach directly are asked through their own URLs.
      const others = members
        .filter((m) => !statuses.has(m.id))
        .flatMap((m) => m.clientUrls.slice(0, 1))
        .filter((url) => !clients.has(url));
      await Promise.all(others.map(ask));
    }
    if (members.length === 0) {
      // Nobody answered: describe each configured endpoint as a member we could not reach.
      members = endpoints.map((url) => ({ id: url, name: url, peerUrls: [], clientUrls: [url], isLearner: false }));
    }
    return assessQuorum(members, [...statuses.values()], alarms, unreachable);
  } finally {
    for (const client of clients.values()) client.close();
  }
}
