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
}
