/**
 * Reads the objects of a snapshot back: the tree under objects/, each file one object,
 * typed by the record the backup wrote. Blobs are fetched a few at a time.
 */
import { objectKey, typeName, type KubeObject, type ResourceType } from '../../core/objects/types.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { OBJECTS_DIR, objectNameOf } from './layout.ts';
import type { ObjectsRecord } from './record.ts';

export interface StoredObject {
  readonly type: ResourceType;
  readonly object: KubeObject;
}

/** Blobs loaded at once: enough to hide storage latency, few enough to bound memory. */
const WINDOW = 32;

/** The objects/ tree of a snapshot, or undefined when it has none. */
export async function objectsTree(repository: Repository, root: Id): Promise<Id | undefined> {
  return (await repository.loadTree(root)).nodes.find((n) => n.name === OBJECTS_DIR && n.type === 'dir')?.subtree;
}

export interface IndexedObject {
  readonly type: ResourceType;
  readonly blob: Id;
}

/** Every object of a snapshot by key ("deployments.apps/shop/web") with its type and blob, without reading the objects. */
export async function indexObjects(repository: Repository, root: Id, record: ObjectsRecord): Promise<Map<string, IndexedObject>> {
  const index = new Map<string, IndexedObject>();
  const tree = await objectsTree(repository, root);
  if (tree === undefined) return index;
  const types = new Map(record.types.map((t) => [typeName(t), { ...t, verbs: [] as string[] }]));
  for (const dir of (await repository.loadTree(tree)).nodes) {
    const type = types.get(dir.name);
    if (type === undefined || dir.subtree === undefined) continue;
    const add = (namespace: string | undefined, node: TreeNode): void => {
      const name = objectNameOf(node.name);
      if (node.type === 'file' && name !== undefined && node.content?.length === 1) index.set(objectKey(type, namespace, name), { type, blob: node.content[0]! });
    };
    for (const node of (await repository.loadTree(dir.subtree)).nodes) {
      if (node.type !== 'dir' || node.subtree === undefined) add(undefined, node);
      else for (const child of (await repository.loadTree(node.subtree)).nodes) add(node.name, child);
    }
  }
  return index;
}

/** Every stored object, as the snapshot's record types them; blobs are loaded a window at a time. */
export async function* readObjects(repository: Repository, root: Id, record: ObjectsRecord): AsyncGenerator<StoredObject> {
  const entries = [...(await indexObjects(repository, root, record)).values()];
  for (let at = 0; at < entries.length; at += WINDOW) {
    const batch = entries.slice(at, at + WINDOW);
    const objects = await Promise.all(batch.map((entry) => loadObject(repository, entry.blob)));
    for (let i = 0; i < batch.length; i++) yield { type: batch[i]!.type, object: objects[i]! };
  }
}

export async function loadObject(repository: Repository, blob: Id): Promise<KubeObject> {
  return JSON.parse((await repository.loadBlob(blob)).toString('utf8')) as KubeObject;
}
