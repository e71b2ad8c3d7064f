/**
 * Swarm raft quorum, from the nodes a manager lists: how many managers there are, how many
 * are needed (N/2+1) and reachable, and whether one manager may stop for a cold copy of its
 * raft state. Docker's own rule for a cold backup: only a manager that is not the leader,
 * and only while the managers that stay up still hold quorum without it.
 */

export interface SwarmMember {
  readonly id: string;
  readonly hostname: string;
  readonly role: 'manager' | 'worker';
  /** Status.State is ready. */
  readonly ready: boolean;
  /** ManagerStatus.Reachability is reachable (managers only). */
  readonly reachable: boolean;
  readonly leader: boolean;
  /** The manager's raft address (host:2377), or the node's address for a worker. */
  readonly address: string;
}

export interface Quorum {
  readonly managers: number;
  readonly needed: number;
  /** Managers that are Ready and reachable. */
  readonly reachable: number;
  readonly hasQuorum: boolean;
}

export function quorumOf(members: readonly SwarmMember[]): Quorum {
  const managers = members.filter((m) => m.role === 'manager');
  const needed = Math.floor(managers.length / 2) + 1;
  const reachable = managers.filter(up).length;
  return { managers: managers.length, needed, reachable, hasQuorum: managers.length > 0 && reachable >= needed };
}

function up(member: SwarmMember): boolean {
  return member.ready && member.reachable;
}

export type StopVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** May the manager `self` stop its engine now? Never the leader, never below quorum without it. */
export function mayStopForColdCopy(members: readonly SwarmMember[], self: string): StopVerdict {
  const me = members.find((m) => m.id === self);
  if (me === undefined) return { allowed: false, reason: `node ${self} is not in the swarm's node list` };
  if (me.role !== 'manager') return { allowed: false, reason: `${me.hostname} (${me.id}) is a worker; a cold copy of the raft state needs a manager` };
  if (me.leader) return { allowed: false, reason: `${me.hostname} (${me.id}) is the raft leader; stopping it forces an election` };
  const quorum = quorumOf(members);
  const others = members.filter((m) => m.role === 'manager' && m.id !== self && up(m)).length;
  if (others < quorum.needed) {
    return {
      allowed: false,
      reason: `stopping ${me.hostname} would leave ${others} of ${quorum.managers} managers up, and quorum needs ${quorum.needed}`,
    };
  }
  return { allowed: true };
}
