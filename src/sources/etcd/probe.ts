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
    const answering = endpoints.filter((url) => !unreachable.has(url));
    const cluster = answering.length === 0 ? undefined : await askCluster(answering, clientFor);
    if (cluster !== undefined) {
      [members, alarms] = cluster;
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

/**
 * Member list and alarms from whichever answering member can give them. Right after a
 * member is lost, the others may answer "leader changed" until an election settles, so
 * each is asked again a few times, briefly; undefined when none could answer.
 */
async function askCluster(urls: readonly string[], clientFor: (url: string) => EtcdMemberClient): Promise<[EtcdMember[], EtcdAlarm[]] | undefined> {
  for (let round = 0; round < 5; round++) {
    for (const url of urls) {
      try {
        return await Promise.all([clientFor(url).memberList(), clientFor(url).alarms()]);
      } catch {
        // try the next member, then the next round
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return undefined;
}
