/** Reads of a swarm through one manager's Engine API, and the few writes restore needs. */
import { OperationError } from '../core/errors.ts';
import type { SwarmMember } from '../core/swarm/quorum.ts';
import { DockerApiError, type DockerEngine } from './http.ts';
import type { EngineInfo, SwarmNode, Versioned } from './swarm-types.ts';

/** The engine's view of itself; refuses an engine that is not an active swarm manager. */
export async function managerInfo(engine: DockerEngine): Promise<EngineInfo> {
  const info = await engine.json<EngineInfo>('/info');
  const state = info.Swarm.LocalNodeState;
  const where = `Docker Engine ${engine.endpoint.host} (${info.Name})`;
  if (state === 'locked') throw new OperationError(`${where}: the swarm is locked (autolock)`, { hint: 'unlock it with `docker swarm unlock` and the unlock key, then run again' });
  if (state !== 'active') throw new OperationError(`${where}: not part of a swarm (state ${state || 'inactive'}${info.Swarm.Error ? `: ${info.Swarm.Error}` : ''})`, { hint: 'point the host setting at a swarm manager' });
  if (!info.Swarm.ControlAvailable) throw new OperationError(`${where}: this node is a worker; the swarm's state is only readable on a manager`, { hint: 'point the host setting at a manager (`docker node ls` lists them)' });
  return info;
}

export function memberOf(node: SwarmNode): SwarmMember {
  return {
    id: node.ID,
    hostname: node.Description?.Hostname ?? node.Spec.Name ?? node.ID,
    role: node.Spec.Role,
    ready: node.Status.State === 'ready',
    reachable: node.ManagerStatus?.Reachability === 'reachable',
    leader: node.ManagerStatus?.Leader === true,
    address: node.ManagerStatus?.Addr ?? node.Status.Addr ?? '',
  };
}

/** How many times a concurrent change (a heartbeat, a task) may make an update stale before it fails. */
const STALE_UPDATE_ATTEMPTS = 5;

/**
 * Updates a node, service or config (only its labels change) from its current state: reads it, builds the new spec and posts it
 * with the version it read. The engine refuses a stale version ("update out of sequence") when
 * anything changed the object in between, which node status changes do at any moment; then it
 * reads again, a bounded number of times.
 */
export async function updateSwarmObject<T extends Versioned>(engine: DockerEngine, kind: 'nodes' | 'services' | 'configs', id: string, build: (current: T) => unknown): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await engine.json<T>(`/${kind}/${id}`);
    try {
      await engine.json(`/${kind}/${id}/update`, { method: 'POST', query: { version: current.Version.Index }, body: build(current) });
      return;
    } catch (error) {
      if (attempt >= STALE_UPDATE_ATTEMPTS || !isStaleUpdate(error)) throw error;
    }
  }
}

function isStaleUpdate(error: unknown): boolean {
  return error instanceof DockerApiError && /update out of sequence/i.test(error.message);
}
