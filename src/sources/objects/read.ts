/**
 * Reads the objects of a snapshot back: the tree under objects/, each file one object,
 * typed by the record the backup wrote. Blobs are fetched a few at a time.
 */
import { objectKey, typeName, type KubeObject, type ResourceType } from '../../core/objects/types.ts';
import type { Id } from '../../repository/hash.ts';
import type { Repository } from '../../repository/repository.ts';
import type { TreeNode } from '../../repository/tree.ts';
import { OBJECTS_DIR, objectNameOf, versionDirectory } from './layout.ts';
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
  const types = new Map(record.types.map((t) => [typeName(t), { ...t, verbs: [] as string[] }]));
  for await (const [key, entry] of walkDirectories(repository, root, types)) index.set(key, entry);
  return index;
}

/** With --all-versions: each object's other stored versions, by key and then version. */
export async function indexOtherVersions(repository: Repository, root: Id, record: ObjectsRecord): Promise<Map<string, Map<string, IndexedObject>>> {
  const others = new Map<string, Map<string, IndexedObject>>();
  const directories = new Map(record.types.flatMap((t) => (t.otherVersions ?? []).map((o) => [versionDirectory(t, o.version), { ...t, version: o.version, verbs: [] as string[] }] as const)));
  if (directories.size === 0) return others;
  for await (const [key, entry] of walkDirectories(repository, root, directories)) {
    let versions = others.get(key);
    if (versions === undefined) others.set(key, (versions = new Map()));
    versions.set(entry.type.version, entry);
  }
  return others;
}

/** The objects below the named type directories of objects/, keyed as objectKey spells them. */
async function* walkDirectories(repository: Repository, root: Id, directories: ReadonlyMap<string, ResourceType>): AsyncGenerator<[string, IndexedObject]> {
  const tree = await objectsTree(repository, root);
  if (tree === undefined) return;
  for (const dir of (await repository.loadTree(tree)).nodes) {
    const type = directories.get(dir.name);
    if (type === undefined || dir.subtree === undefined) continue;
    const entry = (namespace: string | undefined, node: TreeNode): [string, IndexedObject] | undefined => {
      const name = objectNameOf(node.name);
      return node.type === 'file' && name !== undefined && node.content?.length === 1 ? [objectKey(type, namespace, name), { type, blob: node.content[0]! }] : undefined;
    };
    for (const node of (await repository.loadTree(dir.subtree)).nodes) {
      const found = node.type !== 'dir' || node.subtree === undefined ? [entry(undefined, node)] : (await repository.loadTree(node.subtree)).nodes.map((child) => entry(node.name, child));
      for (const item of found) if (item !== undefined) yield item;
    }
  }
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
