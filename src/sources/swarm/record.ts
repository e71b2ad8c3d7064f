/**
 * What a snapshot records of a swarm (docs/repository-format.md, "Swarm"): the swarm it
 * came from, its managers and workers, how many objects of each kind were stored, which
 * services need which secret (secret values cannot be read back from Docker), and whether
 * autolock was on (the unlock key is then stored, sealed like every blob).
 */

export const SWARM_KINDS = ['networks', 'configs', 'secrets', 'services', 'nodes'] as const;
export type SwarmKind = (typeof SWARM_KINDS)[number];

export interface SwarmRecord {
  /** The engine read through (unix:///… or tcp://…). */
  readonly engine: string;
  readonly swarmId: string;
  /** The manager read through: hostname and node ID. */
  readonly manager: { readonly hostname: string; readonly id: string };
  readonly managers: number;
  readonly workers: number;
  readonly autolock: boolean;
  readonly unlockKeyStored: boolean;
  readonly counts: Readonly<Record<SwarmKind, number>>;
  /** Secret name → the services that use it, sorted. */
  readonly secretUse: Readonly<Record<string, readonly string[]>>;
  /** Stacks (com.docker.stack.namespace) among the services, sorted. */
  readonly stacks: readonly string[];
  /** The copy of this manager's raft state (DATA_ROOT/swarm) in swarm/raft/, unless the mode was export. */
  readonly raft?: RaftRecord;
}

export interface RaftRecord {
  /** hot when taken while the engine ran (by choice, or because a cold copy was refused). */
  readonly mode: 'cold' | 'hot';
  /** Why a cold copy was refused, when onRefusal took a hot one instead. */
  readonly refusedCold?: string;
  /** The manager whose state this is: a raft restore belongs on the same address. */
  readonly node: { readonly id: string; readonly hostname: string; readonly address: string };
  readonly leader: boolean;
  readonly dataRoot: string;
  readonly files: number;
  readonly bytes: number;
  /** Cold: from the stop command to the node back in the swarm. */
  readonly downtimeMs?: number;
  /** Cold: whether the node was back as a Ready, reachable manager within rejoinTimeout. */
  readonly rejoined?: boolean;
}
