/**
 * Reads a swarm's logical state through one manager, without downtime: the swarm's spec,
 * nodes, services, swarm-scoped networks, configs with their data, secrets' metadata, and
 * the unlock key when autolock is on. Fields that change on their own (network peers and
 * attached containers, node heartbeat status) are left out, so an unchanged swarm stores
 * unchanged objects.
 */
import type { DockerEngine } from '../../docker/http.ts';
import { managerInfo, memberOf } from '../../docker/swarm-api.ts';
import type { EngineInfo, SwarmConfig, SwarmInfo, SwarmNetwork, SwarmNode, SwarmService } from '../../docker/swarm-types.ts';
import type { SwarmMember } from '../../core/swarm/quorum.ts';

/** One stored object: its name (a node's ID), creation time (for its tree node) and content. */
export interface SwarmItem {
  readonly name: string;
  readonly created: string | undefined;
  readonly object: unknown;
}

export interface SwarmExport {
  readonly info: EngineInfo;
  /** The swarm's spec and metadata, its join tokens left out. */
  readonly swarm: SwarmInfo;
  readonly members: readonly SwarmMember[];
  readonly networks: readonly SwarmItem[];
  readonly configs: readonly SwarmItem[];
  readonly secrets: readonly SwarmItem[];
  readonly services: readonly SwarmService[];
  readonly nodes: readonly SwarmItem[];
  readonly unlockKey: string | undefined;
}

/** The ingress network Docker creates itself is left out unless someone changed it (labels or subnet). */
const DEFAULT_INGRESS_SUBNET = '10.0.0.0/24';

function customisedIngress(network: SwarmNetwork): boolean {
  const subnets = (network.IPAM?.Config ?? []).map((c) => c['Subnet']);
  return Object.keys(network.Labels ?? {}).length > 0 || subnets.some((s) => s !== DEFAULT_INGRESS_SUBNET);
}

export async function readSwarm(engine: DockerEngine): Promise<SwarmExport> {
  const info = await managerInfo(engine);
  // Join tokens are credentials that a restore never needs (a new cluster keeps or rotates its own).
  const swarm: SwarmInfo = { ...(await engine.json<SwarmInfo>('/swarm')), JoinTokens: undefined };
  const [nodes, services, networks, configs, secrets] = await Promise.all([
    engine.json<SwarmNode[]>('/nodes'),
    engine.json<SwarmService[]>('/services'),
    engine.json<SwarmNetwork[]>('/networks', { query: { filters: JSON.stringify({ scope: ['swarm'] }) } }),
    engine.json<SwarmConfig[]>('/configs'),
    engine.json<SwarmConfig[]>('/secrets'),
  ]);
  const autolock = swarm.Spec.EncryptionConfig?.AutoLockManagers === true;
  const unlockKey = autolock ? (await engine.json<{ UnlockKey: string }>('/swarm/unlockkey')).UnlockKey : undefined;
  return {
    info,
    swarm,
    members: nodes.map(memberOf),
    networks: networks
      .filter((n) => n.Ingress !== true || customisedIngress(n))
      .map(({ Containers: _c, Peers: _p, Services: _s, Status: _st, ...network }) => ({ name: network.Name, created: network['Created'] as string | undefined, object: network })),
    configs: configs.map((c) => ({ name: c.Spec.Name, created: c.CreatedAt, object: c })),
    secrets: secrets.map((s) => ({ name: s.Spec.Name, created: s.CreatedAt, object: s })),
    services,
    nodes: nodes.map((n) => ({
      name: n.ID,
      created: n.CreatedAt,
      // What a restore puts back (role, availability, labels) and what names the node; not its heartbeat.
      object: { ID: n.ID, CreatedAt: n.CreatedAt, Spec: n.Spec, Description: { Hostname: n.Description?.Hostname }, ManagerStatus: n.ManagerStatus === undefined ? undefined : { Addr: n.ManagerStatus.Addr } },
    })),
    unlockKey,
  };
}
