/**
 * A conversation with an etcd cluster: every member asked for its status, reaching each
 * through the configured endpoints and the client URLs the cluster reports for its members,
 * and then (with the same connections) HashKV of every member and a snapshot of one.
 */
import * as grpc from '@grpc/grpc-js';
import { EtcdCallError, EtcdMemberClient } from './client.ts';
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
    const led = [...statuses.values()].filter((s) => s.leader !== '0').map((s) => s.endpoint);
    const cluster = answering.length === 0 ? undefined : await this.askCluster(led, answering);
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
   * Member list and alarms from whichever member can give them. Right after a member is
   * lost, the others may answer "leader changed" until an election settles, so members that
   * have a leader are asked again a few times, briefly. Without a leader anywhere (lost
   * quorum) nothing linearizable can be answered: the member list then comes from a member's
   * own state, and alarms are unknown. Undefined when no member could answer at all.
   */
  private async askCluster(led: readonly string[], answering: readonly string[]): Promise<[EtcdMember[], EtcdAlarm[]] | undefined> {
    linearizable: for (let round = 0; round < 5 && led.length > 0; round++) {
      for (const url of led) {
        try {
          return await Promise.all([this.client(url).memberList(), this.client(url).alarms()]);
        } catch (error) {
          // A member that times out has lost its quorum: asking again only waits longer.
          if (error instanceof EtcdCallError && error.code === grpc.status.DEADLINE_EXCEEDED) break linearizable;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    for (const url of answering) {
      try {
        return [await this.client(url).memberList(false), []];
      } catch {
        // try the next member
      }
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
