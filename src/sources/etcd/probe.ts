/**
 * A conversation with an etcd cluster: every member asked for its status, reaching each
 * through the configured endpoints and the client URLs the cluster reports for its members,
 * and then (with the same connections) HashKV of every member and a snapshot of one.
 */
import { EtcdMemberClient } from './client.ts';
import { compareHashes, type ConsistencyCheck, type MemberHash } from './consistency.ts';
import { assessQuorum, type MemberHealth, type QuorumAssessment } from './quorum.ts';
import type { EtcdAlarm, EtcdConnectionOptions, EtcdMember, EtcdMemberStatus } from './types.ts';

export class EtcdClusterSession {
  private readonly clients = new Map<string, EtcdMemberClient>();
  private readonly endpoints: readonly string[];
  private readonly options: EtcdConnectionOptions;

  constructor(endpoints: readonly string[], options: EtcdConnectionOptions) {
    this.endpoints = endpoints;
    this.options = options;
  }

  /** The client for a member that answered Status (by the endpoint that reached it). */
  clientFor(health: MemberHealth): EtcdMemberClient {
    if (health.status === undefined) throw new Error(`etcd member ${health.member.name} did not answer`);
    return this.client(health.status.endpoint);
  }

  async assess(): Promise<QuorumAssessment> {
    const unreachable = new Map<string, string>();
    const statuses = new Map<string, EtcdMemberStatus>();
    const ask = async (url: string): Promise<void> => {
      try {
        const status = await this.client(url).status();
        statuses.set(status.memberId, status);
      } catch (error) {
        unreachable.set(url, error instanceof Error ? error.message : String(error));
      }
    };
    await Promise.all(this.endpoints.map(ask));

    let members: EtcdMember[] = [];
    let alarms: EtcdAlarm[] = [];
    const answering = this.endpoints.filter((url) => !unreachable.has(url));
    const cluster = answering.length === 0 ? undefined : await this.askCluster(answering);
    if (cluster !== undefined) {
      [members, alarms] = cluster;
      // Members the configured endpoints did not reach directly are asked through their own URLs.
      const others = members
        .filter((m) => !statuses.has(m.id))
        .flatMap((m) => m.clientUrls.slice(0, 1))
        .filter((url) => !this.clients.has(url));
      await Promise.all(others.map(ask));
    }
    if (members.length === 0) {
      // Nobody answered: describe each configured endpoint as a member we could not reach.
      members = this.endpoints.map((url) => ({ id: url, name: url, peerUrls: [], clientUrls: [url], isLearner: false }));
    }
    return assessQuorum(members, [...statuses.values()], alarms, unreachable);
  }

  /**
   * HashKV of every answering member at one revision every one of them has applied (the
   * lowest current revision), compared. A member that cannot answer is reported, not fatal.
   */
  async consistency(assessment: QuorumAssessment): Promise<ConsistencyCheck> {
    const answering = assessment.members.filter((m) => m.status !== undefined);
    const revision = Math.min(...answering.map((m) => m.status!.revision));
    const hashes = await Promise.all(
      answering.map(async (m): Promise<MemberHash> => {
        try {
          const h = await this.clientFor(m).hashKV(revision);
          return { memberId: m.member.id, name: m.member.name, ...h };
        } catch (error) {
          return { memberId: m.member.id, name: m.member.name, error: (error as Error).message };
        }
      }),
    );
    return compareHashes(revision, hashes);
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private client(url: string): EtcdMemberClient {
    let client = this.clients.get(url);
    if (client === undefined) {
      client = new EtcdMemberClient(url, this.options);
      this.clients.set(url, client);
    }
    return client;
  }

  /**
   * Member list and alarms from whichever answering member can give them. Right after a
   * member is lost, the others may answer "leader changed" until an election settles, so
   * each is asked again a few times, briefly; undefined when none could answer.
   */
  private async askCluster(urls: readonly string[]): Promise<[EtcdMember[], EtcdAlarm[]] | undefined> {
    for (let round = 0; round < 5; round++) {
      for (const url of urls) {
        try {
          return await Promise.all([this.client(url).memberList(), this.client(url).alarms()]);
        } catch {
          // try the next member, then the next round
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return undefined;
  }
}

export async function probeEtcdCluster(endpoints: readonly string[], options: EtcdConnectionOptions): Promise<QuorumAssessment> {
  const session = new EtcdClusterSession(endpoints, options);
  try {
    return await session.assess();
  } finally {
    session.close();
  }
}
