/** Reads a snapshot's swarm back: its record, and every stored object by kind and name. */
import { UsageError } from '../../core/errors.ts';
import type { SwarmInfo } from '../../docker/swarm-types.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import { sourceTree } from '../../repository/root-tree.ts';
import type { StoredSnapshot } from '../../repository/snapshot.ts';
import { nameOfFile, RAFT_DIR, SWARM_DIR, SWARM_FILE, UNLOCK_KEY_FILE } from './layout.ts';
import { SWARM_KINDS, type SwarmKind, type SwarmRecord } from './record.ts';

export interface StoredSwarmObjects {
  readonly record: SwarmRecord;
  readonly objects: Readonly<Record<SwarmKind, ReadonlyMap<string, unknown>>>;
  readonly unlockKey: string | undefined;
  /** The swarm's spec and metadata (swarm.json). */
  readonly swarm: SwarmInfo | undefined;
  /** The tree of the raft copy (swarm/raft), when one was taken. */
  readonly raftTree: Id | undefined;
}

export function requireSwarmRecord(snapshot: StoredSnapshot): SwarmRecord {
  const source = snapshot.sources.find((s) => s.type === 'swarm');
  if (source === undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)} holds no swarm`, { hint: 'pick a snapshot taken with --swarm (`strata snapshots` shows swarm:N)' });
  return source.record as SwarmRecord;
}

export async function readStoredSwarm(repository: Repository, snapshot: StoredSnapshot): Promise<StoredSwarmObjects> {
  const record = requireSwarmRecord(snapshot);
  const tree = await sourceTree(repository, snapshot.tree, SWARM_DIR);
  if (tree === undefined) throw new UsageError(`snapshot ${snapshot.id.slice(0, 8)}: its swarm directory is missing`, { hint: 'run `strata check --read-data`' });
  const top = (await repository.loadTree(tree)).nodes;
  const objects = Object.fromEntries(SWARM_KINDS.map((k) => [k, new Map<string, unknown>()])) as Record<SwarmKind, Map<string, unknown>>;
  for (const kind of SWARM_KINDS) {
    const dir = top.find((n) => n.name === kind && n.type === 'dir')?.subtree;
    if (dir === undefined) continue;
    for (const node of (await repository.loadTree(dir)).nodes) {
      const name = nameOfFile(node.name);
      if (name === undefined || node.content?.length !== 1) continue;
      objects[kind].set(name, JSON.parse((await repository.loadBlob(node.content[0]!)).toString('utf8')));
    }
  }
  const text = async (name: string) => {
    const blob = top.find((n) => n.name === name)?.content?.[0];
    return blob === undefined ? undefined : (await repository.loadBlob(blob)).toString('utf8');
  };
  const swarm = await text(SWARM_FILE);
  return {
    record, objects,
    unlockKey: await text(UNLOCK_KEY_FILE),
    swarm: swarm === undefined ? undefined : (JSON.parse(swarm) as SwarmInfo),
    raftTree: top.find((n) => n.name === RAFT_DIR && n.type === 'dir')?.subtree,
  };
}
