/**
 * The swarm's logical export into the snapshot: every object its own blob under swarm/,
 * as swarm/layout.ts places them, and the record of swarm/record.ts.
 */
import { STACK_LABEL } from '../../docker/swarm-types.ts';
import type { BlobWriter } from '../../repository/blob-writer.ts';
import { directoryNode, recordNode } from '../../repository/item-nodes.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { fileNameOf, SWARM_DIR, SWARM_FILE, UNLOCK_KEY_FILE } from './layout.ts';
import type { SwarmExport, SwarmItem } from './read-swarm.ts';
import type { RaftRecord, SwarmKind, SwarmRecord } from './record.ts';

export interface StoredSwarm {
  readonly node: TreeNode;
  readonly record: SwarmRecord;
  readonly bytes: number;
}

/** Stores the export, and beside it the raft state's directory node (swarm/raft) when one was copied. */
export async function storeSwarm(writer: BlobWriter, engine: string, exported: SwarmExport, raft?: { readonly node: TreeNode; readonly record: RaftRecord }): Promise<StoredSwarm> {
  let bytes = 0;
  const store = async (fileName: string, content: Buffer, created: string | undefined): Promise<TreeNode> => {
    bytes += content.length;
    return recordNode(fileName, await writer.saveData(content), content.length, created);
  };
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const services: SwarmItem[] = exported.services.map((s) => ({ name: s.Spec.Name, created: s.CreatedAt, object: s }));
  const kinds: Record<SwarmKind, readonly SwarmItem[]> = { networks: exported.networks, configs: exported.configs, secrets: exported.secrets, services, nodes: exported.nodes };
  const top: TreeNode[] = [await store(SWARM_FILE, json(exported.swarm), exported.swarm.CreatedAt)];
  for (const [kind, items] of Object.entries(kinds)) {
    const nodes = await Promise.all(items.map((item) => store(fileNameOf(item.name), json(item.object), item.created)));
    top.push(directoryNode(kind, await writer.saveTree(nodes)));
  }
  // The key is stored like any blob: sealed by the repository's key, never in a record or log.
  if (exported.unlockKey !== undefined) top.push(await store(UNLOCK_KEY_FILE, Buffer.from(exported.unlockKey), exported.swarm.CreatedAt));
  if (raft !== undefined) top.push(raft.node);

  const secretUse: Record<string, string[]> = {};
  for (const service of exported.services) {
    for (const secret of service.Spec.TaskTemplate.ContainerSpec?.Secrets ?? []) (secretUse[secret.SecretName] ??= []).push(service.Spec.Name);
  }
  for (const users of Object.values(secretUse)) users.sort();
  const self = exported.members.find((m) => m.id === exported.info.Swarm.NodeID);
  const record: SwarmRecord = {
    engine,
    swarmId: exported.info.Swarm.Cluster?.ID ?? exported.swarm.ID,
    manager: { hostname: self?.hostname ?? exported.info.Name, id: exported.info.Swarm.NodeID },
    managers: exported.members.filter((m) => m.role === 'manager').length,
    workers: exported.members.filter((m) => m.role === 'worker').length,
    autolock: exported.swarm.Spec.EncryptionConfig?.AutoLockManagers === true,
    unlockKeyStored: exported.unlockKey !== undefined,
    counts: Object.fromEntries(Object.entries(kinds).map(([kind, items]) => [kind, items.length])) as Record<SwarmKind, number>,
    secretUse,
    stacks: [...new Set(exported.services.map((s) => s.Spec.Labels?.[STACK_LABEL]).filter((s) => s !== undefined))].sort(),
    ...(raft !== undefined && { raft: raft.record }),
  };
  return { node: directoryNode(SWARM_DIR, await writer.saveTree(top)), record, bytes };
}
