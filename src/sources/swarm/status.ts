/** `strata swarm status`: a swarm's managers and workers, its raft quorum and autolock, as one manager sees them. */
import { quorumOf, type Quorum } from '../../core/swarm/quorum.ts';
import type { DockerEngine } from '../../docker/http.ts';
import { managerInfo, memberOf } from '../../docker/swarm-api.ts';
import type { SwarmInfo, SwarmNode } from '../../docker/swarm-types.ts';

export interface SwarmNodeStatus {
  readonly id: string;
  readonly hostname: string;
  readonly role: 'manager' | 'worker';
  /** ready, down, unknown or disconnected */
  readonly state: string;
  readonly availability: string;
  /** Managers: leader, reachable or unreachable. */
  readonly raft?: string;
  readonly address: string;
  readonly engineVersion?: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface SwarmStatus {
  readonly engine: string;
  readonly swarmId: string;
  /** The node answering. */
  readonly self: string;
  readonly autolock: boolean;
  readonly quorum: Quorum;
  readonly managers: readonly SwarmNodeStatus[];
  readonly workers: readonly SwarmNodeStatus[];
  /** Every manager Ready and reachable. */
  readonly ok: boolean;
}

export async function swarmStatus(engine: DockerEngine): Promise<SwarmStatus> {
  const info = await managerInfo(engine);
  const [swarm, nodes] = await Promise.all([engine.json<SwarmInfo>('/swarm'), engine.json<SwarmNode[]>('/nodes')]);
  const members = nodes.map(memberOf);
  const quorum = quorumOf(members);
  const statusOf = (node: SwarmNode): SwarmNodeStatus => {
    const member = memberOf(node);
    return {
      id: node.ID,
      hostname: member.hostname,
      role: member.role,
      state: node.Status.State,
      availability: node.Spec.Availability,
      ...(member.role === 'manager' && { raft: member.leader ? 'leader' : (node.ManagerStatus?.Reachability ?? 'unknown') }),
      address: member.address,
      ...(typeof (node.Description?.['Engine'] as { EngineVersion?: string } | undefined)?.EngineVersion === 'string' && { engineVersion: (node.Description!['Engine'] as { EngineVersion: string }).EngineVersion }),
      labels: node.Spec.Labels ?? {},
    };
  };
  const byName = (a: SwarmNodeStatus, b: SwarmNodeStatus) => (a.hostname === b.hostname ? (a.address < b.address ? -1 : 1) : a.hostname < b.hostname ? -1 : 1);
  return {
    engine: engine.endpoint.host,
    swarmId: info.Swarm.Cluster?.ID ?? swarm.ID,
    self: info.Swarm.NodeID,
    autolock: swarm.Spec.EncryptionConfig?.AutoLockManagers === true,
    quorum,
    managers: nodes.filter((n) => n.Spec.Role === 'manager').map(statusOf).sort(byName),
    workers: nodes.filter((n) => n.Spec.Role === 'worker').map(statusOf).sort(byName),
    ok: quorum.reachable === quorum.managers,
  };
}
